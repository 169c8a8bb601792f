import { useCallback, useEffect, useState, type ReactElement } from "react";
import { getTrace, listTraces, setTraceFeedback, traceExportURL, type Trace, type TraceFilter } from "../api";
import { EmptyState } from "../components/EmptyState";
import { ErrorBanner, errorText } from "../components/ErrorBanner";
import { citationHref } from "../chat/markdown";
import { navigate } from "../router";
import "../chat/chat.css";

const STATUSES = ["", "ok", "error", "disconnected", "cancelled", "running"];
const ENDPOINTS = ["", "ui", "openai", "ollama.chat", "ollama.generate", "rag", "cli"];

function ms(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`;
}

function rating(r: number): string {
  return r > 0 ? "▲ up" : r < 0 ? "▼ down" : "";
}

function FeedbackForm({ trace, onSaved }: { trace: Trace; onSaved: (t: Trace) => void }): ReactElement {
  const [note, setNote] = useState(trace.feedback.note);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => setNote(trace.feedback.note), [trace.id, trace.feedback.note]);
  const save = (r: number) => {
    setTraceFeedback(trace.id, r, note)
      .then(onSaved)
      .catch((e: unknown) => setErr(errorText(e)));
  };
  const r = trace.feedback.rating;
  return (
    <div className="card" aria-label="Feedback">
      <h3>Feedback</h3>
      <ErrorBanner error={err} onDismiss={() => setErr(null)} />
      <div className="row">
        <button type="button" className={r > 0 ? "active" : ""} aria-pressed={r > 0} onClick={() => save(r > 0 ? 0 : 1)}>
          ▲ Thumbs up
        </button>
        <button type="button" className={r < 0 ? "active" : ""} aria-pressed={r < 0} onClick={() => save(r < 0 ? 0 : -1)}>
          ▼ Thumbs down
        </button>
      </div>
      <div className="row">
        <input aria-label="Feedback note" placeholder="What was right or wrong? (kept with the rating)" value={note} onChange={(e) => setNote(e.target.value)} />
        <button type="button" onClick={() => save(r)}>
          Save note
        </button>
      </div>
      <p className="muted small">Rated answers become preference data for the dataset builder.</p>
    </div>
  );
}

function TraceView({ id }: { id: number }): ReactElement {
  const [t, setT] = useState<Trace | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    getTrace(id)
      .then(setT)
      .catch((e: unknown) => setErr(errorText(e)));
  }, [id]);
  if (err) return <ErrorBanner error={err} />;
  if (!t) return <p className="muted">Loading…</p>;
  return (
    <div className="trace-grid" data-trace={t.id}>
      <p>
        <a href="#/traces">← All traces</a>
      </p>
      <h2>
        Trace #{t.id} <span className={`badge badge-${t.status === "ok" ? "succeeded" : t.status === "error" ? "failed" : "cancelled"}`}>{t.status}</span>
      </h2>
      <dl className="kv">
        <dt>When</dt>
        <dd>{new Date(t.created_at).toLocaleString()}</dd>
        <dt>Endpoint</dt>
        <dd>{t.endpoint}</dd>
        <dt>Model</dt>
        <dd>
          {t.model} → {t.resolved_model || "?"}
        </dd>
        <dt>Template</dt>
        <dd>
          {t.template_name} v{t.template_version}
        </dd>
        <dt>RAG</dt>
        <dd>{t.rag ? "on" : "off"}</dd>
        <dt>Tokens</dt>
        <dd>
          {t.prompt_tokens} prompt + {t.completion_tokens} answer
        </dd>
        <dt>Timings</dt>
        <dd>
          retrieval {ms(t.timings.retrieval_ms)} · assembly {ms(t.timings.assembly_ms)} · first token {ms(t.timings.ttft_ms)} · generation{" "}
          {ms(t.timings.generation_ms)} · total {ms(t.timings.total_ms)}
        </dd>
        <dt>Options</dt>
        <dd>
          <code>{JSON.stringify(t.options)}</code>
        </dd>
        {t.conversation_id ? (
          <>
            <dt>Conversation</dt>
            <dd>
              <a href={`#/chat/${t.conversation_id}`}>#{t.conversation_id}</a>
            </dd>
          </>
        ) : null}
        {t.retrieval && (
          <>
            <dt>Search queries</dt>
            <dd>{t.retrieval.queries.join(" · ")}</dd>
          </>
        )}
      </dl>
      {t.error && <div className="error">{t.error}</div>}
      {t.warnings.map((w) => (
        <p key={w} className="warning small">
          {w}
        </p>
      ))}
      <h3>Question</h3>
      <pre>{t.query}</pre>
      <h3>Answer</h3>
      <pre data-testid="trace-answer">{t.answer}</pre>
      <h3>Retrieved chunks ({t.chunks.length})</h3>
      {t.chunks.length === 0 ? (
        <p className="muted small">No sources were in the prompt.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>#</th>
              <th>Title</th>
              <th>Doc / chunk</th>
              <th>Score</th>
              <th>Cited</th>
            </tr>
          </thead>
          <tbody>
            {t.chunks.map((c) => (
              <tr key={c.n}>
                <td>[{c.n}]</td>
                <td>
                  <a href={citationHref(c)}>{c.title || c.url}</a>
                </td>
                <td>
                  {c.doc_id} / {c.chunk_id}
                </td>
                <td className="num">{c.score.toFixed(4)}</td>
                <td>{c.cited ? "yes" : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Final prompt</h3>
      {(t.prompt ?? []).map((m, i) => (
        <div key={i} className="prompt-msg">
          <div className="muted small">{m.role}</div>
          <pre>{m.content}</pre>
        </div>
      ))}
      <FeedbackForm trace={t} onSaved={setT} />
    </div>
  );
}

export function TracesPage({ arg }: { arg: string }): ReactElement {
  const id = Number.parseInt(arg, 10) || 0;
  const [filter, setFilter] = useState<TraceFilter>({});
  const [traces, setTraces] = useState<Trace[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(() => {
    listTraces({ ...filter, limit: 200 })
      .then((ts) => {
        setTraces(ts);
        setError(null);
      })
      .catch((e: unknown) => setError(errorText(e)));
  }, [filter]);
  useEffect(() => {
    if (!id) refresh();
  }, [id, refresh]);
  if (id) return <TraceView id={id} />;
  return (
    <section>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <div className="toolbar" aria-label="Filter traces">
        <input aria-label="Search traces" placeholder="Search question or answer" value={filter.q ?? ""} onChange={(e) => setFilter({ ...filter, q: e.target.value })} />
        <select aria-label="Status" value={filter.status ?? ""} onChange={(e) => setFilter({ ...filter, status: e.target.value })}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s || "any status"}
            </option>
          ))}
        </select>
        <select aria-label="Endpoint" value={filter.endpoint ?? ""} onChange={(e) => setFilter({ ...filter, endpoint: e.target.value })}>
          {ENDPOINTS.map((s) => (
            <option key={s} value={s}>
              {s || "any endpoint"}
            </option>
          ))}
        </select>
        <select aria-label="Rating" value={String(filter.rating ?? 0)} onChange={(e) => setFilter({ ...filter, rating: Number(e.target.value) })}>
          <option value="0">any rating</option>
          <option value="1">thumbs up</option>
          <option value="-1">thumbs down</option>
        </select>
        <button type="button" onClick={refresh}>
          Refresh
        </button>
        <a className="button" href={traceExportURL(filter)} download>
          Export JSONL
        </a>
      </div>
      {traces?.length === 0 ? (
        <EmptyState title="No traces" body="Every question to the twin (Chat page, OpenAI and Ollama APIs, CLI) is traced here." />
      ) : (
        <table className="table" aria-label="Traces">
          <thead>
            <tr>
              <th>#</th>
              <th>When</th>
              <th>Endpoint</th>
              <th>Model</th>
              <th>Status</th>
              <th>Question</th>
              <th>Tokens</th>
              <th>First token</th>
              <th>Rating</th>
            </tr>
          </thead>
          <tbody>
            {traces?.map((t) => (
              <tr key={t.id} className="clickable" data-trace={t.id} onClick={() => navigate("traces", String(t.id))}>
                <td>
                  <a href={`#/traces/${t.id}`}>{t.id}</a>
                </td>
                <td className="small">{new Date(t.created_at).toLocaleString()}</td>
                <td>{t.endpoint}</td>
                <td>{t.resolved_model || t.model}</td>
                <td>{t.status}</td>
                <td>{t.query.length > 80 ? `${t.query.slice(0, 80)}…` : t.query}</td>
                <td className="num">
                  {t.prompt_tokens}+{t.completion_tokens}
                </td>
                <td className="num">{ms(t.timings.ttft_ms)}</td>
                <td>{rating(t.feedback.rating)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
