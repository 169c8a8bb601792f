// The Sources and Documents pages in a real browser: add a tiny site served
// by this test on 127.0.0.1, watch the crawl finish, read the stored post;
// import a notes folder whose Markdown carries an XSS attempt and check
// that the rendered document is sanitized; exclude a document.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, start } from "./harness.mjs";

const post = (title, body) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta property="og:type" content="article"><meta property="article:published_time" content="2024-06-01T10:00:00Z"></head>
<body><header><nav><a href="/">Home</a></nav></header><main><article><h1>${title}</h1>${body}</article></main>
<footer>© 2024 footer text that must not be stored</footer></body></html>`;

const pages = {
  "/robots.txt": ["text/plain", "User-agent: *\nDisallow: /private/\n"],
  "/": ["text/html", `<html><body class="home"><h1>E2E blog</h1><ul><li><a href="/posts/hello/">Hello</a></li><li><a href="/posts/second/">Second</a></li><li><a href="/private/x/">x</a></li></ul></body></html>`],
  "/posts/hello/": ["text/html", post("Hello from the e2e site", "<p>This post was crawled by Doppel during a browser test. It has a list:</p><ul><li>first item</li><li>second item</li></ul><h2>A heading</h2><p>And some <code>code</code>.</p>")],
  "/posts/second/": ["text/html", post("A second post", "<p>Another post on the tiny site, with enough words to be kept as an article by the extractor.</p>")],
};

let h;
let site;
let siteURL;
let notes;
before(async () => {
  h = await start();
  site = createServer((req, res) => {
    const p = pages[new URL(req.url, "http://x").pathname];
    if (!p) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "Content-Type": p[0] }).end(p[1]);
  });
  await new Promise((r) => site.listen(0, "127.0.0.1", r));
  siteURL = `http://127.0.0.1:${site.address().port}/`;
  notes = mkdtempSync(join(tmpdir(), "doppel-e2e-notes-"));
  writeFileSync(
    join(notes, "xss-note.md"),
    '---\ntitle: XSS attempt note\ndate: 2024-05-01\n---\nA note with raw HTML.\n\n<img src="x" onerror="window.__xss = 1">\n\n<script>window.__xss = 2</script>\n\n[bad link](javascript:window.__xss=3)\n',
  );
});
after(async () => {
  await h?.close();
  site?.close();
  if (notes) rmSync(notes, { recursive: true, force: true });
});

test("crawl a site from the Sources page and read its documents", async () => {
  const { page, baseURL } = h;
  await page.goto(`${baseURL}/#/sources`);
  await page.getByRole("heading", { name: "Sources", exact: true }).waitFor();
  await page.getByText("No sources yet").waitFor();
  await page.getByLabel("Site URL").fill(siteURL);
  await page.getByRole("button", { name: "Crawl site" }).click();
  const card = page.locator('[data-testid^="source-"]').filter({ hasText: siteURL });
  const result = card.getByTestId("last-result");
  await result.waitFor({ timeout: 30000 });
  assert.match(await result.innerText(), /2 new/);
  // The errors count reads the same in the summary line and above the list.
  const errorsSummary = card.locator("details > summary");
  const label = await errorsSummary.innerText();
  assert.match(label, /^\d+ errors?$/);
  assert.ok((await result.innerText()).includes(` · ${label}`), `summary line says ${label}`);
  await errorsSummary.click();
  await page.screenshot({ path: join(ROOT, "docs", "screenshots", "sources-browser.png") });
  assert.match(await card.innerText(), /disallowed by robots\.txt/);

  await card.getByRole("button", { name: /2 documents/ }).click();
  await page.getByRole("heading", { name: "Documents", exact: true }).waitFor();
  const table = page.getByRole("table", { name: "Documents" });
  await table.getByRole("button", { name: "Hello from the e2e site" }).click();
  const view = page.getByTestId("document-view");
  await view.getByRole("heading", { name: "Hello from the e2e site" }).waitFor();
  const text = await view.innerText();
  assert.match(text, /crawled by Doppel during a browser test/);
  assert.doesNotMatch(text, /footer text that must not be stored/);
  assert.equal(await view.locator(".markdown li").count(), 2, "the list is rendered as a list");
  assert.equal(await view.getByRole("link", { name: `${siteURL}posts/hello/` }).getAttribute("href"), `${siteURL}posts/hello/`);

  await view.getByRole("button", { name: "Exclude" }).click();
  await view.getByText("excluded from training and search").waitFor();
  await table.locator("tr.excluded").first().waitFor();
  await page.screenshot({ path: join(ROOT, "docs", "screenshots", "documents-browser.png") });

  // Delete, then undo: the document is back (still excluded).
  page.once("dialog", (d) => void d.accept());
  await view.getByRole("button", { name: "Delete" }).click();
  const toast = page.getByRole("status").filter({ hasText: "Deleted “Hello from the e2e site”" });
  await toast.waitFor();
  await table.getByRole("button", { name: "Hello from the e2e site" }).waitFor({ state: "detached" });
  await page.getByRole("checkbox", { name: "Deleted" }).check();
  await page.getByRole("table", { name: "Deleted documents" }).getByText("Hello from the e2e site").waitFor();
  await page.getByRole("checkbox", { name: "Deleted" }).uncheck();
  await toast.getByRole("button", { name: "Undo" }).click();
  await view.getByRole("heading", { name: "Hello from the e2e site" }).waitFor();
  await view.getByText("excluded from training and search").waitFor();
  await table.getByRole("button", { name: "Hello from the e2e site" }).waitFor();
  assert.deepEqual(h.pageErrors, []);
});

test("import a notes folder and render its Markdown sanitized", async () => {
  const { page, baseURL } = h;
  await page.goto(`${baseURL}/#/sources`);
  await page.getByLabel("Export or folder path").fill(notes);
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const card = page.locator('[data-testid^="source-"]').filter({ hasText: notes });
  const result = card.getByTestId("last-result");
  await result.waitFor({ timeout: 30000 });
  assert.match(await result.innerText(), /1 new/);

  await page.goto(`${baseURL}/#/documents`);
  await page.getByLabel("Search documents").fill("XSS attempt");
  const table = page.getByRole("table", { name: "Documents" });
  await table.getByRole("button", { name: "XSS attempt note" }).click();
  const view = page.getByTestId("document-view");
  await view.getByText("A note with raw HTML.").waitFor();
  // The stored Markdown really carries the attack; only rendering defuses it.
  const found = await (await fetch(`${baseURL}/api/v1/documents?q=XSS+attempt`)).json();
  const stored = await (await fetch(`${baseURL}/api/v1/documents/${found.documents[0].id}`)).json();
  assert.match(stored.content, /onerror/);
  await page.waitForTimeout(300);
  const html = await view.locator(".markdown").innerHTML();
  assert.doesNotMatch(html, /onerror|<script|javascript:/i);
  assert.equal(await page.evaluate(() => window.__xss), undefined, "no injected script ran");
  assert.deepEqual(h.pageErrors, []);
});

test("a bad URL is refused with a clear error", async () => {
  const { page, baseURL } = h;
  await page.goto(`${baseURL}/#/sources`);
  await page.getByLabel("Site URL").fill("ftp://example.com/");
  await page.getByRole("button", { name: "Crawl site" }).click();
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.innerText(), /ftp:\/\/example\.com/);
});
