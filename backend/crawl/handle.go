package crawl

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gocolly/colly/v2"

	"github.com/doppelhq/doppel/backend/documents"
)

// onResponse handles one fetched 200 response: a sitemap, a feed or an
// HTML page.
func (r *run) onResponse(resp *colly.Response) {
	ctx := r.col.Context
	if ctx.Err() != nil {
		return
	}
	u := ctxURL(resp)
	depth := ctxDepth(resp)
	final := Normalize(resp.Request.URL)
	r.mu.Lock()
	r.sum.Fetched++
	r.mu.Unlock()

	if final != u {
		fu := resp.Request.URL
		if !r.sameSite(fu) {
			r.done(ctx, u, pageResult{State: StateSkipped, Reason: "redirects off-site to " + final, Status: resp.StatusCode}, true)
			return
		}
		r.mu.Lock()
		already := r.seen[final]
		r.seen[final] = true
		r.mu.Unlock()
		if already {
			r.done(ctx, u, pageResult{State: StateListing, Reason: "redirects to " + final, Status: resp.StatusCode}, false)
			return
		}
	}
	if len(resp.Body) > r.opts.MaxBody {
		r.done(ctx, u, pageResult{State: StateSkipped, Reason: fmt.Sprintf("body is over the %d-byte cap", r.opts.MaxBody), Status: resp.StatusCode}, true)
		return
	}
	res := pageResult{Status: resp.StatusCode, ETag: resp.Headers.Get("ETag"), LastModified: resp.Headers.Get("Last-Modified")}
	ct := resp.Headers.Get("Content-Type")
	if ct == "" {
		ct = http.DetectContentType(resp.Body)
	}
	m := mediaType(strings.ToLower(ct))
	head := bytes.TrimSpace(resp.Body[:min(len(resp.Body), 512)])
	looksXML := bytes.HasPrefix(head, []byte("<?xml")) || bytes.HasPrefix(head, []byte("<rss")) || bytes.HasPrefix(head, []byte("<feed")) ||
		bytes.HasPrefix(head, []byte("<urlset")) || bytes.HasPrefix(head, []byte("<sitemapindex"))
	isJSON := m == "application/feed+json" || m == "application/json"
	switch {
	case looksXML || (strings.Contains(m, "xml") && m != "application/xhtml+xml") || isJSON:
		r.handleXML(ctx, u, depth, resp.Request.URL, resp.Body, res)
	case m == "text/html" || m == "application/xhtml+xml" || m == "text/plain":
		if strings.Contains(strings.ToLower(ct), "charset=") {
			// colly has already converted the body to UTF-8.
			ct = m + "; charset=utf-8"
		}
		r.handleHTML(ctx, u, final, depth, resp.Request.URL, resp.Body, ct, res)
	default:
		res.State, res.Reason = StateSkipped, "content type "+m+" is not HTML or a feed"
		r.done(ctx, u, res, true)
	}
}

func (r *run) resolveAll(base *url.URL, locs []string) []string {
	out := make([]string, 0, len(locs))
	for _, l := range locs {
		if p, err := base.Parse(l); err == nil {
			out = append(out, Normalize(p))
		}
	}
	return out
}

func (r *run) handleXML(ctx context.Context, u string, depth int, base *url.URL, body []byte, res pageResult) {
	if pages, nested, ok := parseSitemap(body); ok {
		r.enqueue(ctx, r.resolveAll(base, nested), depth)
		r.enqueue(ctx, r.resolveAll(base, pages), depth+1)
		res.State, res.Reason = StateListing, fmt.Sprintf("sitemap (%d pages, %d sitemaps)", len(pages), len(nested))
		r.done(ctx, u, res, false)
		return
	}
	if _, items, ok := parseFeed(body); ok {
		var links []string
		for _, it := range items {
			p, err := base.Parse(it.Link)
			if err != nil || it.Link == "" {
				continue
			}
			link := Normalize(p)
			// Medium pages are script-heavy and its feeds carry the full
			// text: store the post from the feed.
			if it.Content != "" && (r.opts.FeedFullText || isMedium(base) || !r.sameSite(p)) {
				r.storeFeedItem(ctx, link, it, base)
				continue
			}
			r.mu.Lock()
			r.hints[link] = it
			r.mu.Unlock()
			links = append(links, link)
		}
		r.enqueue(ctx, links, depth+1)
		res.State, res.Reason = StateListing, fmt.Sprintf("feed (%d items)", len(items))
		r.done(ctx, u, res, false)
		return
	}
	res.State, res.Reason = StateSkipped, "XML that is neither a sitemap nor a feed"
	r.done(ctx, u, res, true)
}

func isMedium(u *url.URL) bool {
	h := trimWWW(u.Hostname())
	return h == "medium.com" || strings.HasSuffix(h, ".medium.com")
}

