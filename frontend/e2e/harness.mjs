// Shared harness for the end-to-end tests: starts a real `doppel serve` on a
// free loopback port with a fresh data dir (pointed at the test Ollama that
// scripts/test.sh started), and a real Debian Chromium through playwright-core.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DOPPEL = join(ROOT, "bin", "doppel");
export const OLLAMA_URL = process.env.DOPPEL_TEST_OLLAMA_URL ?? "";
export const MODELS_DIR = process.env.DOPPEL_TEST_MODELS_DIR ?? join(process.env.HOME ?? "", ".cache", "doppel", "models");

export async function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on("error", rej);
  });
}

/** Runs the doppel CLI against a data dir; resolves with {code, stdout, stderr}. */
export function doppel(args, { dataDir, env = {} } = {}) {
  return new Promise((res) => {
    const p = spawn(DOPPEL, dataDir ? ["--data-dir", dataDir, ...args] : args, {
      env: { ...process.env, ...(OLLAMA_URL ? { OLLAMA_HOST: OLLAMA_URL } : {}), ...env },
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => res({ code, stdout, stderr }));
  });
}

/**
 * Starts `doppel serve` and Chromium. Returns {baseURL, dataDir, page, browser, close}.
 * Call close() in an after() hook.
 */
export async function start({ env = {}, args = [] } = {}) {
  if (!OLLAMA_URL && process.env.DOPPEL_REQUIRE_OLLAMA === "1") throw new Error("DOPPEL_TEST_OLLAMA_URL is not set");
  const dataDir = mkdtempSync(join(tmpdir(), "doppel-e2e-"));
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const server = spawn(DOPPEL, ["--data-dir", dataDir, "serve", "--addr", `127.0.0.1:${port}`, ...args], {
    env: { ...process.env, ...(OLLAMA_URL ? { OLLAMA_HOST: OLLAMA_URL } : {}), ...env },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      const r = await fetch(`${baseURL}/api/v1/settings`);
      if (r.status < 500) break; // 401 when started with --token
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`doppel serve did not start on ${baseURL}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  return {
    baseURL,
    dataDir,
    page,
    browser,
    /** Uncaught page errors seen so far (tests assert it stays empty). */
    pageErrors: errors,
    async close() {
      await browser.close().catch(() => {});
      server.kill("SIGTERM");
      await new Promise((r) => server.once("exit", r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
