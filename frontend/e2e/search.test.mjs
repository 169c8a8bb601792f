// Search page against a real `doppel serve` and Chromium: documents are
// seeded with plain SQL (e2e/seed_documents.py), indexed through the REST
// API (BM25 only: no embedding model is configured), then searched in the UI.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ROOT, start } from "./harness.mjs";

let h;
before(async () => {
  h = await start();
  const n = execFileSync("python3", [
    join(ROOT, "frontend", "e2e", "seed_documents.py"),
    join(h.dataDir, "doppel.db"),
    join(ROOT, "backend", "feature", "testdata", "corpus.jsonl"),
  ]).toString().trim();
  assert.ok(Number(n) > 30, `seeded ${n} documents`);
  const r = await fetch(`${h.baseURL}/api/v1/index`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  assert.equal(r.status, 202);
  const job = await r.json();
  for (let i = 0; ; i++) {
    const j = await (await fetch(`${h.baseURL}/api/v1/jobs/${job.id}`)).json();
    if (j.status === "succeeded") break;
    assert.ok(!["failed", "cancelled", "interrupted"].includes(j.status), `index job ${j.status}: ${j.error}`);
    assert.ok(i < 300, "index job did not finish");
    await new Promise((res) => setTimeout(res, 100));
  }
});
after(async () => h && (await h.close()));

test("search page finds, highlights and links chunks; filters by kind", async () => {
  const { page, baseURL } = h;
  await page.goto(`${baseURL}/#/search`);
  await page.getByRole("heading", { name: "Search", exact: true }).waitFor();
  await page.getByTestId("search-index-line").getByText(/full-text only/).waitFor();
  // Without an embedding model, vector and hybrid cannot be chosen.
  assert.equal(await page.getByRole("button", { name: "hybrid", exact: true }).isDisabled(), true);

  await page.getByLabel("Search query").fill("studded tyres on black ice");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const results = page.getByRole("list", { name: "Search results" });
  await results.waitFor();
  const first = results.locator("li").first();
  const link = first.getByRole("link");
  assert.match(await link.textContent(), /Cycling to work/);
  assert.match(await link.getAttribute("href"), /^#\/documents\/\d+\?chunk=\d+&start=\d+&end=\d+$/);
  const marks = await first.locator("mark").allTextContents();
  assert.ok(marks.some((m) => m.toLowerCase() === "tyres"), `highlighted: ${marks}`);

  // Markup in a query is text, never HTML.
  await page.getByLabel("Search query").fill('<img src=x onerror="window.__xss=1"> sourdough "NEAR( *');
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await results.locator("li").first().getByRole("link", { name: /sourdough/i }).waitFor();
  assert.equal(await page.locator(".hits img").count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);

  // The kind filter keeps only posts.
  await page.getByLabel("Search query").fill("sqlite postgres");
  await page.getByRole("button", { name: "post", exact: true }).click();
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.waitForFunction(() => {
    const badges = [...document.querySelectorAll(".hits li")].map((li) => li.querySelector(".badge")?.textContent);
    return badges.length > 0 && badges.every((b) => b === "post");
  });

  // An empty result is an honest empty state.
  await page.getByLabel("Search query").fill("zeppelinxyz");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.getByText("No matches").waitFor();
  assert.deepEqual(h.pageErrors, []);
});
