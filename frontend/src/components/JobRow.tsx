import type { ReactElement } from "react";
import { cancelJob, isActive, resumeJob, type Job } from "../api";
import { ProgressBar } from "./ProgressBar";

export function JobRow({ job, onError }: { job: Job; onError: (e: string) => void }): ReactElement {
  const act = (fn: () => Promise<unknown>) => () => {
    fn().catch((e: unknown) => onError(e instanceof Error ? e.message : String(e)));
  };
  const resumable = job.status === "interrupted" || job.status === "failed" || job.status === "cancelled";
  return (
    <div className={`job job-${job.status}`} data-testid={`job-${job.id}`}>
      <div className="job-head">
        <strong>{job.title || job.kind}</strong>
        <span className={`badge badge-${job.status}`}>{job.status}</span>
        <span className="muted">#{job.id}</span>
        <span className="spacer" />
        {isActive(job) && (
          <button onClick={act(() => cancelJob(job.id))} disabled={job.cancel_requested}>
            {job.cancel_requested ? "Cancelling…" : "Cancel"}
          </button>
        )}
        {resumable && <button onClick={act(() => resumeJob(job.id))}>Resume</button>}
      </div>
      {isActive(job) && <ProgressBar done={job.done} total={job.total} label={job.title} />}
      {job.message && isActive(job) && <div className="muted small">{job.message}</div>}
      {job.error && <div className="error-text small">{job.error}</div>}
    </div>
  );
}
