import type { ReactElement } from "react";

/** A determinate bar when total > 0, an indeterminate one otherwise. */
export function ProgressBar({ done, total, label }: { done: number; total: number; label?: string }): ReactElement {
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : undefined;
  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label={label}>
      <div className={pct === undefined ? "bar indeterminate" : "bar"} style={pct === undefined ? undefined : { width: `${pct}%` }} />
      {pct !== undefined && <span className="pct">{pct}%</span>}
    </div>
  );
}
