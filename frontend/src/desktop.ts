// Desktop-only abilities (native file dialogs) through Wails bindings. In a
// browser they are absent and the UI falls back to typing a path.

interface WailsGo {
  app?: { Desktop?: { PickFile?: () => Promise<string>; PickFolder?: () => Promise<string> } };
}

function bindings(): WailsGo["app"] | undefined {
  return (window as unknown as { go?: WailsGo }).go?.app;
}

export const isDesktop = (): boolean => bindings()?.Desktop !== undefined;

/** Opens a native picker in the desktop app; in a browser asks for a path. */
export async function pickPath(dir: boolean): Promise<string> {
  const d = bindings()?.Desktop;
  if (d) {
    const fn = dir ? d.PickFolder : d.PickFile;
    if (fn) return fn();
  }
  return window.prompt(dir ? "Folder path on this machine" : "File path on this machine") ?? "";
}
