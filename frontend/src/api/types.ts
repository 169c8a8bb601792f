// Types of the API's JSON, mirroring the Go structs (see /api/v1/openapi.json).

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled" | "interrupted";

export interface Job {
  id: number;
  kind: string;
  title: string;
  payload: unknown;
  status: JobStatus;
  done: number;
  total: number;
  message: string;
  error?: string;
  result?: unknown;
  resume_of?: number;
  cancel_requested: boolean;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  updated_at: string;
}

export interface OllamaStatus {
  url: string;
  version: string;
  reachable: boolean;
  managed: boolean;
  binary?: string;
  error?: string;
}

export interface Model {
  name: string;
  size: number;
  digest: string;
  modified_at: string;
  family: string;
  parameter_size: string;
  quantization: string;
  kind: "chat" | "embedding";
}

export interface CatalogEntry {
  id: string;
  name: string;
  kind: "chat" | "embedding";
  family: string;
  params: string;
  dimensions?: number;
  description: string;
  offline?: { pypi: string; version: string; file?: string; dir?: string };
}

export interface Status {
  version: string;
  data_dir: string;
  schema_version: number;
  ollama: OllamaStatus;
  models: Model[];
  models_error?: string;
}

export interface Settings {
  data_dir: string;
  ollama_url: string;
  embed_model: string;
  chat_model: string;
  eval_gate: "off" | "auto";
  eval_judge: string;
  ollama_host_env: string;
}

export interface SettingsUpdate {
  ollama_url?: string;
  embed_model?: string;
  chat_model?: string;
  eval_gate?: "off" | "auto";
  eval_judge?: string;
}

export interface ImportRequest {
  name: string;
  path: string;
  template?: string;
  system?: string;
  adapter?: string;
}
