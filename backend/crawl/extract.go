package crawl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/strikethrough"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"
	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"github.com/itlightning/dateparse"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// PageKind classifies a fetched HTML page.
type PageKind string

// Page kinds. Only articles are stored as documents; the others are
// followed for links.
const (
	PageArticle  PageKind = "article"
	PageListing  PageKind = "listing"
	PageRedirect PageKind = "redirect"
	// PageEmpty has no main text worth storing.
	PageEmpty PageKind = "empty"
)

// Page is what extraction finds in one HTML page.
type Page struct {
	Kind PageKind
	// Reason says why a page is not an article ("tag page", "meta refresh").
	Reason    string
	Title     string
	Author    string
	Published time.Time
	Language  string
	// Canonical is the absolute canonical URL (link rel=canonical, og:url),
	// or "" when the page names none.
	Canonical string
	Tags      []string
	// Generator is the site generator's name from <meta name=generator>.
	Generator string
	// Markdown is the main text.
	Markdown string
	// Links are absolute http(s) URLs found anywhere in the page.
	Links []string
	// Feeds are RSS/Atom feeds the page announces.
	Feeds []string
	// RedirectTo is the target of a meta refresh.
	RedirectTo string
}

// ErrNotHTML is returned for bodies that are not HTML.
var ErrNotHTML = errors.New("not an HTML page")

var discardLogger = slog.New(slog.DiscardHandler)

func newMDConverter() *converter.Converter {
	return converter.NewConverter(converter.WithPlugins(
		base.NewBasePlugin(), commonmark.NewCommonmarkPlugin(), table.NewTablePlugin(), strikethrough.NewStrikethroughPlugin()))
}

// mdConverters hands each extraction its own converter: a Converter takes
// a read lock for every character it escapes, and one shared by parallel
// extractions bounces that lock between cores. A converter costs ~10µs to
// build, so the pool may drop them at will.
var mdConverters = sync.Pool{New: func() any { return newMDConverter() }}

func toMarkdown(n *html.Node, opts ...converter.ConvertOptionFunc) ([]byte, error) {
	c := mdConverters.Get().(*converter.Converter)
	defer mdConverters.Put(c)
	return c.ConvertNode(n, opts...)
}

// DecodeHTML returns body as valid UTF-8, using the charset from the
// Content-Type header, a BOM or a <meta charset> (in that order).
func DecodeHTML(body []byte, contentType string) string {
	if isUTF8(body, contentType) {
		return string(body)
	}
	return decodeSlow(body, contentType)
}

// isUTF8 tells whether body decodes to itself: valid UTF-8, declared or
// sniffed as UTF-8 (on its first 1024 bytes, as charset.NewReader does).
// Then the transform and its copies can be skipped.
func isUTF8(body []byte, contentType string) bool {
	_, name, _ := charset.DetermineEncoding(body[:min(len(body), 1024)], contentType)
	return name == "utf-8" && utf8.Valid(body)
}

