import { request } from "./client";
import type { CatalogEntry, ImportRequest, Job, Model } from "./types";

export const listModels = () => request<Model[]>("GET", "/api/v1/models");
export const getCatalog = () => request<CatalogEntry[]>("GET", "/api/v1/models/catalog");
export const pullModel = (name: string) => request<Job>("POST", "/api/v1/models/pull", { name });
export const importModel = (req: ImportRequest) => request<Job>("POST", "/api/v1/models/import", req);
export const deleteModel = (name: string) => request<void>("DELETE", `/api/v1/models/${encodeURIComponent(name)}`);
