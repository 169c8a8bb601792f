// Chat (conversations with streamed answers), traces and feedback.
import { ApiError, getToken, request } from "./client";

/** Maps a source number [n] in an answer to the chunk it came from. */
export interface Citation {
  n: number;
  url: string;
  title: string;
  doc_id: number;
  chunk_id: number;
  score: number;
  start: number;
  end: number;
  /** Whether the answer referred to [n]. */
  cited: boolean;
}

export interface ChatMessage {
  id: number;
  role: "user" | "assistant";
  content: string;
  citations: Citation[];
  trace_id?: number;
  /** ok, error or cancelled (a stopped answer keeps its text). */
  status: string;
  created_at: string;
}

export interface Conversation {
  id: number;
  title: string;
  model: string;
  rag: boolean;
  created_at: string;
  updated_at: string;
  messages?: ChatMessage[];
}

export interface ChatModel {
  name: string;
  model: string;
  size: number;
  details?: { family?: string; parameter_size?: string; quantization_level?: string };
  twin: boolean;
  target?: string;
}

export interface RetrievalOptions {
  k?: number;
  expand?: number;
  self_query?: boolean;
}

export interface SendRequest {
  content: string;
  model?: string;
  rag?: boolean;
  retrieval?: RetrievalOptions;
  options?: Record<string, number | string | boolean>;
}

export interface ChatStart {
  trace_id: number;
  model: string;
  resolved_model: string;
  citations: Citation[];
  warnings: string[];
}

export interface Timings {
  retrieval_ms: number;
  assembly_ms: number;
  ttft_ms: number;
  generation_ms: number;
  total_ms: number;
}

export interface ChatReply extends ChatStart {
  answer: string;
  done_reason: string;
  prompt_tokens: number;
  completion_tokens: number;
  timings: Timings;
  user_message?: ChatMessage;
  message: ChatMessage;
}

/** One line of the NDJSON answer stream. */
export type ChatEvent =
  | { type: "start"; start: ChatStart }
  | { type: "delta"; content: string }
  | { type: "done"; reply: ChatReply }
  | { type: "error"; error: string; status: number; reply?: ChatReply };

export interface Feedback {
  rating: number;
  note: string;
  at?: string;
}

export interface PromptMessage {
  role: string;
  content: string;
}

export interface Trace {
  id: number;
  created_at: string;
  endpoint: string;
  conversation_id?: number;
  status: "running" | "ok" | "error" | "cancelled" | "disconnected";
  template_name: string;
  template_version: string;
  model: string;
  resolved_model: string;
  options: Record<string, unknown>;
  rag: boolean;
  query: string;
  retrieval?: { queries: string[]; filter?: Record<string, unknown>; warnings?: string[] };
  prompt?: PromptMessage[];
  chunks: Citation[];
  answer: string;
  warnings: string[];
  prompt_tokens: number;
  completion_tokens: number;
  timings: Timings;
  error?: string;
  feedback: Feedback;
}

export interface TraceFilter {
  status?: string;
  endpoint?: string;
  model?: string;
  rating?: number;
  q?: string;
  conversation_id?: number;
  before_id?: number;
  limit?: number;
}

export const listChatModels = () => request<ChatModel[]>("GET", "/api/v1/chat/models");
export const listConversations = () => request<Conversation[]>("GET", "/api/v1/chat/conversations");
export const createConversation = (body: { title?: string; model?: string; rag?: boolean }) =>
  request<Conversation>("POST", "/api/v1/chat/conversations", body);
export const getConversation = (id: number) => request<Conversation>("GET", `/api/v1/chat/conversations/${id}`);
export const updateConversation = (id: number, body: { title?: string; model?: string; rag?: boolean }) =>
  request<Conversation>("PATCH", `/api/v1/chat/conversations/${id}`, body);
export const deleteConversation = (id: number) => request<void>("DELETE", `/api/v1/chat/conversations/${id}`);

export function traceQuery(f: TraceFilter): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) {
    if (v !== undefined && v !== "" && v !== 0) p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

export const listTraces = (f: TraceFilter = {}) => request<Trace[]>("GET", `/api/v1/traces${traceQuery(f)}`);
export const getTrace = (id: number) => request<Trace>("GET", `/api/v1/traces/${id}`);
export const setTraceFeedback = (id: number, rating: number, note: string) =>
  request<Trace>("POST", `/api/v1/traces/${id}/feedback`, { rating, note });

/** The JSONL export URL for a filter (with the token when one is set). */
export function traceExportURL(f: TraceFilter): string {
  const q = traceQuery(f);
  const token = getToken();
  const t = token ? `${q ? "&" : "?"}access_token=${encodeURIComponent(token)}` : "";
  return `/api/v1/traces/export${q}${t}`;
}

/**
 * Splits an NDJSON byte stream into parsed lines. Works with fetch
 * streaming in browsers and in the desktop window alike.
 */
export async function readNDJSON<T>(body: ReadableStream<Uint8Array>, onLine: (v: T) => void): Promise<void> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buf += dec.decode(value, { stream: true });
    let nl = buf.indexOf("\n");
    while (nl >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) onLine(JSON.parse(line) as T);
      nl = buf.indexOf("\n");
    }
    if (done) break;
  }
  const rest = buf.trim();
  if (rest) onLine(JSON.parse(rest) as T);
}

/**
 * Asks in a conversation (or regenerates its last answer) and streams the
 * answer. Aborting the signal stops generation on the server.
 */
export async function streamAnswer(
  convId: number,
  body: SendRequest | Omit<SendRequest, "content">,
  onEvent: (e: ChatEvent) => void,
  signal: AbortSignal,
  regenerate = false,
): Promise<void> {
  const path = `/api/v1/chat/conversations/${convId}/${regenerate ? "regenerate" : "messages"}`;
  const headers: Record<string, string> = { "Content-Type": "application/json", Accept: "application/x-ndjson" };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(path, { method: "POST", headers, body: JSON.stringify(body), signal });
  if (!res.ok || !res.body) {
    let msg = `${path} failed with ${res.status}`;
    try {
      const data = (await res.json()) as { error?: string };
      if (data.error) msg = data.error;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, msg);
  }
  await readNDJSON<ChatEvent>(res.body, onEvent);
}