func decodeSlow(body []byte, contentType string) string {
	r, err := charset.NewReader(bytes.NewReader(body), contentType)
	if err != nil {
		return strings.ToValidUTF8(string(body), "\uFFFD")
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return strings.ToValidUTF8(string(body), "\uFFFD")
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// Noise removed before readability runs: navigation, site chrome, tables of
// contents, share buttons, comments, related posts and prev/next links.
const noiseSelector = `script, style, noscript, template, nav, aside, form,
	iframe, [role=navigation], [role=banner], [role=contentinfo], [role=complementary],
	.toc, #toc, .table-of-contents, #TableOfContents, .share, .sharing, .share-buttons, .social-share, .sharedaddy,
	.comments, #comments, .comment-respond, #disqus_thread, .related, .related-posts, .jp-relatedposts,
	.post-nav, .post-navigation, .pagination, .nav-links, .pager, .newsletter, .subscribe, .subscription-widget-wrap,
	.post-footer, .author-bio, .site-header, .site-footer, .sidebar, .breadcrumbs, .tags-list, .post-tags,
	.wp-block-post-date, .wp-block-post-terms, .entry-meta, .post-meta, .article-byline, .byline-meta-content,
	img[width="1"], img[height="1"]`

// Selectors are compiled once (goquery's Find compiles its string on
// every call). Metadata and links are looked up in a pageIndex instead.
var (
	selNoise     = cascadia.MustCompile(noiseSelector)
	selHTMLish   = cascadia.MustCompile("body, head, p, div, article")
	selChrome    = cascadia.MustCompile("header, footer")
	selArticle   = cascadia.MustCompile("article")
	selEntries   = cascadia.MustCompile("article, .post-preview, .post-card, .post-item, .post-list > li, .archive-item, .entry-summary")
	selFeedNoise = cascadia.MustCompile(`script, style, iframe, form, img[width="1"], img[height="1"]`)
)

var listingPath = regexp.MustCompile(`(?i)/(tags?|categor(y|ies)|topics?|archives?|page|search|author|series|label)(/|$)|/page/\d+/?$|[?&](page|paged|s|q)=`)

// Extract parses an HTML page: metadata, links, whether it is an article,
// a listing or a redirect stub, and for articles the main text as Markdown.
// It never panics on bad input.
func Extract(body []byte, contentType string, pageURL *url.URL) (p *Page, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("extract %s: malformed page: %v", pageURL, r)
		}
	}()
	var in io.Reader
	if isUTF8(body, contentType) {
		in = bytes.NewReader(body)
	} else {
		in = strings.NewReader(decodeSlow(body, contentType))
	}
	root, err := html.Parse(in)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", pageURL, err)
	}
	doc := goquery.NewDocumentFromNode(root)
	if cascadia.Query(root, selHTMLish) == nil {
		return nil, fmt.Errorf("%s: %w", pageURL, ErrNotHTML)
	}
	p = &Page{}
	ix := indexPage(root)
	meta := readMeta(ix, pageURL)
	p.Title, p.Author, p.Published, p.Canonical, p.Tags, p.Generator, p.Language =
		meta.title, meta.author, meta.published, meta.canonical, meta.tags, meta.generator, meta.lang
	p.Links, p.Feeds = links(ix, pageURL)

	if target := metaRefresh(ix, pageURL); target != "" {
		p.Kind, p.Reason, p.RedirectTo = PageRedirect, "redirect stub (meta refresh)", target
		return p, nil
	}
	if kind, reason := classify(ix, pageURL, meta); kind != PageArticle {
		p.Kind, p.Reason = kind, reason
		return p, nil
	}

	doc.FindMatcher(selNoise).Remove()
	doc.FindMatcher(selChrome).Each(func(_ int, s *goquery.Selection) {
		if s.ParentsMatcher(selArticle).Length() == 0 {
			s.Remove()
		}
	})
	parser := readability.NewParser()
	parser.CharThresholds = 200
	parser.KeepClasses = true // code blocks keep their language-* class
	// readMeta has read the JSON-LD already.
	parser.DisableJSONLD = true
	// Its default logger formats Info records into io.Discard.
	parser.Logger = discardLogger
	art, err := parser.ParseAndMutate(root, pageURL)
	if err != nil || art.Node == nil {
		p.Kind, p.Reason = PageEmpty, "no main text found"
		return p, nil
	}
	if p.Title == "" {
		p.Title = strings.TrimSpace(art.Title())
	}
	if p.Author == "" {
		p.Author = strings.TrimSpace(art.Byline())
	}
	if p.Published.IsZero() {
		if t, err := art.PublishedTime(); err == nil {
			p.Published = t
		}
	}
	if p.Language == "" {
		p.Language = art.Language()
	}
	md, err := toMarkdown(art.Node, converter.WithDomain(pageURL.Scheme+"://"+pageURL.Host))
	if err != nil {
		return nil, fmt.Errorf("convert %s to Markdown: %w", pageURL, err)
	}
	p.Markdown = dropLeadingTitle(strings.TrimSpace(string(md)), p.Title)
	if !atLeastFields(p.Markdown, 5) {
		p.Kind, p.Reason = PageEmpty, "no main text found"
		return p, nil
	}
	p.Kind = PageArticle
	return p, nil
}

// atLeastFields tells whether s has at least n whitespace-separated fields.
func atLeastFields(s string, n int) bool {
	for range strings.FieldsSeq(s) {
		if n--; n <= 0 {
			return true
		}
	}
	return n <= 0
}

// dropLeadingTitle removes a first heading that repeats the title (the
// title is kept as its own field).
func dropLeadingTitle(md, title string) string {
	if title == "" {
		return md
	}
	first, rest, _ := strings.Cut(md, "\n")
	h := strings.TrimSpace(strings.TrimLeft(first, "#"))
	if strings.HasPrefix(first, "#") && strings.EqualFold(h, strings.TrimSpace(title)) {
		return strings.TrimSpace(rest)
	}
	return md
}

type pageMeta struct {
	title, author, canonical, generator, lang, ogType string
	published                                         time.Time
	tags                                              []string
	ldTypes                                           []string
}

