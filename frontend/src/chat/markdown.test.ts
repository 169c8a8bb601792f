import { describe, expect, it } from "vitest";
import { citationHref, linkCitations, renderMarkdown } from "./markdown";
import type { Citation } from "../api";

const cite = (n: number, doc: number, chunk: number): Citation => ({
  n, url: `https://x.example/${doc}`, title: `Doc "${doc}"`, doc_id: doc, chunk_id: chunk, score: 0.5, start: 0, end: 1, cited: true,
});

describe("renderMarkdown", () => {
  it("renders Markdown", () => {
    const html = renderMarkdown("**bold** and `code`\n\n- item");
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain("<code>code</code>");
    expect(html).toContain("<li>item</li>");
  });

  it.each([
    ["<script>alert(1)</script>", "<script"],
    ['<img src=x onerror="alert(1)">', "onerror"],
    ["[click](javascript:alert(1))", "javascript:"],
    ['<a href="javascript:alert(1)">x</a>', "javascript:"],
    ['<iframe src="https://evil.example"></iframe>', "<iframe"],
    ['<svg onload="alert(1)"></svg>', "onload"],
    ['<div style="background:url(x)">x</div>', "style="],
    ["<form action=/api/v1/settings><button>go</button></form>", "<form"],
    ["[x](data:text/html;base64,PHNjcmlwdD4=)", "data:"],
  ])("removes active content from %s", (input, bad) => {
    expect(renderMarkdown(input).toLowerCase()).not.toContain(bad);
  });

  it("opens external links outside the app", () => {
    const html = renderMarkdown("[site](https://example.com)");
    expect(html).toContain('target="_blank"');
    expect(html).toContain("noopener");
  });

  it("links [n] to the cited chunk", () => {
    const html = renderMarkdown("As I wrote [1] and [2], not [3].", [cite(1, 10, 100), cite(2, 20, 200)]);
    expect(html).toContain(`href="${citationHref({ doc_id: 10, chunk_id: 100, start: 0, end: 1 }).replace(/&/g, "&amp;")}"`);
    expect(html).toContain("href=\"#/documents/20?chunk=200&amp;start=0&amp;end=1\"");
    expect(html).toContain("[3]");
    expect(html).not.toContain('target="_blank"');
  });

  it("leaves text without citations alone", () => {
    expect(linkCitations("a [1] b", [])).toBe("a [1] b");
  });
});
