import { describe, expect, it } from "vitest";
import { citedText, parseArg } from "./DocumentsPage";

describe("parseArg", () => {
  it.each([
    ["", {}],
    ["12", { open: 12, cited: undefined }],
    ["source=3", { source: 3 }],
    ["7?chunk=40&start=10&end=20", { open: 7, cited: { chunk: 40, start: 10, end: 20 } }],
    ["7?chunk=40&start=20&end=10", { open: 7, cited: undefined }],
    ["abc?start=1&end=2", {}],
  ])("%s", (arg, want) => {
    expect(parseArg(arg)).toEqual(want);
  });
});

describe("citedText", () => {
  it("counts code points, not UTF-16 units", () => {
    const content = "𝐁old start. The cited part. End.";
    expect(citedText(content, { start: 12, end: 27 })).toBe("The cited part.");
  });
});
