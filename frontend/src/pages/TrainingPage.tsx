import { useCallback, useEffect, useMemo, useState, type FormEvent, type ReactElement } from "react";
import {
  acceptVersion,
  cancelRun,
  getCatalog,
  getProposal,
  listDatasets,
  listRuns,
  listVersions,
  rerunRun,
  resumeRun,
  runActive,
  startRun,
  type CatalogEntry,
  type DatasetVersion,
  type ModelVersion,
  type TrainProposal,
  type TrainRun,
} from "../api";
import { EmptyState } from "../components/EmptyState";
import { ErrorBanner, errorText } from "../components/ErrorBanner";
import { ProgressBar } from "../components/ProgressBar";
import { pickPath } from "../desktop";
import { navigate } from "../router";
import { LossChart } from "./training/LossChart";
import { alignLoss, compareRows, fmtDuration, fmtNum } from "./training/series";

const baseName = (p: string) => p.split(/[\\/]/).filter(Boolean).pop() ?? p;

/** The one-click path's steps, and which step each run phase belongs to. */
const STEPS = ["Export", "Prepare", "Train", "Import", "Evaluate", "Done"] as const;
const PHASE_STEP: Record<string, number> = {
  exporting: 0,
  setup: 1,
  loading: 1,
  sft: 2,
  dpo: 2,
  evaluating: 2,
  saving: 2,
  merging: 2,
  trained: 3,
  importing: 3,
  evaluation: 4,
  done: 5,
};

function Steps({ run }: { run: TrainRun }): ReactElement {
  const at = PHASE_STEP[run.phase] ?? -1;
  const evaluates = run.config.doppel_evaluate === true || run.artifacts.evaluation !== undefined;
  return (
    <ol className="steps" aria-label="Pipeline steps">
      {STEPS.filter((s) => evaluates || s !== "Evaluate").map((s) => {
        const i = STEPS.indexOf(s);
        const state = run.status === "succeeded" || i < at ? "done" : i === at ? (runActive(run) ? "current" : run.status) : "todo";
        return (
          <li key={s} className={`step step-${state}`} aria-current={state === "current" ? "step" : undefined}>
            {s}
          </li>
        );
      })}
    </ol>
  );
}

/** The Fine-tune button: the latest dataset version, the proposed settings, export → train → import → evaluate as one job. */
function OneClick({ onStarted, onError }: { onStarted: (r: TrainRun) => void; onError: (e: string) => void }): ReactElement {
  const [latest, setLatest] = useState<DatasetVersion | null | undefined>(undefined);
  const [proposal, setProposal] = useState<TrainProposal | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    listDatasets()
      .then((ds) => setLatest(ds.filter((d) => d.kind !== "preference")[0] ?? null))
      .catch((e: unknown) => {
        setLatest(null);
        onError(errorText(e));
      });
    getProposal("", "auto")
      .then(setProposal)
      .catch(() => setProposal(null));
  }, [onError]);
  const p = proposal?.detected?.proposal;
  const go = () => {
    if (!latest) return;
    setBusy(true);
    startRun({ dataset: latest.id, evaluate: true })
      .then((s) => onStarted(s.run))
      .catch((e: unknown) => onError(errorText(e)))
      .finally(() => setBusy(false));
  };
  return (
    <div className="card oneclick" aria-label="Fine-tune your twin">
      <h3>Fine-tune your twin</h3>
      {latest === undefined ? (
        <p className="muted">Looking for a dataset…</p>
      ) : latest === null ? (
        <p className="muted">
          No dataset yet. <a href="#/datasets">Build one on the Datasets page</a> from your documents first.
        </p>
      ) : (
        <>
          <p className="small">
            Trains {proposal?.base ?? "the default base"} on dataset <strong>{latest.id.slice(0, 12)}</strong> ({latest.train} train / {latest.test} test samples,{" "}
            {latest.generator}), imports it into Ollama and evaluates it against your accepted twin and the base.
            {p ? ` Proposed for ${proposal?.device ?? "this machine"}: ${p.backend}, batch ${p.batch_size ?? "?"} × ${p.grad_accum ?? "?"}, max length ${p.max_length ?? "?"}.` : ""}
          </p>
          <button className="primary" onClick={go} disabled={busy} aria-label="Fine-tune">
            {busy ? "Starting…" : "Fine-tune"}
          </button>
        </>
      )}
    </div>
  );
}

