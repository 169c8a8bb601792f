import { useCallback, useEffect, useState, type FormEvent, type ReactElement } from "react";
import { deleteModel, getCatalog, importModel, isActive, listModels, pullModel, type CatalogEntry, type Model } from "../api";
import { useJobs } from "../components/JobsContext";
import { JobRow } from "../components/JobRow";
import { EmptyState } from "../components/EmptyState";
import { ErrorBanner, errorText } from "../components/ErrorBanner";
import { pickPath } from "../desktop";
import { navigate } from "../router";
import { Twins } from "./models/Twins";

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function ModelsPage({ arg = "" }: { arg?: string }): ReactElement {
  const [models, setModels] = useState<Model[] | null>(null);
  const [catalog, setCatalog] = useState<CatalogEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [pullName, setPullName] = useState("");
  const [imp, setImp] = useState({ name: "", path: "" });
  const { jobs, upsert } = useJobs();
  const modelJobs = jobs.filter((j) => j.kind.startsWith("model."));
  const active = modelJobs.filter(isActive);

  const refresh = useCallback(() => {
    listModels()
      .then((m) => {
        setModels(m);
        setError(null);
      })
      .catch((e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(() => {
    refresh();
    getCatalog()
      .then(setCatalog)
      .catch(() => setCatalog([]));
  }, [refresh]);
  // Refresh the list whenever a model job finishes.
  const finished = modelJobs.filter((j) => j.status === "succeeded").length;
  useEffect(() => {
    if (finished > 0) refresh();
  }, [finished, refresh]);

  const onPull = (e: FormEvent) => {
    e.preventDefault();
    if (!pullName.trim()) return;
    pullModel(pullName.trim())
      .then((j) => {
        upsert(j);
        setPullName("");
      })
      .catch((err: unknown) => setError(errorText(err)));
  };
  const onImport = (e: FormEvent) => {
    e.preventDefault();
    importModel({ name: imp.name.trim(), path: imp.path.trim() })
      .then((j) => {
        upsert(j);
        setImp({ name: "", path: "" });
      })
      .catch((err: unknown) => setError(errorText(err)));
  };
  const onDelete = (name: string) => {
    if (!window.confirm(`Delete ${name} from Ollama? This frees its disk space.`)) return;
    deleteModel(name)
      .then(refresh)
      .catch((err: unknown) => setError(errorText(err)));
  };
  const browse = async (dir: boolean) => {
    const p = await pickPath(dir);
    if (p) setImp((s) => ({ ...s, path: p }));
  };

  return (
    <section>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <div className="cards">
        <form className="card" onSubmit={onPull} aria-label="Pull a model">
          <h3>Pull from the Ollama registry</h3>
          <p className="muted small">Needs internet. Try {catalog.filter((c) => !c.offline).map((c) => c.name).join(", ") || "qwen2.5:0.5b"}.</p>
          <div className="row">
            <input placeholder="qwen2.5:0.5b" value={pullName} onChange={(e) => setPullName(e.target.value)} aria-label="Model name to pull" list="catalog-names" />
            <datalist id="catalog-names">
              {catalog.map((c) => (
                <option key={c.id} value={c.name} />
              ))}
            </datalist>
            <button type="submit" disabled={!pullName.trim()}>
              Pull
            </button>
          </div>
        </form>
        <form className="card" onSubmit={onImport} aria-label="Import a model">
          <h3>Import a local model</h3>
          <p className="muted small">A GGUF file, or a safetensors folder with config.json.</p>
          <div className="row">
            <input placeholder="Path on this machine" value={imp.path} onChange={(e) => setImp({ ...imp, path: e.target.value })} aria-label="Model path" />
            <button type="button" onClick={() => void browse(false)} title="Choose a GGUF file">
              File…
            </button>
            <button type="button" onClick={() => void browse(true)} title="Choose a safetensors folder">
              Folder…
            </button>
          </div>
          <div className="row">
            <input placeholder="Name, e.g. smollm2:135m" value={imp.name} onChange={(e) => setImp({ ...imp, name: e.target.value })} aria-label="Model name" />
            <button type="submit" disabled={!imp.name.trim() || !imp.path.trim()}>
              Import
            </button>
          </div>
        </form>
      </div>
      {active.length > 0 && (
        <div className="jobs">
          {active.map((j) => (
            <JobRow key={j.id} job={j} onError={setError} />
          ))}
        </div>
      )}
      <Twins selected={decodeURIComponent(arg)} onSelect={(n) => navigate("models", encodeURIComponent(n))} onError={setError} />
      <h2>Installed</h2>
      {models === null ? (
        error ? null : <p className="muted">Loading…</p>
      ) : models.length === 0 ? (
        <EmptyState title="No models installed" body="Pull a model from the registry or import a local GGUF file or safetensors folder." />
      ) : (
        <table className="table" aria-label="Installed models">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Family</th>
              <th>Parameters</th>
              <th>Quantization</th>
              <th>Size</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={m.name} data-model={m.name}>
                <td>{m.name}</td>
                <td>{m.kind}</td>
                <td>{m.family}</td>
                <td>{m.parameter_size}</td>
                <td>{m.quantization}</td>
                <td className="num">{formatBytes(m.size)}</td>
                <td>
                  <button className="danger" onClick={() => onDelete(m.name)} aria-label={`Delete ${m.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {modelJobs.some((j) => j.status === "failed") && (
        <>
          <h2>Recent failures</h2>
          <div className="jobs">
            {modelJobs
              .filter((j) => j.status === "failed")
              .slice(0, 3)
              .map((j) => (
                <JobRow key={j.id} job={j} onError={setError} />
              ))}
          </div>
        </>
      )}
    </section>
  );
}
