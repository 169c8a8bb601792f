import { request } from "./client";
import type { Job } from "./types";

export type DatasetKind = "instruct" | "preference";
export type Generator = "heuristic" | "llm" | "preference";
export type SampleStatus = "pending" | "approved" | "rejected";
export type Split = "train" | "test";
export type ExportFormat = "messages" | "alpaca" | "sharegpt" | "preference";

export interface DatasetStats {
  samples: number;
  train: number;
  test: number;
  dropped: Record<string, number>;
  by_source: Record<string, number>;
  by_kind: Record<string, number>;
  by_status: Record<string, number>;
  documents: number;
  tokens: number;
  tokens_estimated: boolean;
  /** The model whose tokenizer counted the tokens (absent for an estimate). */
  tokenizer?: string;
  /** Why a requested tokenizer was not used. */
  tokenizer_note?: string;
  lengths: { bin_width: number; counts: number[] };
}

export interface DatasetVersion {
  id: string;
  parent_id?: string;
  kind: DatasetKind;
  generator: Generator;
  model: string;
  config: unknown;
  stats: DatasetStats;
  train: number;
  test: number;
  note: string;
  job_id?: number;
  created_at: string;
}

export interface Sample {
  id: number;
  hash: string;
  kind: DatasetKind;
  document_id: number;
  source_id: number;
  doc_kind: string;
  platform: string;
  doc_title: string;
  system: string;
  instruction: string;
  input: string;
  output: string;
  rejected: string;
  chars: number;
  tokens: number;
  tokens_estimated: boolean;
  edited_from?: number;
  split: Split;
  status: SampleStatus;
}

export interface SampleQuery {
  search?: string;
  source_id?: number;
  doc_kind?: string;
  status?: SampleStatus | "";
  split?: Split | "";
  min_chars?: number;
  max_chars?: number;
  offset?: number;
  limit?: number;
}

export interface SamplePage {
  total: number;
  items: Sample[];
}

export interface SampleEdit {
  sample_id: number;
  instruction?: string;
  output?: string;
  rejected?: string;
  status?: SampleStatus;
}

export interface DatasetBuildBody {
  generator?: Generator;
  model?: string;
  pairs_per_chunk?: number;
  test_ratio?: number;
  seed?: number;
  language?: string;
  /** llm only: most model calls per extract (default 3) */
  attempts?: number;
  /** preference only: an instruct version whose instructions the model answers */
  from?: string;
  /** Ollama model whose tokenizer counts tokens ("none" = estimate) */
  tokenizer?: string;
}

export interface ExportResult {
  version: string;
  format: ExportFormat;
  dir: string;
  train: number;
  test: number;
  rejected: number;
  bytes: number;
}

/** The build result a finished dataset.build job carries. */
export interface BuildResult {
  version: string;
  train: number;
  test: number;
  dropped: Record<string, number>;
  existed?: boolean;
  resumed?: number;
}

const v = (id: string) => `/api/v1/datasets/${encodeURIComponent(id)}`;

export const listDatasets = () => request<DatasetVersion[]>("GET", "/api/v1/datasets");
export const getDataset = (id: string) => request<DatasetVersion>("GET", v(id));
export const buildDataset = (b: DatasetBuildBody) => request<Job>("POST", "/api/v1/datasets/build", b);
export const editDataset = (id: string, edits: SampleEdit[], note?: string) =>
  request<DatasetVersion>("POST", `${v(id)}/edits`, note ? { edits, note } : { edits });
export const exportDataset = (id: string, format: ExportFormat, dir: string, force = false) =>
  request<ExportResult>("POST", `${v(id)}/export`, { format, dir, force });

/** The query string of a sample query (empty values left out). */
export function sampleQueryString(q: SampleQuery): string {
  const p = new URLSearchParams();
  for (const [k, val] of Object.entries(q)) {
    if (val === undefined || val === "" || val === 0) continue;
    p.set(k, String(val));
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

export const listSamples = (id: string, q: SampleQuery, signal?: AbortSignal) =>
  request<SamplePage>("GET", `${v(id)}/samples${sampleQueryString(q)}`, undefined, signal);

/** What a version's token count is: "MODEL tokenizer" or the labelled estimate. */
export function tokensLabel(st: DatasetStats): string {
  if (!st.tokens_estimated && st.tokenizer) return `${st.tokenizer} tokenizer`;
  const est = "estimate: characters ÷ 4";
  return st.tokenizer_note ? `${est}; ${st.tokenizer_note}` : est;
}
