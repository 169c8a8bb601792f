import { useEffect, type ReactElement } from "react";
import { PAGES, navigate, useRoute, type PageId } from "./router";
import { ModelsPage } from "./pages/ModelsPage";
import { JobsPage } from "./pages/JobsPage";
import { SettingsPage } from "./pages/SettingsPage";
import { EmptyState } from "./components/EmptyState";
import { JobsProvider } from "./components/JobsContext";
import { TokenPrompt } from "./components/TokenPrompt";

const placeholders: Record<string, { title: string; body: string }> = {
  sources: { title: "No sources yet", body: "Adding blogs, platforms and export archives arrives with the data collection pipeline." },
  documents: { title: "No documents yet", body: "Documents appear here once a source has been crawled or imported." },
  search: { title: "Nothing to search yet", body: "Search works once documents are chunked and indexed." },
  datasets: { title: "No datasets yet", body: "Instruct and preference datasets are built from your indexed writing." },
  training: { title: "No training runs yet", body: "Fine-tuning starts from a dataset version." },
  chat: { title: "Chat is not available yet", body: "Chat with your twin arrives with the inference pipeline." },
  traces: { title: "No traces yet", body: "Every chat request will be traced here." },
};

/** Pages that other capabilities register (see pages/registry.ts). */
import { extraPages } from "./pages/registry";

function Page({ page, arg }: { page: PageId; arg: string }): ReactElement {
  const Extra = extraPages[page];
  if (Extra) return <Extra arg={arg} />;
  switch (page) {
    case "models":
      return <ModelsPage arg={arg} />;
    case "jobs":
      return <JobsPage />;
    case "settings":
      return <SettingsPage />;
    default: {
      const p = placeholders[page] ?? { title: "Nothing here", body: "" };
      return <EmptyState title={p.title} body={p.body} />;
    }
  }
}

export function App(): ReactElement {
  const { page, arg } = useRoute();
  useEffect(() => {
    // Alt+digit jumps between pages.
    const on = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const target = PAGES.find((p) => p.key === e.key);
      if (target) {
        e.preventDefault();
        navigate(target.id);
      }
    };
    window.addEventListener("keydown", on);
    return () => window.removeEventListener("keydown", on);
  }, []);
  const current = PAGES.find((p) => p.id === page);
  return (
    <JobsProvider>
      <div className="shell">
        <nav className="nav" aria-label="Pipeline">
          <div className="brand">Doppel</div>
          {PAGES.map((p) => (
            <a
              key={p.id}
              href={`#/${p.id}`}
              className={p.id === page ? "active" : ""}
              aria-current={p.id === page ? "page" : undefined}
              title={`${p.label} (Alt+${p.key})`}
            >
              {p.label}
            </a>
          ))}
        </nav>
        <main className="main">
          <h1>{current?.label}</h1>
          <Page page={page} arg={arg} />
        </main>
      </div>
      <TokenPrompt />
    </JobsProvider>
  );
}
