import { useEffect, useState, type FormEvent, type ReactElement } from "react";
import { setToken, UNAUTHORIZED_EVENT } from "../api";

/**
 * Asks for the bearer token when `doppel serve` runs with --token and the
 * API answers 401. The token is kept in this browser's localStorage only.
 */
export function TokenPrompt(): ReactElement | null {
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState("");
  useEffect(() => {
    const on = () => setOpen(true);
    window.addEventListener(UNAUTHORIZED_EVENT, on);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, on);
  }, []);
  if (!open) return null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setToken(value.trim());
    window.location.reload();
  };
  return (
    <div className="overlay" role="dialog" aria-modal="true" aria-labelledby="token-title">
      <form className="card dialog" onSubmit={submit}>
        <h3 id="token-title">This Doppel server needs a token</h3>
        <p className="muted small">It was started with --token (or DOPPEL_TOKEN). Paste it here; it stays in this browser.</p>
        <div className="row">
          <input type="password" autoFocus value={value} onChange={(e) => setValue(e.target.value)} aria-label="Access token" />
          <button type="submit" disabled={!value.trim()}>
            Unlock
          </button>
        </div>
      </form>
    </div>
  );
}
