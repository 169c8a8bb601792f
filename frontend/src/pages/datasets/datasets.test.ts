// @vitest-environment node
import { describe, expect, it } from "vitest";
import { sampleQueryString } from "../../api/datasets";
import { histogramSeries } from "./LengthHistogram";
import { pagesFor, truncate } from "./SamplesTable";

describe("datasets page helpers", () => {
  it("fetches only the pages the visible rows need", () => {
    expect(pagesFor(0, 10)).toEqual([0]);
    expect(pagesFor(190, 210)).toEqual([0, 1]);
    expect(pagesFor(49_990, 49_999)).toEqual([249]);
    expect(pagesFor(5, 4)).toEqual([]);
  });
  it("leaves empty filters out of the query string", () => {
    expect(sampleQueryString({})).toBe("");
    expect(sampleQueryString({ search: "wal mode", status: "", split: "test", min_chars: 0, offset: 200, limit: 200 })).toBe(
      "?search=wal+mode&split=test&offset=200&limit=200",
    );
  });
  it("turns a histogram into uPlot series", () => {
    expect(histogramSeries(50, [1, 0, 3])).toEqual([
      [0, 50, 100],
      [1, 0, 3],
    ]);
  });
  it("truncates on one line", () => {
    expect(truncate("a\n\nb   c", 10)).toBe("a b c");
    expect(truncate("abcdefghijkl", 5)).toBe("abcd…");
  });
});
