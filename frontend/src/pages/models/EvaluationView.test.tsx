import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, within } from "@testing-library/react";
import type { Evaluation } from "../../api";
import { EvaluationView } from "./EvaluationView";

const ev: Evaluation = {
  id: 3,
  model: "doppel:v2",
  status: "succeeded",
  dataset_dir: "/d",
  config: { model: "doppel:v2" },
  style: {},
  created_at: "2026-12-04T00:00:00Z",
  gate: { mode: "off", against: "accepted", passed: true, accepted: false, reasons: ["loss 1.100 vs 1.400: ok"] },
  scores: [
    { role: "candidate", model: "doppel:v2", loss: 1.1, similarity: 0.61, style: {}, answered: 2, notes: [] },
    { role: "accepted", model: "doppel:v1", loss: 1.4, similarity: 0.64, style: {}, answered: 2, notes: [] },
    { role: "base", model: "smollm2:135m", similarity: 0.4, style: {}, answered: 2, notes: ["loss not measured: no weights on disk"] },
  ],
  samples: [
    {
      sample: 0,
      prompt: "How do you store bread?",
      reference: "In a linen bag, never the fridge.",
      answers: [
        { sample: 0, role: "candidate", answer: "In a linen bag.", rouge_l: 0.6, similarity: 0.8 },
        { sample: 0, role: "base", answer: "Bread is a food.", rouge_l: 0.1, similarity: 0.3, judge_reason: "no verdict: judge reply is not JSON" },
      ],
    },
  ],
};

describe("EvaluationView", () => {
  it("shows the metrics side by side and marks the best model of each", () => {
    render(<EvaluationView ev={ev} />);
    const table = screen.getByRole("table", { name: "Scores side by side" });
    const loss = within(table).getAllByText(/^1\.\d{3}$/);
    expect(loss.map((c) => c.textContent)).toEqual(["1.100", "1.400"]);
    expect(table.querySelector('[data-metric="loss"][data-role="candidate"]')?.className).toContain("best");
    expect(table.querySelector('[data-metric="similarity"][data-role="accepted"]')?.className).toContain("best");
    expect(table.querySelector('[data-metric="loss"][data-role="base"]')?.textContent).toBe("—");
    // Metrics nobody measured have no row.
    expect(within(table).queryByText(/Judge/)).toBeNull();
    expect(screen.getByLabelText("Not measured").textContent).toContain("Base: loss not measured: no weights on disk");
    expect(screen.getByLabelText("Gate").textContent).toContain("Gate passed against the accepted twin");
  });

  it("opens a sample to show every answer beside the author's", () => {
    render(<EvaluationView ev={ev} />);
    expect(screen.queryByText("In a linen bag, never the fridge.")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "How do you store bread?" }));
    expect(screen.getByText("In a linen bag, never the fridge.")).toBeTruthy();
    expect(screen.getByText("Bread is a food.")).toBeTruthy();
    expect(screen.getByText(/no verdict/)).toBeTruthy();
  });
});
