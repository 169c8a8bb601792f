import { describe, expect, it } from "vitest";
import { bestRole, latestByModel, type EvalScore, type Evaluation } from "./evaluate";

const score = (role: EvalScore["role"], o: Partial<EvalScore>): EvalScore => ({ role, model: role, style: {}, answered: 1, notes: [], ...o });

describe("bestRole", () => {
  it("prefers the lowest loss and the highest similarity", () => {
    const s = [score("candidate", { loss: 1.2, similarity: 0.5 }), score("base", { loss: 2.0, similarity: 0.7 })];
    expect(bestRole(s, "loss")).toBe("candidate");
    expect(bestRole(s, "similarity")).toBe("base");
  });
  it("names no winner on a tie, or with fewer than two measured values", () => {
    expect(bestRole([score("candidate", { rouge_l: 0.3 }), score("base", { rouge_l: 0.3 })], "rouge_l")).toBeUndefined();
    expect(bestRole([score("candidate", { loss: 1 }), score("base", {})], "loss")).toBeUndefined();
    expect(bestRole([], "loss")).toBeUndefined();
  });
});

describe("latestByModel", () => {
  it("keeps the first (newest) evaluation of each model", () => {
    const ev = (id: number, model: string) => ({ id, model }) as Evaluation;
    const m = latestByModel([ev(9, "a:v2"), ev(8, "a:v1"), ev(7, "a:v2")]);
    expect(m.get("a:v2")?.id).toBe(9);
    expect(m.get("a:v1")?.id).toBe(8);
    expect(m.size).toBe(2);
  });
});
