import { request } from "./client";
import type { Job } from "./types";

export type RunStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

/** One point of a run's curves (a training step or an evaluation). */
export interface TrainMetric {
  kind: "train" | "eval";
  phase: string;
  step: number;
  loss?: number;
  learning_rate?: number;
  grad_norm?: number;
  tokens_per_s?: number;
  memory?: number;
  eta_s?: number;
  at: string;
}

/** A trainer config (models/trainer/CONTRACT.md); kept open for unknown fields. */
export type TrainConfig = Record<string, unknown>;

export interface TrainSettings {
  backend?: string;
  batch_size?: number;
  grad_accum?: number;
  max_length?: number;
  precision?: string;
  quantization?: string;
  gradient_checkpointing?: boolean;
  reasons?: string[];
}

export interface TrainRun {
  id: number;
  status: RunStatus;
  job_id?: number;
  name: string;
  base: string;
  base_path: string;
  dataset: string;
  dataset_dir: string;
  dataset_hash: string;
  backend: string;
  config: TrainConfig;
  settings: TrainSettings;
  hardware: Record<string, unknown>;
  output_dir: string;
  step: number;
  total_steps: number;
  loss?: number;
  eval_loss?: number;
  tokens_per_s?: number;
  phase: string;
  last_checkpoint?: string;
  error?: string;
  error_kind?: string;
  log_tail?: string;
  artifacts: {
    adapter?: string;
    merged?: string;
    ollama_model?: string;
    smoke_chat?: { system?: string; prompt: string; answer: string };
    /** Set by the one-click path (train with evaluate). */
    evaluation?: { id: number; status?: string };
    evaluation_error?: string;
  };
  model?: string;
  rerun_of?: number;
  attempts: number;
  duration_s: number;
  first_step_s?: number;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  updated_at: string;
  metrics: TrainMetric[];
}

export interface TrainRequest {
  dataset: string;
  base?: string;
  backend?: string;
  name?: string;
  max_steps?: number;
  epochs?: number;
  overrides?: Record<string, unknown>;
  no_import?: boolean;
  /** Evaluate the imported model in the same job (export → train → import → evaluate). */
  evaluate?: boolean;
}

export interface TrainStarted {
  run: TrainRun;
  job: Job;
}

export interface TrainProposal {
  base: string;
  base_path: string;
  device: string;
  env_ready: boolean;
  note?: string;
  detected?: { hardware: Record<string, unknown>; proposal: TrainSettings; model_params?: number };
}

export interface ModelVersion {
  name: string;
  family: string;
  version: number;
  run_id?: number;
  base: string;
  dataset: string;
  dataset_hash: string;
  status: "candidate" | "accepted" | "archived";
  aliases: string[];
  created_at: string;
  updated_at: string;
}

export const listRuns = () => request<TrainRun[]>("GET", "/api/v1/train/runs");
export const getRun = (id: number) => request<TrainRun>("GET", `/api/v1/train/runs/${id}`);
export const startRun = (req: TrainRequest) => request<TrainStarted>("POST", "/api/v1/train/runs", req);
export const cancelRun = (id: number) => request<TrainRun>("POST", `/api/v1/train/runs/${id}/cancel`);
export const resumeRun = (id: number) => request<TrainStarted>("POST", `/api/v1/train/runs/${id}/resume`);
export const rerunRun = (id: number) => request<TrainStarted>("POST", `/api/v1/train/runs/${id}/rerun`);
export const getProposal = (base = "", backend = "") =>
  request<TrainProposal>("GET", `/api/v1/train/proposal?base=${encodeURIComponent(base)}&backend=${encodeURIComponent(backend)}`);
export const listVersions = () => request<ModelVersion[]>("GET", "/api/v1/train/versions");
export const acceptVersion = (name: string) => request<ModelVersion>("POST", `/api/v1/train/versions/${encodeURIComponent(name)}/accept`);
export const rejectVersion = (name: string) => request<ModelVersion>("POST", `/api/v1/train/versions/${encodeURIComponent(name)}/reject`);

export const runActive = (r: TrainRun) => r.status === "queued" || r.status === "running";
