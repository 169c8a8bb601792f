// The Chat and Traces pages in a real browser against `doppel serve` and the
// test Ollama: ask a question, watch the answer stream in, stop it, find the
// trace on the Traces page and rate it; crawled text in an answer is
// rendered sanitized; a citation opens its document (once search exists).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { ROOT, doppel, start } from "./harness.mjs";

const CHAT_MODEL = process.env.DOPPEL_TEST_CHAT_MODEL ?? "smollm2:135m";
let h;
before(async () => {
  h = await start();
  // The twin alias runs on the test chat model.
  const r = await fetch(`${h.baseURL}/api/v1/settings`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ chat_model: CHAT_MODEL }),
  });
  assert.equal(r.status, 200);
});
after(async () => {
  await h?.close();
});

test("ask on the Chat page, see the answer stream, stop it, find and rate its trace", async () => {
  const { page, baseURL } = h;
  await page.goto(`${baseURL}/#/chat`);
  await page.getByRole("heading", { name: "Chat", exact: true }).waitFor();
  await page.getByLabel("Question").fill("What do you write about? Tell me a long story about it.");
  await page.getByRole("button", { name: "Send", exact: true }).click();

  // Tokens arrive one after another in the streaming message.
  const streaming = page.locator('article[data-streaming="true"] .markdown');
  await streaming.waitFor({ timeout: 120000 });
  const first = (await streaming.innerText()).length;
  await page.waitForFunction(
    (n) => (document.querySelector('article[data-streaming="true"] .markdown')?.textContent ?? "").length > n + 10,
    first,
    { timeout: 120000 },
  );
  await page.screenshot({ path: join(ROOT, "docs", "screenshots", "chat-browser.png") });

  // Stop keeps what was streamed.
  await page.getByRole("button", { name: "Stop" }).click();
  const stored = page.locator('article[data-role="assistant"][data-status="cancelled"]');
  await stored.waitFor({ timeout: 30000 });
  assert.ok((await stored.locator(".markdown").innerText()).length > 0, "the stopped answer keeps its text");
  assert.match(await page.locator(".conv-list").innerText(), /What do you write about/, "the conversation is listed under its question");

  // Its trace is on the Traces page.
  const traceLink = stored.getByRole("link", { name: /Trace #\d+/ });
  const traceId = (await traceLink.innerText()).replace(/\D/g, "");
  await page.goto(`${baseURL}/#/traces`);
  const row = page.locator(`tr[data-trace="${traceId}"]`);
  await row.waitFor({ timeout: 30000 });
  const rowText = await row.innerText();
  assert.match(rowText, /ui/);
  assert.match(rowText, /disconnected/, "a stopped answer is marked as a client disconnect");
  await row.click();
  await page.locator(`[data-trace="${traceId}"] h2`).waitFor();
  assert.match(await page.locator('[data-testid="trace-answer"]').innerText(), /\S/);
  assert.match(await page.locator(".trace-grid").innerText(), /doppel-rag v1/, "template name and version are shown");
  await page.getByLabel("Feedback note").fill("sounds like me");
  await page.getByRole("button", { name: /Thumbs up/ }).click();
  await page.waitForFunction(() => document.querySelector('button[aria-pressed="true"]')?.textContent?.includes("Thumbs up"));
  const tr = await (await fetch(`${baseURL}/api/v1/traces/${traceId}`)).json();
  assert.equal(tr.feedback.rating, 1);
  assert.equal(tr.feedback.note, "sounds like me");
  await page.screenshot({ path: join(ROOT, "docs", "screenshots", "traces-browser.png") });

  // Export gives JSON Lines with this trace.
  const jsonl = await (await fetch(`${baseURL}/api/v1/traces/export`)).text();
  const ids = jsonl.trim().split("\n").map((l) => JSON.parse(l).id);
  assert.ok(ids.includes(Number(traceId)));
  assert.deepEqual(h.pageErrors, []);
});

test("crawled text in an answer never runs script", async () => {
  const { page, baseURL } = h;
  const conv = await (
    await fetch(`${baseURL}/api/v1/chat/conversations`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })
  ).json();
  // The model cannot be made to echo an attack on demand, so this one
  // response is replaced: an answer quoting hostile document text.
  const hostile = [
    "As I wrote [1]:",
    "<script>window.__pwned = 1</script>",
    '<img src=x onerror="window.__pwned = 2">',
    "[click me](javascript:window.__pwned=3)",
    '<a href="javascript:window.__pwned=4">link</a>',
    '<svg onload="window.__pwned=5"></svg>',
    '<iframe src="javascript:window.__pwned=6"></iframe>',
  ].join("\n\n");
  await page.route(`**/api/v1/chat/conversations/${conv.id}`, async (route) => {
    await route.fulfill({
      contentType: "application/json",
      body: JSON.stringify({
        ...conv,
        messages: [
          { id: 1, role: "user", content: "q", citations: [], status: "ok", created_at: conv.created_at },
          {
            id: 2, role: "assistant", content: hostile, status: "ok", created_at: conv.created_at, trace_id: 0,
            citations: [{ n: 1, url: "https://blog.example/evil", title: "Evil", doc_id: 4, chunk_id: 9, score: 0.5, start: 0, end: 1, cited: true }],
          },
        ],
      }),
    });
  });
  let dialogs = 0;
  page.on("dialog", (d) => {
    dialogs++;
    void d.dismiss();
  });
  await page.goto(`${baseURL}/#/chat/${conv.id}`);
  const answer = page.locator('article[data-role="assistant"] .markdown');
  await answer.waitFor();
  for (const a of await answer.locator("a").all()) await a.click({ trial: true }).catch(() => {});
  const html = await answer.innerHTML();
  assert.doesNotMatch(html, /<script|onerror|onload|javascript:|<iframe|<svg/i);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(dialogs, 0);
  assert.equal(await answer.locator('a[href^="#/documents/4?chunk=9&"]').count(), 1, "[1] links to the cited chunk");
  await page.unroute(`**/api/v1/chat/conversations/${conv.id}`);
});

test("ask on the Chat page with RAG and open a citation at the right document", async () => {
  const { page, baseURL, dataDir } = h;
  // Real writing in the data dir: a notes folder imported and indexed by the
  // CLI on the same data dir the server uses (BM25; no embedding model).
  const notes = mkdtempSync(join(tmpdir(), "doppel-notes-"));
  writeFileSync(join(notes, "sourdough.md"), "---\ntitle: Feeding my sourdough starter\n---\n\nI feed my sourdough starter twice a day with rye flour and water at equal weight. A lively starter doubles in four hours and smells of yoghurt.\n");
  writeFileSync(join(notes, "cycling.md"), "---\ntitle: Winter cycling\n---\n\nIn winter I ride to work on studded tyres and keep the chain clean with wax.\n");
  let r = await doppel(["import", notes], { dataDir });
  assert.equal(r.code, 0, r.stderr);
  r = await doppel(["index", "--json"], { dataDir });
  assert.equal(r.code, 0, r.stderr);
  rmSync(notes, { recursive: true, force: true });

  await page.goto(`${baseURL}/#/chat`);
  await page.getByRole("button", { name: /new/i }).first().click().catch(() => {});
  await page.getByLabel("Question").fill("How do you feed your sourdough starter?");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  const link = page.locator("a[data-citation]").filter({ hasText: "Feeding my sourdough starter" }).first();
  await link.waitFor({ timeout: 180000 });
  const href = await link.getAttribute("href");
  assert.match(href, /^#\/documents\/\d+\?chunk=\d+&start=\d+&end=\d+$/);
  await link.click();
  await page.getByRole("heading", { name: "Documents", exact: true }).waitFor();
  const view = page.getByTestId("document-view");
  await view.getByRole("heading", { name: "Feeding my sourdough starter" }).waitFor();
  const passage = page.getByTestId("cited-passage");
  await passage.waitFor();
  assert.match(await passage.innerText(), /rye flour/);
  await page.screenshot({ path: join(ROOT, "docs", "screenshots", "citation-browser.png") });
});
