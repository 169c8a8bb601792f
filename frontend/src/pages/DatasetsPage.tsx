import { useCallback, useEffect, useMemo, useState, type FormEvent, type ReactElement } from "react";
import {
  buildDataset,
  editDataset,
  exportDataset,
  isActive,
  listDatasets,
  listModels,
  tokensLabel,
  type BuildResult,
  type DatasetVersion,
  type ExportFormat,
  type ExportResult,
  type Generator,
  type Sample,
  type SampleEdit,
  type SampleQuery,
  type SampleStatus,
} from "../api";
import { useJobs } from "../components/JobsContext";
import { JobRow } from "../components/JobRow";
import { EmptyState } from "../components/EmptyState";
import { ErrorBanner, errorText } from "../components/ErrorBanner";
import { navigate } from "../router";
import { LengthHistogram } from "./datasets/LengthHistogram";
import { SamplesTable } from "./datasets/SamplesTable";

const short = (id: string) => id.slice(0, 12);

function Counts({ title, counts }: { title: string; counts: Record<string, number> }): ReactElement {
  const keys = Object.keys(counts).sort();
  return (
    <div>
      <h3>{title}</h3>
      {keys.length === 0 ? (
        <p className="muted small">none</p>
      ) : (
        <ul className="counts" aria-label={title}>
          {keys.map((k) => (
            <li key={k}>
              <span>{k}</span> <strong>{counts[k]}</strong>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function BuildForm({
  versions,
  onBuilt,
  onError,
}: {
  versions: DatasetVersion[];
  onBuilt: () => void;
  onError: (e: string) => void;
}): ReactElement {
  const [generator, setGenerator] = useState<Generator>("heuristic");
  const [from, setFrom] = useState("");
  // Versions whose answers are the author's text: their instructions can prompt preference pairs.
  const sources = versions.filter((v) => v.kind === "instruct" && pairsPerChunk(v) === 1);
  const [model, setModel] = useState("");
  const [models, setModels] = useState<string[]>([]);
  const [pairs, setPairs] = useState(1);
  const [ratio, setRatio] = useState(0.1);
  const { upsert } = useJobs();
  useEffect(() => {
    listModels()
      .then((ms) => setModels(ms.filter((m) => m.kind === "chat").map((m) => m.name)))
      .catch(() => setModels([]));
  }, []);
  const needsModel = generator !== "heuristic";
  const submit = (e: FormEvent) => {
    e.preventDefault();
    buildDataset({
      generator,
      model: needsModel ? model : undefined,
      pairs_per_chunk: generator === "llm" ? pairs : undefined,
      test_ratio: ratio === 0 ? -1 : ratio,
      from: generator === "preference" && from ? from : undefined,
    })
      .then((j) => {
        upsert(j);
        onBuilt();
      })
      .catch((err: unknown) => onError(errorText(err)));
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Build a dataset">
      <h3>Build a dataset version</h3>
      <p className="muted small">
        From every document that is not excluded. <em>heuristic</em> needs no model (seconds); <em>llm</em> has a local model write
        instructions; <em>preference</em> pairs your text (chosen) with a model's answer (rejected).
      </p>
      <div className="row">
        <label className="inline">
          Generator
          <select value={generator} onChange={(e) => setGenerator(e.target.value as Generator)} aria-label="Generator">
            <option value="heuristic">heuristic</option>
            <option value="llm">llm</option>
            <option value="preference">preference</option>
          </select>
        </label>
        {needsModel && (
          <label className="inline">
            Model
            <input value={model} onChange={(e) => setModel(e.target.value)} list="dataset-models" placeholder="smollm2:135m" aria-label="Model" />
            <datalist id="dataset-models">
              {models.map((m) => (
                <option key={m} value={m} />
              ))}
            </datalist>
          </label>
        )}
        {generator === "preference" && (
          <label className="inline">
            Instructions
            <select value={from} onChange={(e) => setFrom(e.target.value)} aria-label="Instructions from">
              <option value="">heuristic</option>
              {sources.map((v) => (
                <option key={v.id} value={v.id}>
                  from {v.id.slice(0, 12)} ({v.generator}
                  {v.model && ` ${v.model}`})
                </option>
              ))}
            </select>
          </label>
        )}
        {generator === "llm" && (
          <label className="inline">
            Pairs per extract
            <input type="number" min={1} max={10} value={pairs} onChange={(e) => setPairs(Number(e.target.value))} aria-label="Pairs per extract" />
          </label>
        )}
        <label className="inline">
          Test share
          <input type="number" min={0} max={0.9} step={0.05} value={ratio} onChange={(e) => setRatio(Number(e.target.value))} aria-label="Test share" />
        </label>
        <button type="submit" disabled={needsModel && !model.trim()}>
          Build
        </button>
      </div>
    </form>
  );
}

/** pairs_per_chunk of a version's recorded config (1 when absent). */
function pairsPerChunk(v: DatasetVersion): number {
  const c = v.config;
  if (typeof c === "object" && c !== null && "pairs_per_chunk" in c) {
    const n = (c as { pairs_per_chunk: unknown }).pairs_per_chunk;
    if (typeof n === "number") return n;
  }
  return 1;
}

function ExportForm({ version, onError }: { version: DatasetVersion; onError: (e: string) => void }): ReactElement {
  const [format, setFormat] = useState<ExportFormat>(version.kind === "preference" ? "preference" : "messages");
  const [dir, setDir] = useState("");
  const [force, setForce] = useState(false);
  const [result, setResult] = useState<ExportResult | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setResult(null);
    exportDataset(version.id, format, dir.trim(), force)
      .then(setResult)
      .catch((err: unknown) => onError(errorText(err)))
      .finally(() => setBusy(false));
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Export">
      <h3>Export</h3>
      <div className="row">
        <select value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)} aria-label="Export format">
          <option value="messages">messages (TRL, Unsloth, axolotl)</option>
          <option value="alpaca">alpaca</option>
          <option value="sharegpt">sharegpt</option>
          {version.kind === "preference" && <option value="preference">preference (DPO)</option>}
        </select>
        <input value={dir} onChange={(e) => setDir(e.target.value)} placeholder="Folder to create, e.g. /home/me/doppel-export" aria-label="Export folder" />
        <label className="inline small">
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> replace
        </label>
        <button type="submit" disabled={!dir.trim() || busy}>
          Export
        </button>
      </div>
      {result && (
        <p className="ok small" role="status">
          Exported {result.train} train and {result.test} test samples ({result.rejected} rejected left out) to {result.dir}
        </p>
      )}
    </form>
  );
}

function Editor({ sample, onSave, onCancel }: { sample: Sample; onSave: (e: SampleEdit) => void; onCancel: () => void }): ReactElement {
  const [instruction, setInstruction] = useState(sample.instruction);
  const [output, setOutput] = useState(sample.output);
  const [rejected, setRejected] = useState(sample.rejected);
  const changed = instruction !== sample.instruction || output !== sample.output || rejected !== sample.rejected;
  return (
    <form
      className="card editor"
      aria-label={`Edit sample ${sample.id}`}
      onSubmit={(e) => {
        e.preventDefault();
        const edit: SampleEdit = { sample_id: sample.id };
        if (instruction !== sample.instruction) edit.instruction = instruction;
        if (output !== sample.output) edit.output = output;
        if (rejected !== sample.rejected) edit.rejected = rejected;
        onSave(edit);
      }}
    >
      <h3>
        Sample {sample.id} <span className="muted small">from “{sample.doc_title || sample.platform}” ({sample.doc_kind})</span>
      </h3>
      <label>
        Instruction
        <textarea rows={2} value={instruction} onChange={(e) => setInstruction(e.target.value)} aria-label="Instruction" />
      </label>
      <label>
        {sample.kind === "preference" ? "Chosen answer (your text)" : "Answer"}
        <textarea rows={8} value={output} onChange={(e) => setOutput(e.target.value)} aria-label="Answer" />
      </label>
      {sample.kind === "preference" && (
        <label>
          Rejected answer
          <textarea rows={5} value={rejected} onChange={(e) => setRejected(e.target.value)} aria-label="Rejected answer" />
        </label>
      )}
      <div className="row">
        <button type="submit" disabled={!changed}>
          Save as new version
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function DatasetsPage({ arg }: { arg: string }): ReactElement {
  const [versions, setVersions] = useState<DatasetVersion[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState<SampleQuery>({});
  const [search, setSearch] = useState("");
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [editing, setEditing] = useState<Sample | null>(null);
  const [matching, setMatching] = useState<number | null>(null);
  const [reloadKey, setReloadKey] = useState(0);
  const { jobs } = useJobs();
  const buildJobs = jobs.filter((j) => j.kind === "dataset.build");
  const active = buildJobs.filter(isActive);

  const refresh = useCallback(() => {
    listDatasets()
      .then((vs) => {
        setVersions(vs);
        setError(null);
      })
      .catch((e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(refresh, [refresh]);
  // A finished build shows up in the list and is opened.
  const lastDone = buildJobs.find((j) => j.status === "succeeded");
  useEffect(() => {
    if (!lastDone) return;
    refresh();
    const res = lastDone.result as BuildResult | undefined;
    if (res?.version && !arg) navigate("datasets", res.version);
  }, [lastDone?.id, lastDone?.status]);

  const match = (v: DatasetVersion) => v.id === arg || (arg.length >= 4 && v.id.startsWith(arg));
  const current = useMemo(() => {
    if (!versions || versions.length === 0) return null;
    if (!arg) return versions[0] ?? null;
    return versions.find(match) ?? null;
  }, [versions, arg]);
  // A version made elsewhere (the CLI, another window) is not in the list
  // yet: reload the list once for it.
  const [reloadedFor, setReloadedFor] = useState("");
  useEffect(() => {
    if (arg && versions && !versions.some(match) && reloadedFor !== arg) {
      setReloadedFor(arg);
      refresh();
    }
  });
  const missing = Boolean(arg && versions && reloadedFor === arg && !versions.some(match));

  useEffect(() => {
    setSelected(new Set());
    setEditing(null);
  }, [current?.id]);

  const applyEdits = (edits: SampleEdit[], note?: string) => {
    if (!current) return;
    editDataset(current.id, edits, note)
      .then((v) => {
        setEditing(null);
        setSelected(new Set());
        setReloadKey((k) => k + 1);
        refresh();
        navigate("datasets", v.id);
      })
      .catch((e: unknown) => setError(errorText(e)));
  };
  const setStatus = (s: Sample, status: SampleStatus) => applyEdits([{ sample_id: s.id, status }]);
  const bulk = (status: SampleStatus) => applyEdits([...selected].map((id) => ({ sample_id: id, status })), `${status} ${selected.size} (bulk)`);
  const toggle = (id: number) =>
    setSelected((cur) => {
      const next = new Set(cur);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const st = current?.stats;
  return (
    <section>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <BuildForm versions={versions ?? []} onBuilt={() => undefined} onError={setError} />
      {active.length > 0 && (
        <div className="jobs" aria-label="Dataset builds">
          {active.map((j) => (
            <JobRow key={j.id} job={j} onError={setError} />
          ))}
        </div>
      )}
      {buildJobs
        .filter((j) => j.status === "failed" || j.status === "interrupted")
        .slice(0, 1)
        .map((j) => (
          <div className="jobs" key={j.id}>
            <JobRow job={j} onError={setError} />
          </div>
        ))}

      <h2>Versions</h2>
      {versions === null ? (
        error ? null : <p className="muted">Loading…</p>
      ) : versions.length === 0 ? (
        <EmptyState
          title="No dataset versions yet"
          body="Build one from your documents above. If you have no documents yet, add a source first: datasets are made from your own writing."
        />
      ) : (
        <table className="table" aria-label="Dataset versions">
          <thead>
            <tr>
              <th>Version</th>
              <th>Kind</th>
              <th>Generator</th>
              <th>Model</th>
              <th className="num">Train</th>
              <th className="num">Test</th>
              <th>Created</th>
              <th>Note</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.id} className={v.id === current?.id ? "selected" : undefined} data-version={v.id}>
                <td>
                  <a href={`#/datasets/${v.id}`} title={v.id}>
                    <code>{short(v.id)}</code>
                  </a>
                  {v.parent_id && <span className="muted small"> ← {short(v.parent_id)}</span>}
                </td>
                <td>{v.kind}</td>
                <td>{v.generator}</td>
                <td>{v.model}</td>
                <td className="num">{v.train}</td>
                <td className="num">{v.test}</td>
                <td>{new Date(v.created_at).toLocaleString()}</td>
                <td>{v.note}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {missing && (
        <p className="error-text" role="status">
          Version {arg} was not found. Pick one from the list above.
        </p>
      )}
      {current && st && (
        <>
          <h2>
            Version <code data-testid="current-version">{short(current.id)}</code>
          </h2>
          <div className="cards stats">
            <div className="card">
              <dl className="kv">
                <dt>Samples</dt>
                <dd data-testid="stat-samples">
                  {st.samples} ({st.train} train, {st.test} test) from {st.documents} documents
                </dd>
                <dt>Tokens</dt>
                <dd>
                  {st.tokens.toLocaleString()}{" "}
                  <span className="muted small" data-testid="tokens-label">
                    ({tokensLabel(st)})
                  </span>
                </dd>
                <dt>Generator</dt>
                <dd>
                  {current.generator}
                  {current.model && ` with ${current.model}`}
                </dd>
                {current.job_id !== undefined && current.job_id > 0 && (
                  <>
                    <dt>Built by</dt>
                    <dd data-testid="version-job">job {current.job_id}</dd>
                  </>
                )}
              </dl>
              <div className="cols">
                <Counts title="By kind" counts={st.by_kind} />
                <Counts title="By source" counts={st.by_source} />
                <Counts title="By status" counts={st.by_status} />
                <Counts title="Dropped" counts={st.dropped} />
              </div>
            </div>
            <div className="card">
              <h3>Answer lengths</h3>
              <LengthHistogram binWidth={st.lengths.bin_width} counts={st.lengths.counts} />
            </div>
          </div>
          <ExportForm key={current.id} version={current} onError={setError} />

          <h2>Samples</h2>
          <form
            className="toolbar filters"
            aria-label="Filter samples"
            onSubmit={(e) => {
              e.preventDefault();
              setQuery((q) => ({ ...q, search: search.trim() }));
            }}
          >
            <input type="search" placeholder="Search instructions and answers" value={search} onChange={(e) => setSearch(e.target.value)} aria-label="Search samples" />
            <select value={query.doc_kind ?? ""} onChange={(e) => setQuery({ ...query, doc_kind: e.target.value })} aria-label="Filter by kind">
              <option value="">all kinds</option>
              {Object.keys(st.by_kind).map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
            <select value={String(query.source_id ?? "")} onChange={(e) => setQuery({ ...query, source_id: Number(e.target.value) || undefined })} aria-label="Filter by source">
              <option value="">all sources</option>
              {Object.keys(st.by_source).map((k) => (
                <option key={k} value={k}>
                  source {k}
                </option>
              ))}
            </select>
            <select value={query.status ?? ""} onChange={(e) => setQuery({ ...query, status: e.target.value as SampleStatus | "" })} aria-label="Filter by status">
              <option value="">all statuses</option>
              <option value="pending">pending</option>
              <option value="approved">approved</option>
              <option value="rejected">rejected</option>
            </select>
            <select value={query.split ?? ""} onChange={(e) => setQuery({ ...query, split: e.target.value as "train" | "test" | "" })} aria-label="Filter by split">
              <option value="">train + test</option>
              <option value="train">train</option>
              <option value="test">test</option>
            </select>
            <input type="number" min={0} placeholder="min chars" value={query.min_chars ?? ""} onChange={(e) => setQuery({ ...query, min_chars: Number(e.target.value) || undefined })} aria-label="Minimum length" />
            <input type="number" min={0} placeholder="max chars" value={query.max_chars ?? ""} onChange={(e) => setQuery({ ...query, max_chars: Number(e.target.value) || undefined })} aria-label="Maximum length" />
            <button type="submit">Search</button>
          </form>
          <div className="toolbar bulk">
            <span className="muted small" data-testid="sample-count">
              {matching === null ? "" : `${matching.toLocaleString()} samples`}
              {selected.size > 0 && ` · ${selected.size} selected`}
            </span>
            <span className="spacer" />
            <button onClick={() => bulk("approved")} disabled={selected.size === 0}>
              Approve selected
            </button>
            <button onClick={() => bulk("rejected")} disabled={selected.size === 0}>
              Reject selected
            </button>
            <button onClick={() => setSelected(new Set())} disabled={selected.size === 0}>
              Clear selection
            </button>
          </div>
          {editing && <Editor key={editing.id} sample={editing} onSave={(e) => applyEdits([e])} onCancel={() => setEditing(null)} />}
          <SamplesTable
            version={current.id}
            query={query}
            reloadKey={reloadKey}
            selected={selected}
            onToggle={toggle}
            onEdit={setEditing}
            onStatus={setStatus}
            onTotal={setMatching}
            onError={setError}
          />
        </>
      )}
    </section>
  );
}
