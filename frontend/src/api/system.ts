import { request } from "./client";
import type { Settings, SettingsUpdate, Status } from "./types";

export const getStatus = (signal?: AbortSignal) => request<Status>("GET", "/api/v1/status", undefined, signal);
export const getSettings = () => request<Settings>("GET", "/api/v1/settings");
export const putSettings = (s: SettingsUpdate) => request<Settings>("PUT", "/api/v1/settings", s);
