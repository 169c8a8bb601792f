// Feature pipeline: index runs and status, and search over the chunks.
import { request } from "./client";
import type { Job } from "./types";

export type SearchMode = "bm25" | "vector" | "hybrid";

export interface SearchFilter {
  platforms?: string[];
  kinds?: string[];
  after?: string;
  before?: string;
}

export interface SearchQuery {
  text: string;
  k?: number;
  /** Omitted: hybrid when an embedding model is indexed, else bm25. */
  mode?: SearchMode;
  filter?: SearchFilter;
}

export interface SearchHit {
  chunk_id: number;
  doc_id: number;
  url: string;
  title: string;
  text: string;
  score: number;
  heading_path?: string;
  /** Code point offsets of the chunk in the document content. */
  start: number;
  end: number;
  platform: string;
  kind: string;
  published_at?: string;
  mode: SearchMode;
  bm25_rank?: number;
  vector_rank?: number;
  /** Query words found in text, for highlighting. */
  terms?: string[];
}

export interface VectorIndex {
  id: number;
  model: string;
  dims: number;
  state: "building" | "active";
  vectors: number;
}

export interface IndexRun {
  id: number;
  model: string;
  started_at: string;
  finished_at?: string;
  status: "running" | "succeeded" | "failed" | "cancelled";
  documents: number;
  removed: number;
  chunks: number;
  embedded: number;
  error?: string;
}

export interface IndexStatusView {
  documents: number;
  indexed: number;
  pending: number;
  chunks: number;
  embedded: number;
  model: string;
  dims?: number;
  configured_model: string;
  building?: VectorIndex;
  last_run?: IndexRun;
}

export const search = (q: SearchQuery, signal?: AbortSignal) => request<SearchHit[]>("POST", "/api/v1/search", q, signal);
export const getIndexStatus = () => request<IndexStatusView>("GET", "/api/v1/index");
export const startIndex = (embedModel?: string) =>
  request<Job>("POST", "/api/v1/index", embedModel ? { embed_model: embedModel } : {});

/** A piece of text, marked when it matches a query term. */
export interface Segment {
  text: string;
  match: boolean;
}

/**
 * Splits text into segments around case-insensitive matches of terms, so
 * the UI can wrap matches in <mark> elements (never innerHTML).
 */
export function highlight(text: string, terms: readonly string[]): Segment[] {
  const words = terms.filter((t) => t.length > 0).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (words.length === 0) return [{ text, match: false }];
  const re = new RegExp(`(${words.sort((a, b) => b.length - a.length).join("|")})`, "giu");
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    const i = m.index ?? 0;
    if (i > last) out.push({ text: text.slice(last, i), match: false });
    out.push({ text: m[0], match: true });
    last = i + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), match: false });
  return out;
}
