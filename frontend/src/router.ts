import { useEffect, useState } from "react";

/** The pages of the app, in navigation order, one per pipeline stage. */
export const PAGES = [
  { id: "sources", label: "Sources", key: "1" },
  { id: "documents", label: "Documents", key: "2" },
  { id: "search", label: "Search", key: "3" },
  { id: "datasets", label: "Datasets", key: "4" },
  { id: "training", label: "Training", key: "5" },
  { id: "models", label: "Models", key: "6" },
  { id: "chat", label: "Chat", key: "7" },
  { id: "traces", label: "Traces", key: "8" },
  { id: "jobs", label: "Jobs", key: "9" },
  { id: "settings", label: "Settings", key: "0" },
] as const;

export type PageId = (typeof PAGES)[number]["id"];

function parse(hash: string): { page: PageId; arg: string } {
  const [p = "", ...rest] = hash.replace(/^#\/?/, "").split("/");
  const page = PAGES.find((x) => x.id === p)?.id ?? "models";
  return { page, arg: rest.join("/") };
}

/** Hash routing (#/page/arg): works the same under wails:// and http://. */
export function useRoute(): { page: PageId; arg: string } {
  const [route, setRoute] = useState(() => parse(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parse(window.location.hash));
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}

export function navigate(page: PageId, arg = ""): void {
  window.location.hash = `#/${page}${arg ? `/${arg}` : ""}`;
}
