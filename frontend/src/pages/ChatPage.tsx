import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactElement } from "react";
import {
  createConversation,
  deleteConversation,
  getConversation,
  listChatModels,
  listConversations,
  streamAnswer,
  updateConversation,
  type ChatEvent,
  type ChatMessage,
  type ChatModel,
  type Citation,
  type Conversation,
} from "../api";
import { EmptyState } from "../components/EmptyState";
import { ErrorBanner, errorText } from "../components/ErrorBanner";
import { citationHref, renderMarkdown } from "../chat/markdown";
import { navigate } from "../router";
import "../chat/chat.css";

const TWIN = "doppel";

/** An answer being streamed (not stored yet). */
interface Pending {
  content: string;
  citations: Citation[];
  warnings: string[];
  traceId?: number;
  regenerate: boolean;
  question?: string;
}

function Citations({ citations }: { citations: Citation[] }): ReactElement | null {
  if (citations.length === 0) return null;
  return (
    <ol className="citations" aria-label="Sources">
      {citations.map((c) => (
        <li key={c.n} value={c.n} className={c.cited ? "cited" : ""}>
          <a href={citationHref(c)} data-citation={c.n} title={`Open document ${c.doc_id} at chunk ${c.chunk_id}`}>
            [{c.n}] {c.title || c.url}
          </a>{" "}
          <span className="muted small">score {c.score.toFixed(3)}</span>
        </li>
      ))}
    </ol>
  );
}

function Answer({ text, citations }: { text: string; citations: Citation[] }): ReactElement {
  // renderMarkdown sanitizes with DOMPurify: crawled text cannot run script.
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: renderMarkdown(text, citations) }} />;
}