// storeFeedItem stores a post from the full content its feed carries.
func (r *run) storeFeedItem(ctx context.Context, link string, it feedItem, base *url.URL) {
	md, err := FeedHTMLToMarkdown(it.Content, it.Title, base)
	if err != nil || strings.TrimSpace(md) == "" {
		r.done(ctx, link, pageResult{State: StateSkipped, Reason: "feed item without text"}, true)
		return
	}
	platform := r.opts.Platform
	if platform == "" {
		platform = platformOf(base, "")
	}
	in := documents.Input{SourceID: r.sum.SourceID, Platform: platform, Kind: documents.Article, URL: link, Title: it.Title,
		Author: it.Author, PublishedAt: it.Published, Tags: it.Tags, Content: strings.TrimSpace(md), Raw: []byte(it.Content),
		ContentType: "text/html; charset=utf-8"}
	r.mu.Lock()
	r.seen[link] = true
	r.mu.Unlock()
	r.store(ctx, link, in, pageResult{Reason: "from feed"})
}

func (r *run) handleHTML(ctx context.Context, u, final string, depth int, pageURL *url.URL, body []byte, ct string, res pageResult) {
	p, err := Extract(body, ct, pageURL)
	if err != nil {
		res.State, res.Reason = StateSkipped, err.Error()
		r.done(ctx, u, res, true)
		return
	}
	r.enqueue(ctx, p.Feeds, depth)
	switch p.Kind {
	case PageRedirect:
		r.enqueue(ctx, []string{p.RedirectTo}, depth)
		res.State, res.Reason = StateListing, p.Reason+" to "+p.RedirectTo
		r.done(ctx, u, res, false)
		return
	case PageListing:
		// Listing pages (home, tags, pagination) lead to posts; following
		// them does not count as depth, so long pagination chains are
		// crawled to the end (MaxPages still bounds the crawl).
		r.enqueue(ctx, p.Links, depth)
		res.State, res.Reason = StateListing, p.Reason
		r.done(ctx, u, res, false)
		return
	case PageEmpty:
		r.enqueue(ctx, p.Links, depth+1)
		res.State, res.Reason = StateSkipped, p.Reason
		r.done(ctx, u, res, true)
		return
	}
	r.enqueue(ctx, p.Links, depth+1)
	r.mu.Lock()
	hint, hasHint := r.hints[u]
	if !hasHint {
		hint, hasHint = r.hints[final]
	}
	r.mu.Unlock()
	if hasHint {
		if p.Published.IsZero() {
			p.Published = hint.Published
		}
		if p.Author == "" {
			p.Author = hint.Author
		}
		if p.Title == "" {
			p.Title = hint.Title
		}
	}
	canonical := final
	if p.Canonical != "" {
		canonical = p.Canonical
	}
	var aliases []string
	for _, a := range []string{final, u} {
		if a != canonical && !contains(aliases, a) {
			aliases = append(aliases, a)
		}
	}
	in := documents.Input{SourceID: r.sum.SourceID, Platform: r.platform(pageURL, p.Generator), Kind: documents.Article,
		URL: canonical, Aliases: aliases, Title: p.Title, Author: p.Author, PublishedAt: p.Published, Language: p.Language,
		Tags: p.Tags, Content: p.Markdown, Raw: body, ContentType: ct, ETag: res.ETag, LastModified: res.LastModified}
	if cu, err := url.Parse(canonical); err == nil && canonical != u && r.sameSite(cu) {
		// The canonical URL is this page: do not fetch it again.
		r.mu.Lock()
		r.seen[canonical] = true
		r.mu.Unlock()
	}
	r.store(ctx, u, in, res)
}

// store hashes and compresses the document here, in the fetching
// goroutine, and leaves the write to the writer.
func (r *run) store(ctx context.Context, u string, in documents.Input, res pageResult) {
	p, err := documents.Prepare(in)
	if err != nil {
		res.State, res.Reason = StateFailed, err.Error()
		r.done(ctx, u, res, true)
		return
	}
	r.w.send(writeOp{url: u, res: res, doc: p})
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// platformOf names the platform of a page from its host and generator.
func platformOf(u *url.URL, generator string) string {
	h := trimWWW(u.Hostname())
	g := strings.ToLower(generator)
	switch {
	case isMedium(u):
		return "medium"
	case strings.HasSuffix(h, ".substack.com") || strings.Contains(g, "substack"):
		return "substack"
	case h == "dev.to":
		return "devto"
	case strings.HasSuffix(h, ".hashnode.dev") || strings.Contains(g, "hashnode"):
		return "hashnode"
	case strings.Contains(g, "wordpress"):
		return "wordpress"
	case strings.Contains(g, "ghost"):
		return "ghost"
	}
	return "site"
}

func (r *run) platform(u *url.URL, generator string) string {
	if r.opts.Platform != "" {
		return r.opts.Platform
	}
	return platformOf(u, generator)
}
