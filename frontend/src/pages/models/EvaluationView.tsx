import { useState, type ReactElement } from "react";
import { bestRole, type EvalRole, type EvalScore, type Evaluation, lowerIsBetter } from "../../api";
import { fmtNum } from "../training/series";

const METRICS: { key: keyof typeof lowerIsBetter; label: string; digits: number; hint: string }[] = [
  { key: "loss", label: "Loss on test split", digits: 3, hint: "Mean loss on your own text in the test split (lower is better)" },
  { key: "perplexity", label: "Perplexity", digits: 2, hint: "e^loss (lower is better)" },
  { key: "similarity", label: "Similarity to your answers", digits: 3, hint: "Embedding cosine of each answer and your answer (higher is better)" },
  { key: "rouge_l", label: "ROUGE-L", digits: 3, hint: "Word overlap in order with your answer (higher is better)" },
  { key: "style_distance", label: "Style distance", digits: 3, hint: "Distance of sentence length, word length, punctuation and person from your writing (0 = same habits)" },
  { key: "judge_accuracy", label: "Judge: accuracy (1–3)", digits: 2, hint: "The judge model's accuracy score" },
  { key: "judge_style", label: "Judge: style (1–3)", digits: 2, hint: "The judge model's style score" },
];

const roleLabel: Record<EvalRole, string> = { candidate: "Candidate", accepted: "Accepted twin", base: "Base" };

/** An evaluation side by side: metrics per model, the gate, and every answer next to the author's. */
export function EvaluationView({ ev }: { ev: Evaluation }): ReactElement {
  const [open, setOpen] = useState<number | null>(null);
  const scores = ev.scores;
  const value = (s: EvalScore, k: keyof typeof lowerIsBetter) => s[k as keyof EvalScore] as number | undefined;
  const notes = scores.flatMap((s) => s.notes.map((n) => `${roleLabel[s.role]}: ${n}`));
  return (
    <div className="card" aria-label={`Evaluation ${ev.id}`}>
      <h3>
        Evaluation {ev.id} of {ev.model} · <span className={`badge badge-${ev.status}`}>{ev.status}</span>
      </h3>
      {ev.error && (
        <div className="error" role="alert">
          <span>{ev.error}</span>
        </div>
      )}
      {scores.length === 0 ? (
        <p className="muted">{ev.status === "running" || ev.status === "queued" ? "The models are answering the test split…" : "No scores."}</p>
      ) : (
        <table className="table compare" aria-label="Scores side by side">
          <thead>
            <tr>
              <th>Metric</th>
              {scores.map((s) => (
                <th key={s.role} title={s.model}>
                  {roleLabel[s.role]}
                  <div className="muted small">{s.model}</div>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {METRICS.filter((m) => scores.some((s) => value(s, m.key) !== undefined)).map((m) => {
              const best = bestRole(scores, m.key);
              return (
                <tr key={m.key}>
                  <td title={m.hint}>{m.label}</td>
                  {scores.map((s) => (
                    <td key={s.role} className={`num${best === s.role ? " best" : ""}`} data-metric={m.key} data-role={s.role}>
                      {fmtNum(value(s, m.key), m.digits)}
                    </td>
                  ))}
                </tr>
              );
            })}
            <tr>
              <td>Answers</td>
              {scores.map((s) => (
                <td key={s.role} className="num">
                  {s.answered}
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      )}
      {ev.gate.reasons && ev.gate.reasons.length > 0 && (
        <p className="small" aria-label="Gate">
          <strong>Gate {ev.gate.passed ? "passed" : "not passed"}</strong> against the {ev.gate.against ? roleLabel[ev.gate.against].toLowerCase() : "other model"}
          {ev.gate.accepted ? " · accepted automatically" : ev.gate.mode === "auto" ? "" : " · accept by hand (the gate is off in Settings)"}: {ev.gate.reasons.join("; ")}
        </p>
      )}
      {notes.length > 0 && (
        <ul className="muted small" aria-label="Not measured">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      {(ev.samples ?? []).length > 0 && (
        <>
          <h4>Answers</h4>
          <ol className="eval-samples">
            {(ev.samples ?? []).map((sm) => (
              <li key={sm.sample}>
                <button className="link" onClick={() => setOpen(open === sm.sample ? null : sm.sample)} aria-expanded={open === sm.sample}>
                  {sm.prompt}
                </button>
                {open === sm.sample && (
                  <div className="eval-answers">
                    <div>
                      <div className="muted small">You wrote</div>
                      <p>{sm.reference}</p>
                    </div>
                    {(sm.answers ?? []).map((a) => (
                      <div key={a.role} data-role={a.role}>
                        <div className="muted small">
                          {roleLabel[a.role]} · similarity {fmtNum(a.similarity, 2)} · ROUGE-L {fmtNum(a.rouge_l, 2)}
                          {a.judge_accuracy !== undefined ? ` · judge ${a.judge_accuracy}/${a.judge_style ?? "?"}` : ""}
                        </div>
                        <p>{a.answer || <span className="muted">(empty answer)</span>}</p>
                        {a.judge_reason && <p className="muted small">{a.judge_reason}</p>}
                      </div>
                    ))}
                  </div>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </div>
  );
}
