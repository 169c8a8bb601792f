import { useEffect, useState, type FormEvent, type ReactElement } from "react";
import { getSettings, getStatus, putSettings, type Settings, type Status } from "../api";
import { ErrorBanner, errorText } from "../components/ErrorBanner";

export function SettingsPage(): ReactElement {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [url, setUrl] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [checking, setChecking] = useState(false);

  const check = () => {
    setChecking(true);
    getStatus()
      .then(setStatus)
      .catch((e: unknown) => setError(errorText(e)))
      .finally(() => setChecking(false));
  };
  useEffect(() => {
    getSettings()
      .then((s) => {
        setSettings(s);
        setUrl(s.ollama_url);
      })
      .catch((e: unknown) => setError(errorText(e)));
    check();
  }, []);

  const onSave = (e: FormEvent) => {
    e.preventDefault();
    putSettings({ ollama_url: url.trim() })
      .then((s) => {
        setSettings(s);
        setSaved(true);
        setTimeout(() => setSaved(false), 2000);
        check();
      })
      .catch((err: unknown) => setError(errorText(err)));
  };

  const o = status?.ollama;
  return (
    <section>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <div className="card">
        <h3>Data</h3>
        <dl className="kv">
          <dt>Data dir</dt>
          <dd data-testid="data-dir">{settings?.data_dir ?? "…"}</dd>
          <dt>Schema version</dt>
          <dd>{status?.schema_version ?? "…"}</dd>
          <dt>Doppel version</dt>
          <dd>{status?.version ?? "…"}</dd>
        </dl>
      </div>
      <form className="card" onSubmit={onSave}>
        <h3>Ollama</h3>
        <dl className="kv">
          <dt>Status</dt>
          <dd data-testid="ollama-status">
            {checking && !o ? "checking…" : o?.reachable ? <span className="ok">reachable · v{o.version}{o.managed ? " · managed by Doppel" : ""}</span> : <span className="error-text">not reachable{o?.error ? `: ${o.error}` : ""}</span>}
          </dd>
          <dt>URL in use</dt>
          <dd>{o?.url || "—"}</dd>
          {settings?.ollama_host_env && (
            <>
              <dt>OLLAMA_HOST</dt>
              <dd>{settings.ollama_host_env}</dd>
            </>
          )}
        </dl>
        <label>
          Ollama URL (empty: use OLLAMA_HOST, else start a private one)
          <div className="row">
            <input value={url} placeholder="http://127.0.0.1:11434" onChange={(e) => setUrl(e.target.value)} aria-label="Ollama URL" />
            <button type="submit">Save</button>
            <button type="button" onClick={check} disabled={checking}>
              {checking ? "Checking…" : "Check"}
            </button>
          </div>
        </label>
        {saved && <span className="ok small">Saved</span>}
      </form>
      {settings && <EvaluationSettings settings={settings} onSaved={setSettings} onError={setError} />}
    </section>
  );
}

/** How evaluations judge and whether they accept a better candidate by themselves. */
function EvaluationSettings({ settings, onSaved, onError }: { settings: Settings; onSaved: (s: Settings) => void; onError: (e: string) => void }): ReactElement {
  const [gate, setGate] = useState(settings.eval_gate);
  const [judge, setJudge] = useState(settings.eval_judge);
  const [saved, setSaved] = useState(false);
  const onSave = (e: FormEvent) => {
    e.preventDefault();
    putSettings({ eval_gate: gate, eval_judge: judge.trim() })
      .then((s) => {
        onSaved(s);
        setSaved(true);
        setTimeout(() => setSaved(false), 2000);
      })
      .catch((err: unknown) => onError(errorText(err)));
  };
  return (
    <form className="card" onSubmit={onSave} aria-label="Evaluation settings">
      <h3>Evaluation</h3>
      <label>
        After an evaluation
        <select value={gate} onChange={(e) => setGate(e.target.value === "auto" ? "auto" : "off")} aria-label="Accept gate">
          <option value="off">advise only: I accept or reject by hand</option>
          <option value="auto">accept a candidate that is at least as good as the accepted twin on every metric</option>
        </select>
      </label>
      <label>
        Judge model (scores accuracy and style 1–3; empty: no judge)
        <div className="row">
          <input value={judge} placeholder="e.g. qwen2.5:0.5b" onChange={(e) => setJudge(e.target.value)} aria-label="Judge model" />
          <button type="submit">Save</button>
        </div>
      </label>
      {saved && <span className="ok small">Saved</span>}
    </form>
  );
}
