import type { TrainConfig, TrainRun } from "../../api";

/** uPlot's aligned data: x values, then one y array per series (null = gap). */
export type Aligned = [number[], ...(number | null)[][]];

/** Aligns the training-loss curves of several runs on the union of their steps. */
export function alignLoss(runs: TrainRun[], kind: "train" | "eval" = "train"): Aligned {
  const steps = new Set<number>();
  const maps = runs.map((r) => {
    const m = new Map<number, number>();
    for (const p of r.metrics) {
      if (p.kind === kind && p.loss !== undefined && p.loss !== null) {
        m.set(p.step, p.loss); // a resumed step replaces the earlier value
        steps.add(p.step);
      }
    }
    return m;
  });
  const xs = [...steps].sort((a, b) => a - b);
  return [xs, ...maps.map((m) => xs.map((x) => m.get(x) ?? null))];
}

function flatten(prefix: string, v: unknown, out: Record<string, string>): void {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) flatten(prefix ? `${prefix}.${k}` : k, x, out);
    return;
  }
  out[prefix] = Array.isArray(v) ? v.join(",") : String(v);
}

/** Hyperparameters of runs side by side: every config/settings key, flagged when the runs differ. */
export function compareRows(runs: TrainRun[]): { key: string; values: string[]; differs: boolean }[] {
  const skip = new Set(["output_dir", "base_cache_dir", "dataset_dir", "resume_from"]);
  const flat = runs.map((r) => {
    const o: Record<string, string> = {};
    flatten("", r.config as TrainConfig, o);
    const s: Record<string, string> = {};
    flatten("", { ...r.settings, reasons: undefined }, s);
    for (const [k, v] of Object.entries(s)) if (v !== "undefined" && !(k in o)) o[k] = v;
    return o;
  });
  const keys = [...new Set(flat.flatMap((o) => Object.keys(o)))].filter((k) => !skip.has(k)).sort();
  return keys.map((key) => {
    const values = flat.map((o) => o[key] ?? "—");
    return { key, values, differs: new Set(values).size > 1 };
  });
}

export function fmtNum(v: number | undefined | null, digits = 3): string {
  return v === undefined || v === null ? "—" : v.toFixed(digits);
}

export function fmtDuration(s: number | undefined | null): string {
  if (s === undefined || s === null) return "—";
  if (s < 90) return `${s.toFixed(0)} s`;
  if (s < 5400) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
