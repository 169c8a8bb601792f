export * from "./client";
export * from "./types";
export * from "./system";
export * from "./models";
export * from "./jobs";
export * from "./datasets";
