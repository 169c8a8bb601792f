import { describe, expect, it } from "vitest";
import { mergeJob } from "./JobsContext";
import type { Job } from "../api";

const job = (id: number, updated: string, status: Job["status"] = "running"): Job => ({
  id, kind: "model.pull", title: `job ${id}`, payload: {}, status, done: 0, total: 0, message: "",
  cancel_requested: false, created_at: updated, updated_at: updated,
});

describe("mergeJob", () => {
  it("adds new jobs newest first", () => {
    const list = [job(1, "2026-01-01T00:00:00.000Z")].reduce(mergeJob, [] as Job[]);
    const next = mergeJob(list, job(3, "2026-01-01T00:00:01.000Z"));
    expect(next.map((j) => j.id)).toEqual([3, 1]);
  });
  it("replaces a job with a newer update", () => {
    const list = [job(1, "2026-01-01T00:00:00.000Z")];
    const next = mergeJob(list, job(1, "2026-01-01T00:00:05.000Z", "succeeded"));
    expect(next).toHaveLength(1);
    expect(next[0]?.status).toBe("succeeded");
  });
  it("ignores a stale update that arrives late", () => {
    const list = [job(1, "2026-01-01T00:00:05.000Z", "succeeded")];
    const next = mergeJob(list, job(1, "2026-01-01T00:00:00.000Z", "running"));
    expect(next[0]?.status).toBe("succeeded");
  });
  it("compares times as instants, whatever their number of fraction digits", () => {
    // As Go writes them: 05.1Z is 100 ms, before 05.123Z; 05Z before 05.5Z.
    const cases: [newer: string, older: string][] = [
      ["2026-01-01T00:00:05.123Z", "2026-01-01T00:00:05.1Z"],
      ["2026-01-01T00:00:05.5Z", "2026-01-01T00:00:05Z"],
    ];
    for (const [newer, older] of cases) {
      const list = [job(1, newer, "succeeded")];
      expect(mergeJob(list, job(1, older, "queued"))[0]?.status).toBe("succeeded");
      expect(mergeJob([job(1, older, "queued")], job(1, newer, "succeeded"))[0]?.status).toBe("succeeded");
    }
  });
});
