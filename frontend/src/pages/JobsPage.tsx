import { useState, type ReactElement } from "react";
import { useJobs } from "../components/JobsContext";
import { JobRow } from "../components/JobRow";
import { EmptyState } from "../components/EmptyState";
import { ErrorBanner } from "../components/ErrorBanner";
import type { JobStatus } from "../api";

const FILTERS: Array<JobStatus | "all"> = ["all", "running", "queued", "succeeded", "failed", "cancelled", "interrupted"];

export function JobsPage(): ReactElement {
  const { jobs, error } = useJobs();
  const [filter, setFilter] = useState<JobStatus | "all">("all");
  const [actionError, setActionError] = useState<string | null>(null);
  const shown = filter === "all" ? jobs : jobs.filter((j) => j.status === filter);
  return (
    <section>
      <ErrorBanner error={error ?? actionError} onDismiss={() => setActionError(null)} />
      <div className="toolbar" role="tablist" aria-label="Filter jobs">
        {FILTERS.map((f) => (
          <button key={f} role="tab" aria-selected={filter === f} className={filter === f ? "active" : ""} onClick={() => setFilter(f)}>
            {f}
          </button>
        ))}
      </div>
      {shown.length === 0 ? (
        <EmptyState title="No jobs" body="Crawls, indexing, dataset builds, training runs and model downloads show up here with live progress." />
      ) : (
        <div className="jobs">
          {shown.map((j) => (
            <JobRow key={j.id} job={j} onError={setActionError} />
          ))}
        </div>
      )}
    </section>
  );
}
