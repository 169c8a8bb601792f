// @vitest-environment node
import { describe, expect, it } from "vitest";
import type { TrainRun } from "../../api";
import { alignLoss, compareRows, fmtDuration } from "./series";

function run(id: number, points: [number, number][], config: Record<string, unknown>): TrainRun {
  return {
    id, status: "succeeded", name: "d", base: "b", base_path: "", dataset: "x", dataset_dir: "", dataset_hash: "",
    backend: "peft", config, settings: { batch_size: 2, reasons: ["r"] }, hardware: {}, output_dir: "", step: 0,
    total_steps: 0, phase: "", artifacts: {}, attempts: 1, duration_s: 0, created_at: "", updated_at: "",
    metrics: points.map(([step, loss]) => ({ kind: "train", phase: "sft", step, loss, at: "" })),
  };
}

describe("alignLoss", () => {
  it("aligns runs on the union of steps with gaps as null", () => {
    const a = run(1, [[1, 4], [2, 3.5], [3, 3]], {});
    const b = run(2, [[2, 5], [4, 4]], {});
    expect(alignLoss([a, b])).toEqual([[1, 2, 3, 4], [4, 3.5, 3, null], [null, 5, null, 4]]);
  });
  it("keeps the last value of a step repeated after a resume", () => {
    expect(alignLoss([run(1, [[1, 4], [2, 3], [2, 2.5]], {})])).toEqual([[1, 2], [4, 2.5]]);
  });
  it("ignores eval points for the train curve", () => {
    const r = run(1, [[1, 4]], {});
    r.metrics.push({ kind: "eval", phase: "sft", step: 1, loss: 9, at: "" });
    expect(alignLoss([r])).toEqual([[1], [4]]);
    expect(alignLoss([r], "eval")).toEqual([[1], [9]]);
  });
});

describe("compareRows", () => {
  it("lists hyperparameters side by side and flags differences", () => {
    const rows = compareRows([
      run(1, [], { learning_rate: 0.001, lora: { r: 8 }, output_dir: "/a" }),
      run(2, [], { learning_rate: 0.002, lora: { r: 8 }, output_dir: "/b" }),
    ]);
    const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(byKey["learning_rate"]).toEqual({ key: "learning_rate", values: ["0.001", "0.002"], differs: true });
    expect(byKey["lora.r"]?.differs).toBe(false);
    expect(byKey["batch_size"]?.values).toEqual(["2", "2"]);
    expect(byKey["output_dir"]).toBeUndefined();
    expect(byKey["reasons"]).toBeUndefined();
  });
});

describe("fmtDuration", () => {
  it.each([
    [5, "5 s"],
    [600, "10.0 min"],
    [7200, "2.0 h"],
  ])("%s s → %s", (s, want) => expect(fmtDuration(s)).toBe(want));
});
