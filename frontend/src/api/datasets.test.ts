// @vitest-environment node
import { describe, expect, it } from "vitest";
import { tokensLabel, type DatasetStats } from "./datasets";

const base: DatasetStats = {
  samples: 1,
  train: 1,
  test: 0,
  dropped: {},
  by_source: {},
  by_kind: {},
  by_status: {},
  documents: 1,
  tokens: 10,
  tokens_estimated: true,
  lengths: { bin_width: 50, counts: [1] },
};

describe("tokensLabel", () => {
  it.each([
    ["counted by a tokenizer", { tokens_estimated: false, tokenizer: "smollm2:135m" }, "smollm2:135m tokenizer"],
    ["an estimate", {}, "estimate: characters ÷ 4"],
    [
      "an estimate with the reason",
      { tokenizer_note: "no-such-model:1 not found" },
      "estimate: characters ÷ 4; no-such-model:1 not found",
    ],
    ["estimated samples win over a tokenizer name", { tokenizer: "smollm2:135m" }, "estimate: characters ÷ 4"],
  ])("%s", (_name, over, want) => {
    expect(tokensLabel({ ...base, ...over })).toBe(want);
  });
});
