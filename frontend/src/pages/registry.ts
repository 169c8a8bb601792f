import type { ComponentType } from "react";
import type { PageId } from "../router";
import { DatasetsPage } from "./DatasetsPage";

/**
 * Pages filled by capabilities beyond the foundation. Each capability adds
 * its page component here; pages not listed show an honest empty state.
 */
export const extraPages: Partial<Record<PageId, ComponentType<{ arg: string }>>> = {
  datasets: DatasetsPage,
};
