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
});
