import { useCallback, useEffect, useRef, useState, type ComponentType, type ReactElement } from "react";
import {
  deleteDocument,
  getDocument,
  listDeletedDocuments,
  listDocuments,
  restoreDocument,
  setDocumentExcluded,
  type Document,
  type DocumentPage,
  type DocumentQuery,
  type DocumentSummary,
  type Tombstone,
} from "../api";
import { EmptyState } from "../components/EmptyState";
import { ErrorBanner, errorText } from "../components/ErrorBanner";
import { Markdown } from "../components/Markdown";
import { navigate } from "../router";
import { IndexStatus } from "../components/IndexStatus";

/**
 * Extension point for the feature pipeline: a component set here is shown
 * beside each open document (e.g. its index status: chunks, embedded or not).
 * The page-wide status goes in the `<div data-slot="index-status">` above
 * the table.
 */
export const documentSlots: { indexStatus?: ComponentType<{ doc: DocumentSummary }> } = {};

const PLATFORMS = ["site", "medium", "substack", "wordpress", "ghost", "devto", "hashnode", "x", "linkedin", "mastodon", "reddit", "folder"];
const KINDS = ["article", "post", "code", "note"];
const PAGE_SIZE = 100;

/** A cited passage: character offsets (Unicode code points) into the content. */
export interface Cited {
  chunk?: number;
  start: number;
  end: number;
}

/** Parses "source=ID", "ID" or "ID?chunk=C&start=S&end=E" (search hits and citations). */
export function parseArg(arg: string): { open?: number; source?: number; cited?: Cited } {
  const m = /^source=(\d+)$/.exec(arg);
  if (m?.[1]) return { source: Number(m[1]) };
  const [idPart = "", query = ""] = arg.split("?");
  const n = Number(idPart);
  if (!Number.isInteger(n) || n <= 0) return {};
  const p = new URLSearchParams(query);
  const start = Number(p.get("start"));
  const end = Number(p.get("end"));
  const chunk = p.get("chunk") ? Number(p.get("chunk")) : undefined;
  const cited = p.has("start") && p.has("end") && Number.isInteger(start) && Number.isInteger(end) && end > start ? { chunk, start, end } : undefined;
  return { open: n, cited };
}

/** The cited text: code-point offsets, as the feature pipeline counts them. */
export function citedText(content: string, c: Cited): string {
  return Array.from(content).slice(c.start, c.end).join("");
}

function CitedPassage({ content, cited }: { content: string; cited: Cited }): ReactElement {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView?.({ block: "start" });
  }, [cited.start, cited.end]);
  return (
    <section ref={ref} className="cited" aria-label="Cited passage" data-testid="cited-passage" data-chunk={cited.chunk}>
      <div className="muted small">Cited passage{cited.chunk !== undefined ? ` (chunk ${cited.chunk})` : ""}</div>
      <blockquote>{citedText(content, cited)}</blockquote>
    </section>
  );
}

function DocumentView({
  id,
  cited,
  onChanged,
  onDeleted,
  onError,
}: {
  id: number;
  cited?: Cited;
  onChanged: () => void;
  onDeleted: (d: Document) => void;
  onError: (e: string) => void;
}): ReactElement {
  const [doc, setDoc] = useState<Document | null>(null);
  useEffect(() => {
    setDoc(null);
    getDocument(id)
      .then(setDoc)
      .catch((e: unknown) => onError(errorText(e)));
  }, [id, onError]);
  if (!doc) return <p className="muted">Loading…</p>;
  const Slot = documentSlots.indexStatus;
  const toggle = () =>
    setDocumentExcluded(doc.id, !doc.excluded)
      .then((d) => {
        setDoc(d);
        onChanged();
      })
      .catch((e: unknown) => onError(errorText(e)));
  const remove = () => {
    if (!window.confirm(`Delete “${doc.title || doc.url}”? Later crawls and imports will not store it again; you can restore it under “Deleted”.`)) return;
    deleteDocument(doc.id)
      .then(() => {
        onDeleted(doc);
        onChanged();
        navigate("documents");
      })
      .catch((e: unknown) => onError(errorText(e)));
  };
  const isWeb = /^https?:\/\//.test(doc.url);
  return (
    <article className="document" data-testid="document-view">
      <div className="job-head">
        <h2>{doc.title || "(untitled)"}</h2>
        <span className="spacer" />
        <button onClick={toggle}>{doc.excluded ? "Include" : "Exclude"}</button>
        <button onClick={remove}>Delete</button>
        <button className="link" onClick={() => navigate("documents")} aria-label="Close document">
          ×
        </button>
      </div>
      <div className="muted small">
        {doc.platform} · {doc.kind} · {doc.published_at ? doc.published_at.slice(0, 10) : "no date"} · {doc.words} words · version {doc.version}
        {doc.author && ` · ${doc.author}`}
        {doc.excluded && <span className="badge"> excluded from training and search</span>}
      </div>
      <div className="small">
        Source:{" "}
        {isWeb ? (
          <a href={doc.url} target="_blank" rel="noopener noreferrer">
            {doc.url}
          </a>
        ) : (
          <code>{doc.url}</code>
        )}
        {doc.aliases.length > 0 && <span className="muted"> (also at {doc.aliases.join(", ")})</span>}
      </div>
      {doc.tags.length > 0 && <div className="small muted">Tags: {doc.tags.join(", ")}</div>}
      {Slot && <Slot doc={doc} />}
      {cited && <CitedPassage content={doc.content} cited={cited} />}
      <Markdown text={doc.content} />
    </article>
  );
}