function StartForm({ onStarted, onError }: { onStarted: (r: TrainRun) => void; onError: (e: string) => void }): ReactElement {
  const [catalog, setCatalog] = useState<CatalogEntry[]>([]);
  const [proposal, setProposal] = useState<TrainProposal | null>(null);
  const [f, setF] = useState({ dataset: "", base: "", backend: "auto", name: "doppel", maxSteps: "", epochs: "", batch: "", accum: "", maxLen: "", lr: "", evaluate: true });
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    getCatalog()
      .then((c) => setCatalog(c.filter((e) => e.kind === "chat")))
      .catch(() => setCatalog([]));
  }, []);
  useEffect(() => {
    setProposal(null);
    getProposal(f.base, f.backend)
      .then(setProposal)
      .catch((e: unknown) => onError(errorText(e)));
  }, [f.base, f.backend, onError]);
  const p = proposal?.detected?.proposal;
  const num = (s: string) => (s.trim() === "" ? undefined : Number(s));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const overrides: Record<string, unknown> = {};
    if (num(f.batch)) overrides.batch_size = num(f.batch);
    if (num(f.accum)) overrides.grad_accum = num(f.accum);
    if (num(f.maxLen)) overrides.max_length = num(f.maxLen);
    if (num(f.lr)) overrides.learning_rate = num(f.lr);
    setBusy(true);
    startRun({ dataset: f.dataset.trim(), base: f.base || undefined, backend: f.backend, name: f.name.trim() || undefined, max_steps: num(f.maxSteps), epochs: num(f.epochs), overrides, evaluate: f.evaluate })
      .then((s) => onStarted(s.run))
      .catch((err: unknown) => onError(errorText(err)))
      .finally(() => setBusy(false));
  };
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  return (
    <form className="card" onSubmit={submit} aria-label="Start a training run">
      <h3>Custom run</h3>
      <div className="row">
        <input placeholder="Dataset export folder (train.jsonl, test.jsonl) or version" value={f.dataset} onChange={set("dataset")} aria-label="Dataset" />
        <button type="button" onClick={() => void pickPath(true).then((d) => d && setF((s) => ({ ...s, dataset: d })))}>
          Folder…
        </button>
      </div>
      <div className="row">
        <select value={f.base} onChange={set("base")} aria-label="Base model">
          <option value="">Default for this machine{proposal ? ` (${proposal.base})` : ""}</option>
          {catalog.map((c) => (
            <option key={c.id} value={c.name}>
              {c.name} · {c.params}
            </option>
          ))}
        </select>
        <select value={f.backend} onChange={set("backend")} aria-label="Backend">
          {["auto", "peft", "unsloth", "mlx"].map((b) => (
            <option key={b}>{b}</option>
          ))}
        </select>
        <input placeholder="name" value={f.name} onChange={set("name")} aria-label="Model name" />
      </div>
      <div className="row">
        <input placeholder="max steps (default: epochs)" value={f.maxSteps} onChange={set("maxSteps")} aria-label="Max steps" inputMode="numeric" />
        <input placeholder="epochs (1)" value={f.epochs} onChange={set("epochs")} aria-label="Epochs" inputMode="decimal" />
        <input placeholder={`batch${p?.batch_size ? ` (${p.batch_size})` : ""}`} value={f.batch} onChange={set("batch")} aria-label="Batch size" inputMode="numeric" />
        <input placeholder={`grad accum${p?.grad_accum ? ` (${p.grad_accum})` : ""}`} value={f.accum} onChange={set("accum")} aria-label="Gradient accumulation" inputMode="numeric" />
        <input placeholder={`max length${p?.max_length ? ` (${p.max_length})` : ""}`} value={f.maxLen} onChange={set("maxLen")} aria-label="Max length" inputMode="numeric" />
        <input placeholder="learning rate (2e-4)" value={f.lr} onChange={set("lr")} aria-label="Learning rate" inputMode="decimal" />
      </div>
      <div className="proposal muted small" aria-label="Proposed settings">
        {proposal === null ? (
          "Detecting hardware…"
        ) : p ? (
          <>
            <strong>{proposal.device}</strong>: backend {p.backend}, batch {p.batch_size} × {p.grad_accum}, max length {p.max_length}, {p.precision}
            {p.quantization !== "none" ? `, ${p.quantization}` : ""}
            {p.gradient_checkpointing ? ", gradient checkpointing" : ""}. {(p.reasons ?? []).join("; ")}
          </>
        ) : (
          <>
            {proposal.device}: {proposal.note}
          </>
        )}
      </div>
      <div className="row">
        <label className="check">
          <input type="checkbox" checked={f.evaluate} onChange={(e) => setF({ ...f, evaluate: e.target.checked })} aria-label="Evaluate after import" /> Evaluate after import
        </label>
        <button type="submit" disabled={busy || !f.dataset.trim()}>
          Start training
        </button>
      </div>
    </form>
  );
}

