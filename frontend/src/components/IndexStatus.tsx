import { useCallback, useEffect, useState, type ReactElement } from "react";
import { getIndexStatus, isActive, startIndex, type IndexStatusView } from "../api";
import { useJobs } from "./JobsContext";
import { ProgressBar } from "./ProgressBar";
import { ErrorBanner, errorText } from "./ErrorBanner";

/**
 * The search index at a glance (documents, chunks, vectors, model, last run)
 * with a re-index button and the progress of a running index job. The
 * Documents page mounts it.
 */
export function IndexStatus(): ReactElement {
  const [st, setSt] = useState<IndexStatusView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { jobs, upsert } = useJobs();
  const running = jobs.find((j) => j.kind === "index" && isActive(j));
  const finished = jobs.filter((j) => j.kind === "index" && !isActive(j)).length;

  const refresh = useCallback(() => {
    getIndexStatus()
      .then((s) => {
        setSt(s);
        setError(null);
      })
      .catch((e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(() => refresh(), [refresh, finished]);

  const onIndex = () => {
    startIndex()
      .then(upsert)
      .catch((e: unknown) => setError(errorText(e)));
  };

  return (
    <section className="card" aria-label="Search index">
      <div className="row">
        <h3 style={{ margin: 0 }}>Search index</h3>
        <span className="spacer" />
        <button onClick={onIndex} disabled={running !== undefined}>
          {running ? "Indexing…" : "Re-index"}
        </button>
      </div>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {running && <ProgressBar done={running.done} total={running.total} label="Index progress" />}
      {running && <p className="muted small">{running.message}</p>}
      {st && (
        <div className="kv" data-testid="index-status">
          <span className="muted">Documents</span>
          <span>
            {st.indexed} of {st.documents} indexed{st.pending > 0 ? `, ${st.pending} new or changed` : ""}
          </span>
          <span className="muted">Chunks</span>
          <span>{st.chunks}</span>
          <span className="muted">Embedded</span>
          <span>{st.model ? `${st.embedded} (${st.model}, ${st.dims ?? "?"}-d)` : "none: full-text (BM25) search only"}</span>
          {st.building && (
            <>
              <span className="muted">Switching to</span>
              <span>
                {st.building.model}: {st.building.vectors} of {st.chunks} chunks embedded
              </span>
            </>
          )}
          <span className="muted">Last run</span>
          <span>
            {st.last_run
              ? `${st.last_run.status} ${st.last_run.finished_at ?? st.last_run.started_at}: ${st.last_run.documents} documents, ${st.last_run.chunks} chunks${st.last_run.error ? ` (${st.last_run.error})` : ""}`
              : "never"}
          </span>
        </div>
      )}
    </section>
  );
}