func attrOf(n *html.Node, name string) string {
	v, _ := attrValue(n, name)
	return v
}

func readMeta(ix *pageIndex, pageURL *url.URL) pageMeta {
	var m pageMeta
	m.ogType = strings.ToLower(ix.metaContent("property", "og:type"))
	m.generator = ix.metaContent("name", "generator")
	m.lang = trimmedAttr(ix.html, "lang")
	m.title = ix.metaContent("property", "og:title")
	if m.title == "" {
		m.title = strings.TrimSpace(textOf(ix.h1))
	}
	if m.title == "" {
		m.title = strings.TrimSpace(textOf(ix.title))
	}
	m.title = strings.Join(strings.Fields(m.title), " ")
	m.author = ix.metaContent("name", "author")
	if m.author == "" {
		m.author = ix.metaContent("property", "article:author")
		if strings.HasPrefix(m.author, "http") {
			m.author = ""
		}
	}
	for _, c := range []string{trimmedAttr(ix.canonical, "href"), ix.metaContent("property", "og:url")} {
		if c == "" {
			continue
		}
		if u, err := pageURL.Parse(c); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			m.canonical = Normalize(u)
			break
		}
	}
	for _, key := range [][2]string{{"property", "article:published_time"}, {"itemprop", "datePublished"}, {"name", "date"}} {
		if t, ok := parseDate(ix.metaContent(key[0], key[1])); ok {
			m.published = t
			break
		}
	}
	if m.published.IsZero() {
		if t, ok := parseDate(trimmedAttr(ix.time, "datetime")); ok {
			m.published = t
		}
	}
	seen := map[string]bool{}
	addTag := func(t string) {
		t = strings.TrimSpace(t)
		if t != "" && !seen[strings.ToLower(t)] && len(m.tags) < 50 {
			seen[strings.ToLower(t)] = true
			m.tags = append(m.tags, t)
		}
	}
	for _, n := range ix.articleTags {
		addTag(attrOf(n, "content"))
	}
	for _, n := range ix.relTags {
		addTag(textOf(n))
	}
	if len(m.tags) == 0 {
		for _, k := range strings.Split(ix.metaContent("name", "keywords"), ",") {
			addTag(k)
		}
	}
	for _, n := range ix.jsonLD {
		m.readJSONLD(textOf(n))
	}
	return m
}

// readJSONLD takes @type, author, datePublished and keywords from a
// JSON-LD block; malformed blocks are ignored.
func (m *pageMeta) readJSONLD(text string) {
	var v any
	if json.Unmarshal([]byte(text), &v) != nil {
		return
	}
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 4 {
			return
		}
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e, depth+1)
			}
		case map[string]any:
			if g, ok := x["@graph"]; ok {
				walk(g, depth+1)
			}
			switch t := x["@type"].(type) {
			case string:
				m.ldTypes = append(m.ldTypes, t)
			case []any:
				for _, e := range t {
					if s, ok := e.(string); ok {
						m.ldTypes = append(m.ldTypes, s)
					}
				}
			}
			if !isArticleType(x["@type"]) {
				return
			}
			if m.published.IsZero() {
				if s, ok := x["datePublished"].(string); ok {
					if t, ok := parseDate(s); ok {
						m.published = t
					}
				}
			}
			if m.author == "" {
				m.author = personName(x["author"])
			}
		}
	}
	walk(v, 0)
}

func isArticleType(t any) bool {
	check := func(s string) bool {
		switch s {
		case "Article", "BlogPosting", "NewsArticle", "TechArticle", "ScholarlyArticle", "SocialMediaPosting", "Report":
			return true
		}
		return false
	}
	switch x := t.(type) {
	case string:
		return check(x)
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && check(s) {
				return true
			}
		}
	}
	return false
}

func personName(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		s, _ := x["name"].(string)
		return s
	case []any:
		if len(x) > 0 {
			return personName(x[0])
		}
	}
	return ""
}

func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	t, err := dateparse.ParseAny(s)
	if err != nil || t.Year() < 1990 || t.Year() > 2200 {
		return time.Time{}, false
	}
	return t.UTC(), true
}

func metaRefresh(ix *pageIndex, pageURL *url.URL) string {
	c := ""
	for _, n := range ix.httpEquiv {
		if strings.EqualFold(attrOf(n, "http-equiv"), "refresh") {
			c = attrOf(n, "content")
			break
		}
	}
	if c == "" {
		return ""
	}
	_, target, ok := strings.Cut(c, ";")
	if !ok {
		return ""
	}
	target = strings.TrimSpace(target)
	if k, v, ok := strings.Cut(target, "="); ok && strings.EqualFold(strings.TrimSpace(k), "url") {
		target = strings.Trim(strings.TrimSpace(v), `'"`)
	}
	u, err := pageURL.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return Normalize(u)
}