/** The documents you deleted, each restorable. */
function DeletedList({ tick, onRestore, onError }: { tick: number; onRestore: (url: string) => void; onError: (e: string) => void }): ReactElement {
  const [items, setItems] = useState<Tombstone[] | null>(null);
  useEffect(() => {
    listDeletedDocuments()
      .then(setItems)
      .catch((e: unknown) => onError(errorText(e)));
  }, [tick, onError]);
  if (items === null) return <p className="muted">Loading…</p>;
  if (items.length === 0) return <p className="muted">No deleted documents.</p>;
  return (
    <table className="table" aria-label="Deleted documents">
      <thead>
        <tr>
          <th>Title</th>
          <th>Platform</th>
          <th>Deleted</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {items.map((t) => (
          <tr key={t.id}>
            <td>
              {t.title || t.url}
              <div className="muted small">{t.url}</div>
            </td>
            <td>{t.platform}</td>
            <td>{new Date(t.deleted_at).toLocaleString()}</td>
            <td>
              <button onClick={() => onRestore(t.url)}>Restore</button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DocumentsPage({ arg }: { arg: string }): ReactElement {
  const { open, source, cited } = parseArg(arg);
  const [q, setQ] = useState<DocumentQuery>({ sort: "published_at", desc: true, limit: PAGE_SIZE });
  const [search, setSearch] = useState("");
  const [page, setPage] = useState<DocumentPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  const onError = useCallback((e: string) => setError(e), []);
  const [showDeleted, setShowDeleted] = useState(false);
  // The last deletion, undoable for a while.
  const [undo, setUndo] = useState<{ url: string; title: string } | null>(null);
  useEffect(() => {
    if (!undo) return;
    const t = setTimeout(() => setUndo(null), 15000);
    return () => clearTimeout(t);
  }, [undo]);
  const onDeleted = useCallback((d: Document) => setUndo({ url: d.url, title: d.title || d.url }), []);
  const restore = useCallback(
    (url: string) => {
      restoreDocument(url)
        .then((r) => {
          setUndo(null);
          setShowDeleted(false);
          refresh();
          if (r.id > 0) navigate("documents", String(r.id));
        })
        .catch((e: unknown) => setError(errorText(e)));
    },
    [refresh],
  );

  // Debounce the search box.
  useEffect(() => {
    const t = setTimeout(() => setQ((cur) => ({ ...cur, q: search.trim() || undefined, offset: 0 })), 250);
    return () => clearTimeout(t);
  }, [search]);
  useEffect(() => {
    const ctl = new AbortController();
    listDocuments({ ...q, source }, ctl.signal)
      .then((p) => {
        setPage(p);
        setError(null);
      })
      .catch((e: unknown) => {
        if (!(e instanceof DOMException && e.name === "AbortError")) setError(errorText(e));
      });
    return () => ctl.abort();
  }, [q, source, tick]);

  const sortBy = (col: NonNullable<DocumentQuery["sort"]>) => setQ((cur) => ({ ...cur, sort: col, desc: cur.sort === col ? !cur.desc : col !== "title", offset: 0 }));
  const arrow = (col: DocumentQuery["sort"]) => (q.sort === col ? (q.desc ? " ▼" : " ▲") : "");
  const filtered = Boolean(q.q || q.platform || q.kind || q.after || q.before || source);
  const offset = q.offset ?? 0;

  return (
    <section className="page documents-page">
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {undo && (
        <div className="toast" role="status">
          Deleted “{undo.title}”. <button onClick={() => restore(undo.url)}>Undo</button>
        </div>
      )}
      <div data-slot="index-status">
        <IndexStatus />
      </div>
      <div className="row filters">
        <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Search title, URL or text" aria-label="Search documents" />
        <select aria-label="Platform" value={q.platform ?? ""} onChange={(e) => setQ({ ...q, platform: e.target.value || undefined, offset: 0 })}>
          <option value="">All platforms</option>
          {PLATFORMS.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
        <select aria-label="Kind" value={q.kind ?? ""} onChange={(e) => setQ({ ...q, kind: e.target.value || undefined, offset: 0 })}>
          <option value="">All kinds</option>
          {KINDS.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
        <label className="small">
          From <input type="date" value={q.after ?? ""} onChange={(e) => setQ({ ...q, after: e.target.value || undefined, offset: 0 })} />
        </label>
        <label className="small">
          to <input type="date" value={q.before ?? ""} onChange={(e) => setQ({ ...q, before: e.target.value || undefined, offset: 0 })} />
        </label>
        {source !== undefined && (
          <button className="link" onClick={() => navigate("documents")}>
            source {source} ×
          </button>
        )}
        <label className="small">
          <input type="checkbox" checked={showDeleted} onChange={(e) => setShowDeleted(e.target.checked)} /> Deleted
        </label>
      </div>
      {showDeleted && <DeletedList tick={tick} onRestore={restore} onError={onError} />}
      <div className={open ? "split" : undefined} hidden={showDeleted}>
        <div>
          {page === null && !error && <p className="muted">Loading…</p>}
          {page !== null && page.total === 0 && !filtered && (
            <EmptyState title="No documents yet" body="Crawl your site or import an export on the Sources page.">
              <button onClick={() => navigate("sources")}>Go to Sources</button>
            </EmptyState>
          )}
          {page !== null && page.total === 0 && filtered && <p className="muted">No documents match these filters.</p>}
          {page !== null && page.total > 0 && (
            <>
              <table className="table" aria-label="Documents">
                <thead>
                  <tr>
                    <th>
                      <button className="link" onClick={() => sortBy("title")}>Title{arrow("title")}</button>
                    </th>
                    <th>
                      <button className="link" onClick={() => sortBy("platform")}>Platform{arrow("platform")}</button>
                    </th>
                    <th>
                      <button className="link" onClick={() => sortBy("kind")}>Kind{arrow("kind")}</button>
                    </th>
                    <th>
                      <button className="link" onClick={() => sortBy("published_at")}>Published{arrow("published_at")}</button>
                    </th>
                    <th>
                      <button className="link" onClick={() => sortBy("words")}>Words{arrow("words")}</button>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {page.documents.map((d) => (
                    <tr key={d.id} className={`${d.excluded ? "excluded " : ""}${d.id === open ? "selected" : ""}`}>
                      <td>
                        <button className="link" onClick={() => navigate("documents", String(d.id))}>
                          {d.title || d.url}
                        </button>
                        {d.excluded && <span className="badge">excluded</span>}
                      </td>
                      <td>{d.platform}</td>
                      <td>{d.kind}</td>
                      <td>{d.published_at ? d.published_at.slice(0, 10) : ""}</td>
                      <td>{d.words}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div className="row small muted">
                {offset + 1}–{offset + page.documents.length} of {page.total}
                {offset > 0 && <button onClick={() => setQ({ ...q, offset: Math.max(0, offset - PAGE_SIZE) })}>Previous</button>}
                {offset + page.documents.length < page.total && <button onClick={() => setQ({ ...q, offset: offset + PAGE_SIZE })}>Next</button>}
              </div>
            </>
          )}
        </div>
        {open !== undefined && <DocumentView id={open} cited={cited} onChanged={refresh} onDeleted={onDeleted} onError={onError} />}
      </div>
    </section>
  );
}
