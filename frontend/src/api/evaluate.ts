import { request } from "./client";
import type { Job } from "./types";

export type EvalRole = "candidate" | "accepted" | "base";

/** One model's aggregate scores; a missing metric was not measured (see notes). */
export interface EvalScore {
  role: EvalRole;
  model: string;
  loss?: number;
  perplexity?: number;
  similarity?: number;
  rouge_l?: number;
  style_distance?: number;
  style: Record<string, number>;
  judge_accuracy?: number;
  judge_style?: number;
  answered: number;
  notes: string[];
}

export interface EvalAnswer {
  sample: number;
  role: EvalRole;
  answer: string;
  similarity?: number;
  rouge_l: number;
  judge_accuracy?: number;
  judge_style?: number;
  judge_reason?: string;
}

export interface EvalSample {
  sample: number;
  system?: string;
  prompt: string;
  reference: string;
  answers?: EvalAnswer[];
}

/** The accept gate's decision (mode "off": advice only; "auto": it accepts a passing candidate). */
export interface EvalGate {
  mode?: "off" | "auto";
  against?: EvalRole;
  passed: boolean;
  reasons?: string[];
  accepted: boolean;
}

export interface EvalOptions {
  model: string;
  judge?: string;
  samples?: number;
  max_tokens?: number;
  no_loss?: boolean;
}

export interface Evaluation {
  id: number;
  model: string;
  run_id?: number;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  job_id?: number;
  dataset_dir: string;
  config: EvalOptions;
  style: Record<string, number>;
  gate: EvalGate;
  error?: string;
  created_at: string;
  finished_at?: string;
  scores: EvalScore[];
  samples?: EvalSample[];
}

export interface EvaluationStarted {
  evaluation: Evaluation;
  job: Job;
}

export const listEvaluations = (model = "") =>
  request<Evaluation[]>("GET", `/api/v1/evaluations${model ? `?model=${encodeURIComponent(model)}` : ""}`);
export const getEvaluation = (id: number) => request<Evaluation>("GET", `/api/v1/evaluations/${id}`);
export const startEvaluation = (o: EvalOptions) => request<EvaluationStarted>("POST", "/api/v1/evaluations", o);

/** The latest evaluation of each model, from a newest-first list. */
export function latestByModel(evs: Evaluation[]): Map<string, Evaluation> {
  const m = new Map<string, Evaluation>();
  for (const e of evs) if (!m.has(e.model)) m.set(e.model, e);
  return m;
}

/** Whether lower (loss, perplexity, style distance) or higher is better for a metric. */
export const lowerIsBetter: Record<string, boolean> = {
  loss: true,
  perplexity: true,
  style_distance: true,
  similarity: false,
  rouge_l: false,
  judge_accuracy: false,
  judge_style: false,
};

/** The role with the best value of a metric among the scores that have it, or undefined on a tie or with fewer than two values. */
export function bestRole(scores: EvalScore[], metric: keyof typeof lowerIsBetter): EvalRole | undefined {
  const vals = scores
    .map((s) => ({ role: s.role, v: s[metric as keyof EvalScore] }))
    .filter((x): x is { role: EvalRole; v: number } => typeof x.v === "number");
  if (vals.length < 2) return undefined;
  const [first, second] = [...vals].sort((a, b) => (lowerIsBetter[metric] ? a.v - b.v : b.v - a.v));
  return !first || !second || first.v === second.v ? undefined : first.role;
}
