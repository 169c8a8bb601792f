// Data collection: sources (sites, accounts, exports, folders) and the
// documents crawled or imported from them. Mirrors backend/server/collect.go.
import { request } from "./client";
import type { Job } from "./types";

export interface UrlError {
  url: string;
  reason: string;
}

export interface FileError {
  file: string;
  reason: string;
}

export interface CrawlSummary {
  source_id: number;
  site: string;
  pages_fetched: number;
  new: number;
  updated: number;
  unchanged: number;
  duplicates: number;
  not_modified: number;
  listing_pages_skipped: number;
  /** Documents not stored because you deleted them. */
  skipped_deleted: number;
  skipped: number;
  failed: number;
  errors: UrlError[];
  resumed: boolean;
  limit_reached: boolean;
  elapsed: string;
  /** How the site was read when not by a plain crawl ("WordPress REST API"), or why the crawl was the fallback. */
  method?: string;
}

export interface ImportSummary {
  source_id: number;
  path: string;
  kind: string;
  files: number;
  new: number;
  updated: number;
  unchanged: number;
  duplicates: number;
  /** Documents not stored because you deleted them. */
  skipped_deleted: number;
  errors: FileError[];
  elapsed: string;
}

/** The result of a crawl or import run (a job's result, a source's last_result). */
export interface RunResult {
  source_id: number;
  crawl?: CrawlSummary;
  import?: ImportSummary;
  error?: string;
}

export interface Source {
  id: number;
  kind: string;
  location: string;
  title: string;
  config: unknown;
  created_at: string;
  last_run_at?: string;
  last_job_id?: number;
  last_result?: RunResult;
  documents: number;
}

export interface SourceRun {
  source: Source;
  job: Job;
}

export interface DocumentSummary {
  id: number;
  source_id?: number;
  platform: string;
  kind: "article" | "post" | "code" | "note";
  url: string;
  title: string;
  author: string;
  published_at?: string;
  language: string;
  tags: string[];
  words: number;
  content_hash: string;
  version: number;
  excluded: boolean;
  fetched_at: string;
  updated_at: string;
}

export interface Document extends DocumentSummary {
  content: string;
  aliases: string[];
  content_type: string;
  has_raw: boolean;
}

/** A document you deleted: later crawls and imports skip its URLs and content. */
export interface Tombstone {
  id: number;
  url: string;
  urls: string[];
  content_hash: string;
  title: string;
  platform: string;
  source_id?: number;
  deleted_at: string;
}

/** What storing (or restoring) a document did. */
export interface UpsertResult {
  id: number;
  outcome: "new" | "updated" | "unchanged" | "duplicate" | "deleted";
}

export interface DocumentPage {
  documents: DocumentSummary[];
  total: number;
}

export interface DocumentQuery {
  q?: string;
  platform?: string;
  kind?: string;
  source?: number;
  after?: string;
  before?: string;
  excluded?: boolean;
  sort?: "published_at" | "updated_at" | "title" | "words" | "id" | "platform" | "kind";
  desc?: boolean;
  limit?: number;
  offset?: number;
}

export const listSources = () => request<Source[]>("GET", "/api/v1/sources");
export const addSource = (body: { url?: string; path?: string; delay_ms?: number; max_pages?: number }) =>
  request<SourceRun>("POST", "/api/v1/sources", body);
export const runSource = (id: number) => request<SourceRun>("POST", `/api/v1/sources/${id}/run`);
export const deleteSource = (id: number, withDocuments: boolean) =>
  request<void>("DELETE", `/api/v1/sources/${id}${withDocuments ? "?documents=1" : ""}`);

export function documentsQuery(q: DocumentQuery): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === "" || v === false) continue;
    p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

export const listDocuments = (q: DocumentQuery, signal?: AbortSignal) =>
  request<DocumentPage>("GET", `/api/v1/documents${documentsQuery(q)}`, undefined, signal);
export const getDocument = (id: number) => request<Document>("GET", `/api/v1/documents/${id}`);
export const setDocumentExcluded = (id: number, excluded: boolean) =>
  request<Document>("PUT", `/api/v1/documents/${id}/excluded`, { excluded });
export const deleteDocument = (id: number) => request<void>("DELETE", `/api/v1/documents/${id}`);
export const listDeletedDocuments = () => request<Tombstone[]>("GET", "/api/v1/documents/deleted");
export const restoreDocument = (url: string) => request<UpsertResult>("POST", "/api/v1/documents/restore", { url });
