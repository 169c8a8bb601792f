import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { writeFileSync } from "node:fs";

// go:embed needs dist/ to hold a file even before the first build; keep it.
const keepDist = { name: "keep-dist", closeBundle() { writeFileSync("dist/.keep", ""); } };

// `npm run dev` proxies the API to a running `doppel serve`.
export default defineConfig({
  plugins: [react(), keepDist],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { "/api": "http://127.0.0.1:8765", "/v1": "http://127.0.0.1:8765" } },
  test: { environment: "jsdom", globals: true, include: ["src/**/*.test.{ts,tsx}"] },
});
