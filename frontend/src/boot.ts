// Loaded before the app (its own module script, so it runs first).

// WebKitGTK reports navigator.language as "C" under the C/POSIX locale (LANG
// unset), which Intl rejects; libraries that format numbers at load time
// (uPlot) would then throw and leave the window blank. Fall back to en-US.
try {
  new Intl.NumberFormat(navigator.language);
} catch {
  Object.defineProperty(Navigator.prototype, "language", { get: () => "en-US", configurable: true });
  Object.defineProperty(Navigator.prototype, "languages", { get: () => ["en-US"], configurable: true });
}

// Uncaught errors in the page (in the desktop window
// there is no devtools console) are sent to the backend, which logs them.
function report(message: string, where: string): void {
  void fetch("/api/v1/client-errors", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ message: message.slice(0, 2000), where: where.slice(0, 500) }),
  }).catch(() => {});
}

window.addEventListener("error", (e: ErrorEvent) => {
  report(String(e.message || e.error), `${e.filename ?? ""}:${e.lineno ?? 0}:${e.colno ?? 0}`);
});
window.addEventListener("unhandledrejection", (e: PromiseRejectionEvent) => {
  report(String(e.reason instanceof Error ? `${e.reason.name}: ${e.reason.message}` : e.reason), "unhandled promise rejection");
});

export {};
