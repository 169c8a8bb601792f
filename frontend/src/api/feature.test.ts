// @vitest-environment node
import { describe, expect, it } from "vitest";
import { highlight } from "./feature";

describe("highlight", () => {
  it.each([
    ["no terms", "Write-ahead log", [], [{ text: "Write-ahead log", match: false }]],
    [
      "case-insensitive, several terms",
      "WAL mode and the wal file",
      ["wal", "file"],
      [
        { text: "WAL", match: true },
        { text: " mode and the ", match: false },
        { text: "wal", match: true },
        { text: " ", match: false },
        { text: "file", match: true },
      ],
    ],
    ["regex characters are literal", "a (b) c*", ["(b)", "c*"], [
      { text: "a ", match: false },
      { text: "(b)", match: true },
      { text: " ", match: false },
      { text: "c*", match: true },
    ]],
    ["html stays text", "<img src=x onerror=alert(1)> wal", ["wal"], [
      { text: "<img src=x onerror=alert(1)> ", match: false },
      { text: "wal", match: true },
    ]],
  ])("%s", (_name, text, terms, want) => {
    expect(highlight(text, terms)).toEqual(want);
  });
});
