import { describe, expect, it } from "vitest";
import type { CrawlSummary, RunResult } from "../api";
import { errorsLabel, plural, runSummary } from "./SourcesPage";

function crawl(over: Partial<CrawlSummary>): RunResult {
  return {
    source_id: 1,
    crawl: {
      source_id: 1,
      site: "https://blog.example/",
      pages_fetched: 12,
      new: 3,
      updated: 0,
      unchanged: 1,
      duplicates: 1,
      not_modified: 0,
      listing_pages_skipped: 1,
      skipped_deleted: 0,
      skipped: 0,
      failed: 0,
      errors: [],
      resumed: false,
      limit_reached: false,
      elapsed: "1s",
      ...over,
    },
  };
}

describe("plural", () => {
  it.each([
    [0, "0 errors"],
    [1, "1 error"],
    [2, "2 errors"],
  ])("%d", (n, want) => {
    expect(plural(n, "error")).toBe(want);
  });
});

describe("runSummary", () => {
  it("uses the same errors label as the list under it", () => {
    const one = crawl({ failed: 1, skipped: 3, errors: [{ url: "https://blog.example/x", reason: "HTTP 500" }] });
    expect(errorsLabel(one)).toBe("1 error");
    expect(runSummary(one)).toBe("12 pages fetched · 3 new, 0 updated, 2 unchanged · 1 listing page skipped · 1 error");
    const two = crawl({ errors: [{ url: "a", reason: "r" }, { url: "b", reason: "r" }] });
    expect(runSummary(two).endsWith(" · 2 errors")).toBe(true);
    expect(errorsLabel(two)).toBe("2 errors");
  });
  it("tells deleted documents and the API used", () => {
    const r = crawl({ skipped_deleted: 2, method: "WordPress REST API" });
    expect(runSummary(r)).toBe("12 pages fetched · 3 new, 0 updated, 2 unchanged · 2 skipped (deleted by you) · 1 listing page skipped · 0 errors · via WordPress REST API");
  });
  it("sums an import", () => {
    const r: RunResult = {
      source_id: 2,
      import: { source_id: 2, path: "/x.zip", kind: "x_archive", files: 1, new: 5, updated: 0, unchanged: 0, duplicates: 0, skipped_deleted: 1, errors: [], elapsed: "1s" },
    };
    expect(runSummary(r)).toBe("1 file · 5 new, 0 updated, 0 unchanged · 1 skipped (deleted by you) · 0 errors");
  });
});
