// The Datasets page in a real browser against `doppel serve`. Documents are
// seeded straight into the server's SQLite file by spawning python3 (its
// sqlite3 module) with e2e/seed-documents.py, from the fixture corpus of
// backend/dataset/testdata/corpus: one author's blog posts, social posts, a
// code README and notes.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, doppel, start } from "./harness.mjs";

const CORPUS = join(ROOT, "backend", "dataset", "testdata", "corpus");

function seed(dataDir, posts = 0) {
  const r = spawnSync("python3", [join(ROOT, "frontend", "e2e", "seed-documents.py"), join(dataDir, "doppel.db"), CORPUS, String(posts)], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `seeding failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

let h;
let out;
before(async () => {
  h = await start();
  out = mkdtempSync(join(tmpdir(), "doppel-e2e-export-"));
});
after(async () => {
  await h?.close();
  if (out) rmSync(out, { recursive: true, force: true });
});

const currentVersion = async (page) => (await page.getByTestId("current-version").innerText()).trim();

test("build, curate and export a dataset on the Datasets page", async () => {
  const { page, baseURL, dataDir } = h;
  await page.goto(`${baseURL}/#/datasets`);
  await page.getByText("No dataset versions yet").waitFor();
  assert.equal(seed(dataDir), 12);

  // Build with the heuristic generator: the job shows, then the version.
  await page.getByRole("button", { name: "Build", exact: true }).click();
  const versions = page.getByRole("table", { name: "Dataset versions" });
  try {
    await versions.waitFor({ timeout: 60000 });
  } catch (err) {
    // Say what the build job and the page said (this has timed out once in CI).
    const jobs = await (await fetch(`${baseURL}/api/v1/jobs`)).text();
    const alerts = await page.getByRole("alert").allInnerTexts();
    throw new Error(`${err.message}\njobs: ${jobs}\nalerts: ${JSON.stringify(alerts)}`);
  }
  await page.getByTestId("stat-samples").waitFor();
  assert.match(await page.getByTestId("stat-samples").innerText(), /^9 \(7 train, 2 test\) from 7 documents/);
  // The version names the job that built it; a heuristic build's tokens are a labelled estimate.
  assert.match(await page.getByTestId("version-job").innerText(), /^job \d+$/);
  assert.match(await page.getByTestId("tokens-label").innerText(), /^\(estimate: characters ÷ 4\)$/);
  const dropped = await page.getByRole("list", { name: "Dropped" }).innerText();
  for (const reason of ["near_duplicate", "language", "boilerplate", "length"]) assert.match(dropped, new RegExp(reason));
  assert.ok(await page.locator(".histogram canvas").count(), "the length histogram is drawn");
  const v1 = await currentVersion(page);

  // Search.
  const rows = page.locator(".samples-scroll [data-sample]");
  await rows.first().waitFor();
  assert.equal(await rows.count(), 9);
  await page.getByLabel("Search samples").fill("tinyqueue");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.getByTestId("sample-count").getByText("2 samples").waitFor();
  await page.getByLabel("Search samples").fill("");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.getByTestId("sample-count").getByText("9 samples").waitFor();
  await page.getByLabel("Filter by kind").selectOption("code");
  await page.getByTestId("sample-count").getByText("1 samples").waitFor();
  await page.getByLabel("Filter by kind").selectOption("");

  // Approve one sample: a new version, the old one untouched.
  const first = rows.first();
  const firstId = await first.getAttribute("data-sample");
  await page.getByRole("button", { name: `Approve sample ${firstId}` }).click();
  await page.waitForFunction((old) => document.querySelector('[data-testid="current-version"]')?.textContent?.trim() !== old, v1);
  const v2 = await currentVersion(page);
  await page.locator(`[data-sample="${firstId}"] .badge-approved`).waitFor();

  // Bulk: select two and reject them.
  const ids = await rows.evaluateAll((els) => els.slice(1, 3).map((e) => e.getAttribute("data-sample")));
  for (const id of ids) await page.getByLabel(`Select sample ${id}`).check();
  await page.getByRole("button", { name: "Reject selected" }).click();
  await page.waitForFunction((old) => document.querySelector('[data-testid="current-version"]')?.textContent?.trim() !== old, v2);
  const v3 = await currentVersion(page);
  assert.match(await page.getByRole("list", { name: "By status" }).innerText(), /rejected\s*2/);

  // Inline edit.
  const editId = await rows.nth(3).getAttribute("data-sample");
  await page.getByRole("button", { name: `Edit sample ${editId}` }).click();
  const answer = page.getByLabel("Answer", { exact: true });
  await answer.fill((await answer.inputValue()) + "\n\nA line I added while reviewing in the browser.");
  await page.getByRole("button", { name: "Save as new version" }).click();
  await page.waitForFunction((old) => document.querySelector('[data-testid="current-version"]')?.textContent?.trim() !== old, v3);
  await page.getByLabel("Search samples").fill("added while reviewing");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.getByTestId("sample-count").getByText("1 samples").waitFor();
  assert.equal(await versions.locator("tbody tr").count(), 4, "every edit is a version; none was overwritten");

  // Export: the folder appears; a second export into it is refused.
  const dir = join(out, "messages");
  await page.getByLabel("Export folder").fill(dir);
  await page.getByRole("button", { name: "Export", exact: true }).click();
  const done = page.getByText(/Exported \d+ train and \d+ test samples \(2 rejected left out\)/);
  await done.waitFor();
  const [, nTrain, nTest] = (await done.innerText()).match(/Exported (\d+) train and (\d+) test/);
  assert.equal(Number(nTrain) + Number(nTest), 7, "9 samples less the 2 rejected");
  const train = readFileSync(join(dir, "train.jsonl"), "utf8").trim().split("\n");
  assert.equal(train.length, Number(nTrain));
  assert.ok(JSON.parse(train[0]).messages.some((m) => m.role === "assistant"));
  assert.match(readFileSync(join(dir, "README.md"), "utf8"), /generator \| heuristic/);
  await page.getByRole("button", { name: "Export", exact: true }).click();
  await page.getByRole("alert").getByText(/exists and is not empty/).waitFor();

  // The CLI sees the same versions.
  const list = await doppel(["dataset", "list", "--json"], { dataDir });
  assert.equal(list.code, 0, list.stderr);
  assert.equal(JSON.parse(list.stdout).length, 4);
  mkdirSync(join(ROOT, "docs", "screenshots"), { recursive: true });
  await page.screenshot({ path: join(ROOT, "docs", "screenshots", "datasets-browser.png"), fullPage: true });
  assert.deepEqual(h.pageErrors, []);
});