function RunDetail({ run }: { run: TrainRun }): ReactElement {
  const data = useMemo(() => alignLoss([run]), [run]);
  const evalData = useMemo(() => alignLoss([run], "eval"), [run]);
  const chat = run.artifacts.smoke_chat;
  return (
    <div className="card" aria-label={`Run ${run.id}`}>
      <h3>
        Run {run.id} · <span className={`badge badge-${run.status}`}>{run.status}</span> {run.phase && runActive(run) ? <span className="muted small">{run.phase}</span> : null}
      </h3>
      <Steps run={run} />
      {runActive(run) && run.total_steps > 0 && <ProgressBar done={run.step} total={run.total_steps} />}
      {data[0].length > 0 ? (
        <LossChart data={data} labels={[`run ${run.id} train loss`]} title={`Training loss of run ${run.id}`} />
      ) : (
        <p className="muted">No training steps yet{runActive(run) ? ": the loss appears here live." : "."}</p>
      )}
      <dl className="kv">
        <dt>Base</dt>
        <dd>{run.base}</dd>
        <dt>Dataset</dt>
        <dd title={run.dataset_dir}>
          {run.dataset} <span className="muted small">#{run.dataset_hash}</span>
        </dd>
        <dt>Steps</dt>
        <dd>
          {run.step}/{run.total_steps} · loss {fmtNum(run.loss)} · eval loss {fmtNum(run.eval_loss)}
          {evalData[0].length > 1 ? ` (${evalData[0].length} evals)` : ""}
        </dd>
        <dt>Speed</dt>
        <dd>
          {fmtNum(run.tokens_per_s, 0)} tokens/s · {fmtDuration(run.duration_s)} · first step after {fmtDuration(run.first_step_s)} · {run.attempts} attempt(s)
        </dd>
        <dt>Settings</dt>
        <dd>
          {run.settings.backend ?? run.backend} · batch {run.settings.batch_size ?? "?"} × {run.settings.grad_accum ?? "?"} · max length {run.settings.max_length ?? "?"} ·{" "}
          {run.settings.precision ?? "?"}
        </dd>
        {run.model && (
          <>
            <dt>Model</dt>
            <dd>{run.model}</dd>
          </>
        )}
        {run.last_checkpoint && run.status !== "succeeded" && (
          <>
            <dt>Checkpoint</dt>
            <dd className="small">{run.last_checkpoint}</dd>
          </>
        )}
      </dl>
      {run.artifacts.evaluation && run.model && (
        <p className="small">
          Evaluated: <a href={`#/models/${encodeURIComponent(run.model)}`}>see {run.model} side by side with the accepted twin and the base</a>.
        </p>
      )}
      {run.artifacts.evaluation_error && (
        <p className="error-text small" role="alert">
          The evaluation failed: {run.artifacts.evaluation_error}
        </p>
      )}
      {chat && (
        <p className="small">
          <span className="muted">Asked “{chat.prompt}”, it answered:</span> {chat.answer}
        </p>
      )}
      {run.error && (
        <div className="error" role="alert">
          <span>
            {run.error_kind ? `${run.error_kind}: ` : ""}
            {run.error}
          </span>
        </div>
      )}
      {run.log_tail && (
        <details open={run.status === "failed"}>
          <summary>Log tail</summary>
          <pre className="log">{run.log_tail}</pre>
        </details>
      )}
      <details>
        <summary>Exact config</summary>
        <pre className="log">{JSON.stringify(run.config, null, 2)}</pre>
      </details>
    </div>
  );
}

