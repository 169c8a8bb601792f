import { useCallback, useEffect, useState, type ReactElement } from "react";
import {
  acceptVersion,
  getEvaluation,
  latestByModel,
  listEvaluations,
  listVersions,
  rejectVersion,
  startEvaluation,
  type Evaluation,
  type ModelVersion,
} from "../../api";
import { useJobs } from "../../components/JobsContext";
import { JobRow } from "../../components/JobRow";
import { errorText } from "../../components/ErrorBanner";
import { EvaluationView } from "./EvaluationView";

function gateText(ev: Evaluation | undefined): string {
  if (!ev) return "not evaluated";
  if (ev.status !== "succeeded") return `evaluation ${ev.status}`;
  if (!ev.gate.reasons?.length) return "evaluated";
  return ev.gate.passed ? `beats the ${ev.gate.against ?? "other model"}` : `behind the ${ev.gate.against ?? "other model"}`;
}

/**
 * The models made by training: status and lineage, the latest evaluation
 * of each, and the accept / reject / evaluate actions. Accepting a model
 * makes it the twin that chat uses.
 */
export function Twins({ selected, onSelect, onError }: { selected: string; onSelect: (name: string) => void; onError: (e: string) => void }): ReactElement | null {
  const [versions, setVersions] = useState<ModelVersion[] | null>(null);
  const [latest, setLatest] = useState<Map<string, Evaluation>>(new Map());
  const [detail, setDetail] = useState<Evaluation | null>(null);
  const { jobs, upsert } = useJobs();
  const evalJobs = jobs.filter((j) => j.kind === "evaluate" || j.kind === "train");
  const running = evalJobs.filter((j) => j.status === "running" || j.status === "queued");
  const finished = evalJobs.filter((j) => j.status === "succeeded" || j.status === "failed").length;

  const refresh = useCallback(() => {
    listVersions()
      .then(setVersions)
      .catch((e: unknown) => onError(errorText(e)));
    listEvaluations()
      .then((evs) => setLatest(latestByModel(evs)))
      .catch((e: unknown) => onError(errorText(e)));
  }, [onError]);
  useEffect(() => refresh(), [refresh, finished]);

  const current = selected ? latest.get(selected) : undefined;
  useEffect(() => {
    if (!current) {
      setDetail(null);
      return;
    }
    getEvaluation(current.id)
      .then(setDetail)
      .catch((e: unknown) => onError(errorText(e)));
  }, [current, onError]);

  const act = (p: Promise<unknown>) => p.then(refresh).catch((e: unknown) => onError(errorText(e)));
  const evaluate = (name: string) =>
    act(
      startEvaluation({ model: name }).then((s) => {
        upsert(s.job);
        onSelect(name);
      }),
    );

  if (versions === null || versions.length === 0) return null;
  return (
    <>
      <h2>Your twins</h2>
      <table className="table" aria-label="Trained models">
        <thead>
          <tr>
            <th>Model</th>
            <th>Status</th>
            <th>Base</th>
            <th>Dataset</th>
            <th>Run</th>
            <th>Evaluation</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.name} data-version={v.name} className={v.name === selected ? "selected" : undefined}>
              <td>
                <button className="link" onClick={() => onSelect(v.name)} aria-label={`Show ${v.name}`}>
                  {v.name}
                </button>
                {v.aliases.length > 0 && <span className="muted small"> ({v.aliases.join(", ")})</span>}
              </td>
              <td>
                <span className={`badge badge-${v.status}`}>{v.status}</span>
              </td>
              <td>{v.base}</td>
              <td title={v.dataset_hash}>{v.dataset.split(/[\\/]/).pop()}</td>
              <td>{v.run_id ? <a href={`#/training/${v.run_id}`}>#{v.run_id}</a> : "—"}</td>
              <td data-testid={`gate-${v.name}`}>{gateText(latest.get(v.name))}</td>
              <td className="actions">
                <button onClick={() => evaluate(v.name)} aria-label={`Evaluate ${v.name}`}>
                  Evaluate
                </button>
                {v.status !== "accepted" && (
                  <button onClick={() => act(acceptVersion(v.name))} aria-label={`Accept ${v.name}`}>
                    Accept
                  </button>
                )}
                {v.status === "candidate" && (
                  <button onClick={() => act(rejectVersion(v.name))} aria-label={`Reject ${v.name}`}>
                    Reject
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {running.length > 0 && (
        <div className="jobs">
          {running.map((j) => (
            <JobRow key={j.id} job={j} onError={onError} />
          ))}
        </div>
      )}
      {selected && !current && <p className="muted">{selected} has not been evaluated yet: Evaluate compares it with the accepted twin and its base on its test split.</p>}
      {detail && <EvaluationView ev={detail} />}
    </>
  );
}