test("a 50k-sample version stays fast: few rows in the DOM, far rows load on scroll", async () => {
  const { page, baseURL, dataDir } = h;
  const added = seed(dataDir, 56000);
  assert.equal(added, 56000);
  const build = await doppel(["dataset", "build", "--json"], { dataDir });
  assert.equal(build.code, 0, build.stderr);
  const res = JSON.parse(build.stdout);
  assert.ok(res.train + res.test >= 50000, `only ${res.train + res.test} samples`);
  await page.goto(`${baseURL}/#/datasets/${res.version}`);
  // A fresh page: the first test left a search filter in place.
  const t0 = Date.now();
  await page.reload();
  const rows = page.locator(".samples-scroll [data-sample]");
  await rows.first().waitFor({ timeout: 30000 });
  const firstPaint = Date.now() - t0;
  const inDom = await page.locator(".samples-scroll [role=row]").count();
  assert.ok(inDom < 80, `${inDom} rows in the DOM for ${res.train + res.test} samples`);
  // Jump to the end: the last row is fetched and drawn.
  const t1 = Date.now();
  await page.getByTestId("samples-scroll").evaluate((el) => (el.scrollTop = el.scrollHeight));
  const total = res.train + res.test;
  await page.locator(`.samples-scroll [aria-rowindex="${total}"][data-sample]`).waitFor({ timeout: 15000 });
  const jump = Date.now() - t1;
  console.log(`# 50k samples: first rows ${firstPaint} ms, jump to row ${total} ${jump} ms, ${inDom} rows in the DOM`);
  assert.ok(jump < 5000, `jumping to the end took ${jump} ms`);
  assert.deepEqual(h.pageErrors, []);
});
