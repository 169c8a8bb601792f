import DOMPurify from "dompurify";
import { marked } from "marked";
import { useMemo, type ReactElement } from "react";

/**
 * Renders Markdown from crawled or imported documents. The text comes from
 * the web, so the HTML marked produces is sanitized with DOMPurify before
 * it reaches the page (no scripts, no event handlers, no javascript: URLs).
 */
export function renderMarkdown(md: string): string {
  const html = marked.parse(md, { async: false, gfm: true });
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true } });
}

export function Markdown({ text }: { text: string }): ReactElement {
  const html = useMemo(() => renderMarkdown(text), [text]);
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
