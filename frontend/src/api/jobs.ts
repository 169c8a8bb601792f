import { eventSource, request } from "./client";
import type { Job, JobStatus } from "./types";

export const listJobs = (q: { status?: JobStatus; kind?: string } = {}) => {
  const p = new URLSearchParams();
  if (q.status) p.set("status", q.status);
  if (q.kind) p.set("kind", q.kind);
  const qs = p.toString();
  return request<Job[]>("GET", `/api/v1/jobs${qs ? `?${qs}` : ""}`);
};
export const getJob = (id: number) => request<Job>("GET", `/api/v1/jobs/${id}`);
export const cancelJob = (id: number) => request<Job>("POST", `/api/v1/jobs/${id}/cancel`);
export const resumeJob = (id: number) => request<Job>("POST", `/api/v1/jobs/${id}/resume`);

/** Calls onJob for every job change, from any Doppel process. Returns an unsubscribe. */
export function subscribeJobs(onJob: (j: Job) => void): () => void {
  const es = eventSource("/api/v1/jobs/events");
  const handler = (ev: MessageEvent<string>) => {
    try {
      onJob(JSON.parse(ev.data) as Job);
    } catch {
      /* a malformed event is skipped; the next poll corrects the view */
    }
  };
  es.addEventListener("job", handler as EventListener);
  return () => {
    es.removeEventListener("job", handler as EventListener);
    es.close();
  };
}

/** True when the job can still change. */
export const isActive = (j: Job) => j.status === "queued" || j.status === "running";
