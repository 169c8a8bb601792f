import type { ReactElement } from "react";

export function ErrorBanner({ error, onDismiss }: { error: string | null; onDismiss?: () => void }): ReactElement | null {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      <span>{error}</span>
      {onDismiss && (
        <button className="link" onClick={onDismiss} aria-label="Dismiss error">
          ×
        </button>
      )}
    </div>
  );
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
