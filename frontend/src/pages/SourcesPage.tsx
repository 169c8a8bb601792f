import { useCallback, useEffect, useState, type FormEvent, type ReactElement } from "react";
import { addSource, deleteSource, isActive, listSources, runSource, type Job, type RunResult, type Source } from "../api";
import { useJobs } from "../components/JobsContext";
import { JobRow } from "../components/JobRow";
import { EmptyState } from "../components/EmptyState";
import { ErrorBanner, errorText } from "../components/ErrorBanner";
import { isDesktop, pickPath } from "../desktop";
import { navigate } from "../router";

const IMPORT_KINDS = new Set(["x_archive", "linkedin_export", "mastodon_outbox", "reddit_export", "folder"]);

/** "1 error", "2 errors": a count with its noun, plural-correct. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** The errors and skipped URLs of a run, as listed under it. */
export function runErrors(r: RunResult): { what: string; why: string }[] {
  if (r.crawl) return r.crawl.errors.map((e) => ({ what: e.url, why: e.reason }));
  if (r.import) return r.import.errors.map((e) => ({ what: e.file, why: e.reason }));
  return [];
}

/** The label of a run's errors: the same in the summary line and above the list. */
export function errorsLabel(r: RunResult): string {
  return plural(runErrors(r).length, "error");
}

/** One line summing up a run: what was fetched and stored. */
export function runSummary(r: RunResult): string {
  const deleted = (n: number) => (n > 0 ? ` · ${n} skipped (deleted by you)` : "");
  if (r.crawl) {
    const c = r.crawl;
    const via = c.method ? ` · via ${c.method}` : "";
    return `${plural(c.pages_fetched, "page")} fetched · ${c.new} new, ${c.updated} updated, ${c.unchanged + c.duplicates} unchanged${deleted(c.skipped_deleted ?? 0)} · ${plural(c.listing_pages_skipped, "listing page")} skipped · ${errorsLabel(r)}${via}`;
  }
  if (r.import) {
    const i = r.import;
    return `${plural(i.files, "file")} · ${i.new} new, ${i.updated} updated, ${i.unchanged + i.duplicates} unchanged${deleted(i.skipped_deleted ?? 0)} · ${errorsLabel(r)}`;
  }
  return r.error ? `stopped: ${r.error}` : "no result";
}

function SourceCard({ source, job, onChanged, onError }: { source: Source; job?: Job; onChanged: () => void; onError: (e: string) => void }): ReactElement {
  const { upsert } = useJobs();
  const result = source.last_result;
  const errs = result ? runErrors(result) : [];
  const running = job !== undefined && isActive(job);
  const rerun = () =>
    runSource(source.id)
      .then((r) => {
        upsert(r.job);
        onChanged();
      })
      .catch((e: unknown) => onError(errorText(e)));
  const remove = () => {
    const withDocs = window.confirm(`Remove ${source.location}.\n\nOK: also delete its ${source.documents} documents.\nCancel: keep the documents.`);
    deleteSource(source.id, withDocs)
      .then(onChanged)
      .catch((e: unknown) => onError(errorText(e)));
  };
  return (
    <li className="card" data-testid={`source-${source.id}`}>
      <div className="job-head">
        <strong>{source.title || source.location}</strong>
        <span className="badge">{source.kind}</span>
        <span className="spacer" />
        <button className="link" onClick={() => navigate("documents", `source=${source.id}`)}>
          {source.documents} documents
        </button>
        <button onClick={rerun} disabled={running}>
          {IMPORT_KINDS.has(source.kind) ? "Import again" : "Crawl again"}
        </button>
        <button onClick={remove} disabled={running}>
          Remove
        </button>
      </div>
      <div className="muted small">{source.location}</div>
      {job && isActive(job) && <JobRow job={job} onError={onError} />}
      {!running && result && (
        <div className="small" data-testid="last-result">
          Last run {source.last_run_at ? new Date(source.last_run_at).toLocaleString() : ""}: {runSummary(result)}
          {result.error && <div className="error-text">{result.error}</div>}
        </div>
      )}
      {!running && result && errs.length > 0 && (
        <details className="small">
          <summary>{errorsLabel(result)}</summary>
          <ul className="errors">
            {errs.map((e, i) => (
              <li key={i}>
                <code>{e.what}</code>: {e.why}
              </li>
            ))}
          </ul>
        </details>
      )}
    </li>
  );
}

export function SourcesPage(): ReactElement {
  const [sources, setSources] = useState<Source[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [url, setUrl] = useState("");
  const [path, setPath] = useState("");
  const [busy, setBusy] = useState(false);
  const { jobs, upsert } = useJobs();
  const collectJobs = jobs.filter((j) => j.kind === "crawl" || j.kind === "import");

  const refresh = useCallback(() => {
    listSources()
      .then((s) => {
        setSources(s);
        setError(null);
      })
      .catch((e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(refresh, [refresh]);
  // Refresh counts and last results whenever a crawl or import finishes.
  const finished = collectJobs.filter((j) => !isActive(j)).length;
  useEffect(() => {
    if (finished > 0) refresh();
  }, [finished, refresh]);

  const submit = (body: { url?: string; path?: string }) => (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    addSource(body)
      .then((r) => {
        upsert(r.job);
        setUrl("");
        setPath("");
        refresh();
      })
      .catch((err: unknown) => setError(errorText(err)))
      .finally(() => setBusy(false));
  };
  const browse = async (dir: boolean) => {
    const p = await pickPath(dir);
    if (p) setPath(p);
  };
  const jobOf = (s: Source) => collectJobs.find((j) => j.id === s.last_job_id);

  return (
    <section className="page">
      <p className="muted">Where your writing comes from: your blog or site, a Medium, dev.to, Hashnode, Mastodon, Bluesky or GitHub account (WordPress sites are read through their REST API), an export archive or a folder of notes.</p>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <form className="row" onSubmit={submit({ url: url.trim() })} aria-label="Add a site">
        <input value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://your.blog, medium.com/@you, dev.to/you, you.hashnode.dev, @you@mastodon.social, bsky.app/profile/you, github.com/you" aria-label="Site URL" />
        <button type="submit" disabled={busy || !url.trim()}>
          Crawl site
        </button>
      </form>
      <form className="row" onSubmit={submit({ path: path.trim() })} aria-label="Import an export or folder">
        <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/twitter-archive.zip or a notes folder" aria-label="Export or folder path" />
        <button type="button" onClick={() => void browse(false)}>
          {isDesktop() ? "Choose file…" : "File path…"}
        </button>
        <button type="button" onClick={() => void browse(true)}>
          {isDesktop() ? "Choose folder…" : "Folder path…"}
        </button>
        <button type="submit" disabled={busy || !path.trim()}>
          Import
        </button>
      </form>
      <p className="muted small">
        Imports: X/Twitter archive (.zip), LinkedIn export, Mastodon outbox.json, Reddit export, or a folder of Markdown/text/HTML (Obsidian, Hugo, Jekyll).
      </p>
      {sources === null && !error && <p className="muted">Loading…</p>}
      {sources !== null && sources.length === 0 && (
        <EmptyState title="No sources yet" body="Add your blog's URL or import an export above; its documents will appear on the Documents page." />
      )}
      {sources !== null && sources.length > 0 && (
        <ul className="cards" aria-label="Sources">
          {sources.map((s) => (
            <SourceCard key={s.id} source={s} job={jobOf(s)} onChanged={refresh} onError={setError} />
          ))}
        </ul>
      )}
    </section>
  );
}
