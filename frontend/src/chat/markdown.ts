// Markdown for answers: parsed by marked, then sanitized by DOMPurify so
// that text from crawled documents (quoted back by the model) can never run
// script or load active content in the app's origin.
import DOMPurify from "dompurify";
import { Marked } from "marked";
import type { Citation } from "../api";

const md = new Marked({ gfm: true, breaks: true, async: false });

/** The in-app link that opens a document at the cited chunk. */
export function citationHref(c: Pick<Citation, "doc_id" | "chunk_id"> & Partial<Pick<Citation, "start" | "end">>): string {
  const range = c.start !== undefined && c.end !== undefined && c.end > c.start ? `&start=${c.start}&end=${c.end}` : "";
  return `#/documents/${c.doc_id}?chunk=${c.chunk_id}${range}`;
}

/** Turns [n] references into links to the cited chunk. */
export function linkCitations(text: string, citations: Citation[]): string {
  if (citations.length === 0) return text;
  const byN = new Map(citations.map((c) => [c.n, c]));
  return text.replace(/\[(\d{1,3})\](?!\()/g, (m, n: string) => {
    const c = byN.get(Number(n));
    return c ? `[\\[${n}\\]](${citationHref(c)} "${c.title.replace(/["\\]/g, "")}")` : m;
  });
}

let hooked = false;

/** Renders Markdown to sanitized HTML (safe for dangerouslySetInnerHTML). */
export function renderMarkdown(text: string, citations: Citation[] = []): string {
  if (!hooked) {
    hooked = true;
    // External links open outside the app, without access to it.
    DOMPurify.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName === "A") {
        const href = node.getAttribute("href") ?? "";
        if (!href.startsWith("#")) {
          node.setAttribute("target", "_blank");
          node.setAttribute("rel", "noopener noreferrer nofollow");
        }
      }
    });
  }
  const html = md.parse(linkCitations(text, citations)) as string;
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ["style", "form", "input", "button", "iframe", "object", "embed", "img", "svg", "math"],
    FORBID_ATTR: ["style"],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#)/i,
  });
}