// classify tells articles from listings (home, tag, category, archive,
// pagination and search pages).
func classify(ix *pageIndex, pageURL *url.URL, m pageMeta) (PageKind, string) {
	articleMarkup := m.ogType == "article"
	for _, t := range m.ldTypes {
		if isArticleType(t) {
			articleMarkup = true
		}
	}
	body := ""
	if ix.body != nil {
		body = strings.ToLower(attrOf(ix.body, "class"))
	}
	for _, c := range []string{"single-post", "post-template", "single ", "page-template"} {
		if strings.Contains(body+" ", c) {
			articleMarkup = true
		}
	}
	// Several post summaries on one page make it a listing.
	entries := ix.entries
	if entries >= 3 {
		return PageListing, fmt.Sprintf("listing page (%d post summaries)", entries)
	}
	if articleMarkup {
		return PageArticle, ""
	}
	for _, c := range []string{"home", "blog", "archive", "tag", "category", "search", "paged", "home-template", "tag-template", "author-template"} {
		for _, bc := range strings.Fields(body) {
			if bc == c {
				return PageListing, "listing page (" + c + ")"
			}
		}
	}
	if pageURL.Path == "" || pageURL.Path == "/" {
		return PageListing, "listing page (home)"
	}
	if listingPath.MatchString(pageURL.RequestURI()) {
		return PageListing, "listing page (" + pageURL.Path + ")"
	}
	return PageArticle, ""
}

func links(ix *pageIndex, pageURL *url.URL) (out, feeds []string) {
	seen := map[string]bool{}
	for _, a := range ix.links {
		if rel := strings.ToLower(attrOf(a, "rel")); strings.Contains(rel, "nofollow") {
			continue
		}
		u, err := pageURL.Parse(strings.TrimSpace(attrOf(a, "href")))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			continue
		}
		n := Normalize(u)
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, l := range ix.alternates {
		t := strings.ToLower(attrOf(l, "type"))
		if !strings.Contains(t, "rss") && !strings.Contains(t, "atom") && !strings.Contains(t, "feed+json") {
			continue
		}
		if u, err := pageURL.Parse(strings.TrimSpace(attrOf(l, "href"))); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			feeds = append(feeds, Normalize(u))
		}
	}
	return out, feeds
}

var trackingParams = map[string]bool{"share": true, "fbclid": true, "gclid": true, "ref": true, "ref_src": true, "source": true, "mc_cid": true, "mc_eid": true}

// Normalize returns u without fragment, tracking parameters and default
// port, with a lower-case host: the form URLs are compared and stored in.
func Normalize(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	c.Scheme = strings.ToLower(c.Scheme)
	c.Host = strings.ToLower(c.Host)
	if (c.Scheme == "http" && strings.HasSuffix(c.Host, ":80")) || (c.Scheme == "https" && strings.HasSuffix(c.Host, ":443")) {
		c.Host = c.Host[:strings.LastIndex(c.Host, ":")]
	}
	if c.Path == "" {
		c.Path = "/"
	}
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			if strings.HasPrefix(strings.ToLower(k), "utm_") || trackingParams[strings.ToLower(k)] {
				q.Del(k)
			}
		}
		c.RawQuery = q.Encode()
	}
	c.User = nil
	return c.String()
}

// FeedHTMLToMarkdown converts the HTML content of a feed item (or an
// export) to Markdown, dropping scripts and tracking pixels and a first
// heading that repeats the title.
func FeedHTMLToMarkdown(content, title string, base *url.URL) (md string, err error) {
	defer func() {
		if r := recover(); r != nil {
			md, err = "", fmt.Errorf("convert feed item %q: malformed HTML: %v", title, r)
		}
	}()
	root, err := html.Parse(strings.NewReader(strings.ToValidUTF8(content, "\uFFFD")))
	if err != nil {
		return "", err
	}
	goquery.NewDocumentFromNode(root).FindMatcher(selFeedNoise).Remove()
	var opts []converter.ConvertOptionFunc
	if base != nil {
		opts = append(opts, converter.WithDomain(base.Scheme+"://"+base.Host))
	}
	b, err := toMarkdown(root, opts...)
	if err != nil {
		return "", err
	}
	return dropLeadingTitle(strings.TrimSpace(string(b)), title), nil
}
