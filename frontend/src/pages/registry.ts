import type { ComponentType } from "react";
import type { PageId } from "../router";
import { SourcesPage } from "./SourcesPage";
import { DocumentsPage } from "./DocumentsPage";
import { SearchPage } from "./SearchPage";
import { ChatPage } from "./ChatPage";
import { TracesPage } from "./TracesPage";
import { TrainingPage } from "./TrainingPage";
import { DatasetsPage } from "./DatasetsPage";

/**
 * Pages filled by capabilities beyond the foundation. Each capability adds
 * its page component here; pages not listed show an honest empty state.
 */
export const extraPages: Partial<Record<PageId, ComponentType<{ arg: string }>>> = {
  sources: SourcesPage,
  documents: DocumentsPage,
  search: SearchPage,
  chat: ChatPage,
  traces: TracesPage,
  training: TrainingPage,
  datasets: DatasetsPage,
};