function Compare({ runs }: { runs: TrainRun[] }): ReactElement {
  const data = useMemo(() => alignLoss(runs), [runs]);
  const rows = useMemo(() => compareRows(runs), [runs]);
  return (
    <div className="card" aria-label="Compare runs">
      <h3>Compare runs {runs.map((r) => r.id).join(", ")}</h3>
      <LossChart data={data} labels={runs.map((r) => `run ${r.id}`)} title="Training loss of the compared runs" />
      <table className="table compare" aria-label="Hyperparameters side by side">
        <thead>
          <tr>
            <th>Setting</th>
            {runs.map((r) => (
              <th key={r.id}>run {r.id}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>final loss / eval loss</td>
            {runs.map((r) => (
              <td key={r.id}>
                {fmtNum(r.loss)} / {fmtNum(r.eval_loss)}
              </td>
            ))}
          </tr>
          <tr>
            <td>tokens/s</td>
            {runs.map((r) => (
              <td key={r.id}>{fmtNum(r.tokens_per_s, 0)}</td>
            ))}
          </tr>
          {rows.map((row) => (
            <tr key={row.key} className={row.differs ? "differs" : undefined}>
              <td>{row.key}</td>
              {row.values.map((v, i) => (
                <td key={i}>{v}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function TrainingPage({ arg }: { arg: string }): ReactElement {
  const [runs, setRuns] = useState<TrainRun[] | null>(null);
  const [versions, setVersions] = useState<ModelVersion[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [picked, setPicked] = useState<number[]>([]);
  const selected = Number(arg) || runs?.[0]?.id || 0;

  const refresh = useCallback(() => {
    listRuns()
      .then((r) => {
        setRuns(r);
        setError(null);
      })
      .catch((e: unknown) => setError(errorText(e)));
    listVersions()
      .then(setVersions)
      .catch(() => setVersions([]));
  }, []);
  useEffect(() => refresh(), [refresh]);
  const anyActive = (runs ?? []).some(runActive);
  useEffect(() => {
    const t = window.setInterval(refresh, anyActive ? 1500 : 10000);
    return () => window.clearInterval(t);
  }, [anyActive, refresh]);

  const act = (p: Promise<unknown>) =>
    p.then(refresh).catch((e: unknown) => setError(errorText(e)));
  const onError = useCallback((e: string) => setError(e), []);
  const status = new Map(versions.map((v) => [v.name, v.status]));
  const current = runs?.find((r) => r.id === selected);
  const comparing = (runs ?? []).filter((r) => picked.includes(r.id));

  return (
    <section>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <div className="cards">
        <OneClick
          onError={onError}
          onStarted={(r) => {
            refresh();
            navigate("training", String(r.id));
          }}
        />
        <StartForm
          onError={onError}
          onStarted={(r) => {
            refresh();
            navigate("training", String(r.id));
          }}
        />
      </div>
      {runs === null ? (
        error ? null : <p className="muted">Loading…</p>
      ) : runs.length === 0 ? (
        <EmptyState title="No training runs yet" body="Press Fine-tune, or pick a dataset export for a custom run: the loss curve appears here live." />
      ) : (
        <>
          <table className="table" aria-label="Training runs">
            <thead>
              <tr>
                <th aria-label="Compare" />
                <th>Run</th>
                <th>Status</th>
                <th>Base</th>
                <th>Dataset</th>
                <th>Steps</th>
                <th>Loss</th>
                <th>Eval</th>
                <th>Tok/s</th>
                <th>Time</th>
                <th>Model</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.id} data-run={r.id} className={r.id === selected ? "selected" : undefined}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Compare run ${r.id}`}
                      checked={picked.includes(r.id)}
                      onChange={(e) => setPicked((p) => (e.target.checked ? [...p, r.id] : p.filter((x) => x !== r.id)))}
                    />
                  </td>
                  <td>
                    <a href={`#/training/${r.id}`}>#{r.id}</a>
                    {r.rerun_of ? <span className="muted small"> ↻{r.rerun_of}</span> : null}
                  </td>
                  <td>
                    <span className={`badge badge-${r.status}`}>{r.status}</span>
                  </td>
                  <td>{r.base.length > 24 ? baseName(r.base) : r.base}</td>
                  <td title={r.dataset_dir}>{baseName(r.dataset)}</td>
                  <td className="num">
                    {r.step}/{r.total_steps || "?"}
                  </td>
                  <td className="num">{fmtNum(r.loss)}</td>
                  <td className="num">{fmtNum(r.eval_loss)}</td>
                  <td className="num">{fmtNum(r.tokens_per_s, 0)}</td>
                  <td className="num">{fmtDuration(r.duration_s)}</td>
                  <td>
                    {r.model ?? ""}
                    {r.model && status.get(r.model) ? <span className="muted small"> {status.get(r.model)}</span> : null}
                  </td>
                  <td className="actions">
                    {runActive(r) && (
                      <button onClick={() => act(cancelRun(r.id))} aria-label={`Cancel run ${r.id}`}>
                        Cancel
                      </button>
                    )}
                    {(r.status === "failed" || r.status === "cancelled") && (
                      <button onClick={() => act(resumeRun(r.id))} aria-label={`Resume run ${r.id}`}>
                        Resume
                      </button>
                    )}
                    {!runActive(r) && (
                      <button onClick={() => act(rerunRun(r.id).then((s) => navigate("training", String(s.run.id))))} aria-label={`Re-run run ${r.id}`}>
                        Re-run
                      </button>
                    )}
                    {r.model && status.get(r.model) === "candidate" && (
                      <button onClick={() => act(acceptVersion(r.model ?? ""))} aria-label={`Accept ${r.model}`}>
                        Accept
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {comparing.length >= 2 ? <Compare runs={comparing} /> : current ? <RunDetail run={current} /> : null}
        </>
      )}
    </section>
  );
}