export function ChatPage({ arg }: { arg: string }): ReactElement {
  const convId = Number.parseInt(arg, 10) || 0;
  const [convs, setConvs] = useState<Conversation[] | null>(null);
  const [conv, setConv] = useState<Conversation | null>(null);
  const [models, setModels] = useState<ChatModel[]>([]);
  const [input, setInput] = useState("");
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState<number | null>(null);
  const abort = useRef<AbortController | null>(null);
  const endRef = useRef<HTMLDivElement | null>(null);

  const refreshList = useCallback(() => {
    listConversations()
      .then(setConvs)
      .catch((e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(() => {
    refreshList();
    listChatModels()
      .then(setModels)
      .catch((e: unknown) => setError(errorText(e)));
  }, [refreshList]);
  useEffect(() => {
    if (!convId) {
      setConv(null);
      return;
    }
    getConversation(convId)
      .then(setConv)
      .catch((e: unknown) => setError(errorText(e)));
  }, [convId]);
  useEffect(() => {
    endRef.current?.scrollIntoView?.({ block: "end" });
  }, [pending?.content, conv?.messages?.length]);
  useEffect(() => () => abort.current?.abort(), []);

  const newChat = async (): Promise<Conversation | null> => {
    try {
      const c = await createConversation({ model: conv?.model ?? TWIN, rag: conv?.rag ?? true });
      refreshList();
      navigate("chat", String(c.id));
      return c;
    } catch (e) {
      setError(errorText(e));
      return null;
    }
  };

  const rename = (c: Conversation) => {
    const title = window.prompt("Rename conversation", c.title);
    if (!title?.trim()) return;
    updateConversation(c.id, { title: title.trim() })
      .then((u) => {
        refreshList();
        if (conv?.id === u.id) setConv({ ...conv, title: u.title });
      })
      .catch((e: unknown) => setError(errorText(e)));
  };

  const remove = (c: Conversation) => {
    if (!window.confirm(`Delete "${c.title}"? Its traces stay on the Traces page.`)) return;
    deleteConversation(c.id)
      .then(() => {
        refreshList();
        if (conv?.id === c.id) navigate("chat");
      })
      .catch((e: unknown) => setError(errorText(e)));
  };

  const setSetting = (patch: { model?: string; rag?: boolean }) => {
    if (!conv) return;
    setConv({ ...conv, ...patch });
    updateConversation(conv.id, patch).catch((e: unknown) => setError(errorText(e)));
  };

  const run = async (target: Conversation, question: string | null) => {
    const ctrl = new AbortController();
    abort.current = ctrl;
    setError(null);
    setPending({ content: "", citations: [], warnings: [], regenerate: question === null, question: question ?? undefined });
    if (question === null) {
      // Regenerate: the last answer is replaced.
      const msgs = target.messages ?? [];
      const lastUser = msgs.map((m) => m.role).lastIndexOf("user");
      setConv({ ...target, messages: msgs.slice(0, lastUser + 1) });
    }
    const onEvent = (ev: ChatEvent) => {
      switch (ev.type) {
        case "start":
          setPending((p) => p && { ...p, citations: ev.start.citations, warnings: ev.start.warnings, traceId: ev.start.trace_id });
          break;
        case "delta":
          setPending((p) => p && { ...p, content: p.content + ev.content });
          break;
        case "done":
        case "error":
          if (ev.type === "error") setError(ev.error);
          break;
      }
    };
    try {
      await streamAnswer(
        target.id,
        question === null ? { model: target.model, rag: target.rag } : { content: question, model: target.model, rag: target.rag },
        onEvent,
        ctrl.signal,
        question === null,
      );
    } catch (e) {
      if (!(e instanceof DOMException && e.name === "AbortError")) setError(errorText(e));
    } finally {
      abort.current = null;
      // The server stores the question and the (possibly partial) answer;
      // after a stop it does so once it notices the closed stream.
      let fresh: Conversation | null = null;
      for (let i = 0; i < 20; i++) {
        fresh = await getConversation(target.id).catch(() => null);
        const last = fresh?.messages?.at(-1);
        if (!fresh || last?.role === "assistant") break;
        await new Promise((r) => setTimeout(r, 250));
      }
      if (fresh) setConv(fresh);
      setPending(null);
      refreshList();
    }
  };

  const send = async (e: FormEvent) => {
    e.preventDefault();
    const q = input.trim();
    if (!q || pending) return;
    const target = conv ?? (await newChat());
    if (!target) return;
    setInput("");
    setConv({ ...target, messages: [...(target.messages ?? [])] });
    await run(target, q);
  };

  const copy = (m: ChatMessage) => {
    void navigator.clipboard?.writeText(m.content).then(() => {
      setCopied(m.id);
      setTimeout(() => setCopied(null), 1500);
    });
  };

  const messages = conv?.messages ?? [];
  const lastAssistant = messages.map((m) => m.role).lastIndexOf("assistant");
  const modelNames = models.map((m) => (m.twin ? TWIN : m.name));
  const currentModel = conv?.model ?? TWIN;

  return (
    <section className="chat">
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <div className="chat-grid">
        <aside className="conv-list" aria-label="Conversations">
          <button type="button" onClick={() => void newChat()}>
            New chat
          </button>
          {convs === null && <p className="muted small">Loading…</p>}
          {convs?.length === 0 && <p className="muted small">No conversations yet.</p>}
          <ul>
            {convs?.map((c) => (
              <li key={c.id} className={c.id === convId ? "active" : ""} data-conversation={c.id}>
                <a href={`#/chat/${c.id}`} title={c.title}>
                  {c.title}
                </a>
                <button type="button" className="link" aria-label={`Rename ${c.title}`} onClick={() => rename(c)}>
                  ✎
                </button>
                <button type="button" className="link danger" aria-label={`Delete ${c.title}`} onClick={() => remove(c)}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        </aside>
        <div className="conv">
          <div className="toolbar">
            <label className="inline">
              Model{" "}
              <select
                aria-label="Model"
                value={currentModel}
                onChange={(e) => (conv ? setSetting({ model: e.target.value }) : undefined)}
                disabled={!conv || !!pending}
              >
                {!modelNames.includes(currentModel) && <option value={currentModel}>{currentModel}</option>}
                {models.map((m) => (
                  <option key={m.name} value={m.twin ? TWIN : m.name}>
                    {m.twin ? `${TWIN} (twin on ${m.target ?? "?"})` : m.name}
                  </option>
                ))}
              </select>
            </label>
            <label className="inline">
              <input
                type="checkbox"
                aria-label="Use my writing (RAG)"
                checked={conv?.rag ?? true}
                onChange={(e) => setSetting({ rag: e.target.checked })}
                disabled={!conv || !!pending}
              />{" "}
              Use my writing (RAG)
            </label>
            {conv && <span className="muted small">{conv.title}</span>}
          </div>
          <div className="messages" aria-live="polite">
            {!conv && messages.length === 0 && !pending && (
              <EmptyState title="Ask your twin" body="Answers come from your own writing, with numbered sources. Type a question below to start a conversation." />
            )}
            {messages.map((m, i) => (
              <article key={m.id} className={`msg msg-${m.role}`} data-role={m.role} data-status={m.status}>
                {m.role === "user" ? (
                  <p className="question">{m.content}</p>
                ) : (
                  <>
                    <Answer text={m.content} citations={m.citations} />
                    {m.status !== "ok" && <p className="muted small">{m.status === "cancelled" ? "Stopped." : "Failed."}</p>}
                    <Citations citations={m.citations} />
                    <div className="msg-actions">
                      <button type="button" className="small" onClick={() => copy(m)}>
                        {copied === m.id ? "Copied" : "Copy"}
                      </button>
                      {i === lastAssistant && !pending && (
                        <button type="button" className="small" onClick={() => conv && void run(conv, null)}>
                          Regenerate
                        </button>
                      )}
                      {m.trace_id ? (
                        <a className="small" href={`#/traces/${m.trace_id}`}>
                          Trace #{m.trace_id}
                        </a>
                      ) : null}
                    </div>
                  </>
                )}
              </article>
            ))}
            {pending?.question && (
              <article className="msg msg-user" data-role="user">
                <p className="question">{pending.question}</p>
              </article>
            )}
            {pending && (
              <article className="msg msg-assistant streaming" data-role="assistant" data-streaming="true">
                {pending.warnings.map((w) => (
                  <p key={w} className="muted small warning">
                    {w}
                  </p>
                ))}
                {pending.content ? <Answer text={pending.content} citations={pending.citations} /> : <p className="muted">Thinking…</p>}
                <Citations citations={pending.citations} />
              </article>
            )}
            <div ref={endRef} />
          </div>
          <form className="ask" onSubmit={(e) => void send(e)}>
            <textarea
              aria-label="Question"
              placeholder="Ask your twin…"
              value={input}
              rows={3}
              onChange={(e) => setInput(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && !e.shiftKey) {
                  e.preventDefault();
                  e.currentTarget.form?.requestSubmit();
                }
              }}
            />
            {pending ? (
              <button type="button" onClick={() => abort.current?.abort()}>
                Stop
              </button>
            ) : (
              <button type="submit" disabled={!input.trim()}>
                Send
              </button>
            )}
          </form>
        </div>
      </div>
    </section>
  );
}
