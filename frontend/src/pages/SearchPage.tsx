import { useEffect, useRef, useState, type FormEvent, type ReactElement } from "react";
import { getIndexStatus, highlight, search, type IndexStatusView, type SearchHit, type SearchMode } from "../api";
import { EmptyState } from "../components/EmptyState";
import { ErrorBanner, errorText } from "../components/ErrorBanner";

const KINDS = ["article", "post", "code", "note"] as const;

/** Ranked chunks with the matched words marked (as elements, never HTML). */
function Highlighted({ text, terms }: { text: string; terms: readonly string[] }): ReactElement {
  return (
    <>
      {highlight(text, terms).map((s, i) => (s.match ? <mark key={i}>{s.text}</mark> : <span key={i}>{s.text}</span>))}
    </>
  );
}

export function SearchPage(): ReactElement {
  const [text, setText] = useState("");
  const [mode, setMode] = useState<SearchMode | "">("");
  const [kinds, setKinds] = useState<string[]>([]);
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<IndexStatusView | null>(null);
  const abort = useRef<AbortController | null>(null);

  useEffect(() => {
    getIndexStatus()
      .then(setStatus)
      .catch(() => setStatus(null));
  }, []);
  const hasVectors = Boolean(status?.model);

  const run = (e?: FormEvent) => {
    e?.preventDefault();
    if (!text.trim()) return;
    abort.current?.abort();
    const ctl = new AbortController();
    abort.current = ctl;
    setBusy(true);
    search({ text, k: 10, mode: mode || undefined, filter: kinds.length ? { kinds } : undefined }, ctl.signal)
      .then((h) => {
        setHits(h);
        setError(null);
      })
      .catch((err: unknown) => {
        if (err instanceof DOMException && err.name === "AbortError") return;
        setError(errorText(err));
      })
      .finally(() => setBusy(false));
  };

  const toggleKind = (k: string) => setKinds((cur) => (cur.includes(k) ? cur.filter((x) => x !== k) : [...cur, k]));

  return (
    <div>
      <form className="row" onSubmit={run} role="search">
        <input
          aria-label="Search query"
          placeholder="Search your writing…"
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoFocus
        />
        <button type="submit" disabled={busy || !text.trim()}>
          Search
        </button>
      </form>
      <div className="toolbar" style={{ marginTop: 8 }} aria-label="Search mode">
        {(["", "hybrid", "vector", "bm25"] as const).map((m) => (
          <button
            key={m || "auto"}
            className={mode === m ? "active" : ""}
            aria-pressed={mode === m}
            disabled={(m === "hybrid" || m === "vector") && !hasVectors}
            title={(m === "hybrid" || m === "vector") && !hasVectors ? "Needs an embedding model: index with one first" : undefined}
            onClick={() => setMode(m)}
          >
            {m === "" ? `Auto (${hasVectors ? "hybrid" : "bm25"})` : m}
          </button>
        ))}
        <span className="spacer" />
        {KINDS.map((k) => (
          <button key={k} className={kinds.includes(k) ? "active" : ""} aria-pressed={kinds.includes(k)} onClick={() => toggleKind(k)}>
            {k}
          </button>
        ))}
      </div>
      {status && (
        <p className="muted small" data-testid="search-index-line">
          {status.chunks} chunks from {status.indexed} documents
          {status.model ? `, embedded with ${status.model}` : ", full-text only (no embedding model)"}
          {status.pending > 0 ? `; ${status.pending} documents wait for indexing` : ""}
        </p>
      )}
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {status && status.chunks === 0 && hits === null && (
        <EmptyState title="Nothing indexed yet" body="Collect some documents, then index them on the Documents page or with `doppel index`." />
      )}
      {hits !== null && hits.length === 0 && <EmptyState title="No matches" body={`Nothing in your writing matches “${text}”.`} />}
      {hits !== null && hits.length > 0 && (
        <ol className="hits" aria-label="Search results">
          {hits.map((h) => (
            <li key={h.chunk_id} className="card hit">
              <div className="row">
                <a href={`#/documents/${h.doc_id}?chunk=${h.chunk_id}&start=${h.start}&end=${h.end}`}>{h.title || h.url}</a>
                <span className="spacer" />
                <span className="badge">{h.kind}</span>
                <span className="badge">{h.platform}</span>
                <span className="muted small" title={`bm25 rank ${h.bm25_rank ?? "–"}, vector rank ${h.vector_rank ?? "–"}`}>
                  {h.mode} {h.score.toFixed(3)}
                </span>
              </div>
              {h.heading_path && <p className="muted small">{h.heading_path}</p>}
              <p className="hit-text">
                <Highlighted text={h.text.length > 600 ? `${h.text.slice(0, 600)}…` : h.text} terms={h.terms ?? []} />
              </p>
              <p className="muted small">
                {h.url}
                {h.published_at ? ` · ${h.published_at.slice(0, 10)}` : ""}
              </p>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
