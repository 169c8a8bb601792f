package platforms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"

	"github.com/doppelhq/doppel/backend/crawl"
	"github.com/doppelhq/doppel/backend/documents"
)

// KindWordPress is a WordPress site read through its REST API.
const KindWordPress = "wordpress"

// apiRel is the link relation WordPress announces its REST API root with,
// in a Link header and in a <link> of every page.
const apiRel = "https://api.w.org/"

// probeCap bounds how much of a start page Probe reads.
const probeCap = 2 << 20

// Found is what Probe learned about a site.
type Found struct {
	// Kind is KindWordPress, KindHashnode or "" (a plain site).
	Kind string
	// APIRoot is the WordPress REST API root (https://site/wp-json/ or
	// https://site/?rest_route=/).
	APIRoot string
	// Location is the Hashnode publication (https://HOST).
	Location string
}

// Probe fetches a site's start page and tells whether it is a WordPress
// site with a REST API (announced by rel="https://api.w.org/" in a Link
// header or a <link>, or, on a page whose generator is WordPress, by
// /wp-json/ answering) or a Hashnode blog on a custom domain (generator
// Hashnode, or assets served from hashnode.com). Anything else, a fetch
// error included, is a plain site: the crawler will report what goes wrong.
// allowed (nil: everything) is robots.txt's verdict on a URL of the site.
func (s *Syncer) Probe(ctx context.Context, site string, allowed func(*url.URL) bool) Found {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, site, nil)
	if err != nil {
		return Found{}
	}
	req.Header.Set("User-Agent", crawl.UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return Found{}
	}
	defer resp.Body.Close()
	base := resp.Request.URL
	for _, l := range resp.Header.Values("Link") {
		if root := linkHeaderRel(l, apiRel); root != "" {
			if u, err := base.Parse(root); err == nil {
				return Found{Kind: KindWordPress, APIRoot: u.String()}
			}
		}
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "html") {
		return Found{}
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, probeCap))
	head := scanHead(body)
	if head.apiRoot != "" {
		if u, err := base.Parse(head.apiRoot); err == nil {
			return Found{Kind: KindWordPress, APIRoot: u.String()}
		}
	}
	gen := strings.ToLower(head.generator)
	switch {
	case strings.Contains(gen, "hashnode") || head.hashnodeAssets:
		return Found{Kind: KindHashnode, Location: "https://" + strings.ToLower(base.Host)}
	case strings.Contains(gen, "wordpress"):
		ru := base.ResolveReference(&url.URL{Path: "/wp-json/"})
		if allowed != nil && !allowed(ru) {
			return Found{}
		}
		root := ru.String()
		var index struct {
			Namespaces []string `json:"namespaces"`
		}
		r := &syncRun{Syncer: s, sum: &crawl.Summary{}}
		if _, _, err := r.doJSON(ctx, http.MethodGet, root, nil, nil, &index); err == nil {
			for _, ns := range index.Namespaces {
				if ns == "wp/v2" {
					return Found{Kind: KindWordPress, APIRoot: root}
				}
			}
		}
	}
	return Found{}
}

// linkHeaderRel returns the target of the link with relation rel in one
// Link header value (`<https://site/wp-json/>; rel="https://api.w.org/"`).
func linkHeaderRel(header, rel string) string {
	for _, part := range strings.Split(header, ",") {
		target, params, ok := strings.Cut(part, ";")
		target = strings.TrimSpace(target)
		if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "rel") && strings.Trim(v, `"`) == rel {
				return target[1 : len(target)-1]
			}
		}
	}
	return ""
}

type headInfo struct {
	apiRoot, generator string
	hashnodeAssets     bool
}

// scanHead reads the <link>, <meta> and <script> tags of a page.
func scanHead(body []byte) headInfo {
	var h headInfo
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return h
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if !hasAttr {
				continue
			}
			attrs := map[string]string{}
			for {
				k, v, more := z.TagAttr()
				attrs[string(k)] = string(v)
				if !more {
					break
				}
			}
			switch string(name) {
			case "link":
				if attrs["rel"] == apiRel && h.apiRoot == "" {
					h.apiRoot = attrs["href"]
				}
				if isHashnodeAsset(attrs["href"]) {
					h.hashnodeAssets = true
				}
			case "meta":
				if strings.EqualFold(attrs["name"], "generator") && h.generator == "" {
					h.generator = attrs["content"]
				}
			case "script":
				if isHashnodeAsset(attrs["src"]) {
					h.hashnodeAssets = true
				}
			}
		}
	}
}

// isHashnodeAsset tells whether a stylesheet or script comes from
// Hashnode's own hosts (a Hashnode blog's pages load them; a page that
// merely shows an image from Hashnode's CDN does not).
func isHashnodeAsset(ref string) bool {
	u, err := url.Parse(ref)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	return (h == "hashnode.com" || strings.HasSuffix(h, ".hashnode.com")) && !strings.HasPrefix(h, "cdn.")
}

// wpPost is a post of the WordPress REST API (wp/v2/posts with _embed).
type wpPost struct {
	ID      int64  `json:"id"`
	Link    string `json:"link"`
	Date    string `json:"date"`
	DateGMT string `json:"date_gmt"`
	Status  string `json:"status"`
	Title   struct {
		Rendered string `json:"rendered"`
	} `json:"title"`
	Content struct {
		Rendered  string `json:"rendered"`
		Protected bool   `json:"protected"`
	} `json:"content"`
	Embedded struct {
		Author []struct {
			Name string `json:"name"`
		} `json:"author"`
		// Terms is [[categories...], [tags...]]; kept raw because a
		// site's plugins may put other shapes here.
		Terms json.RawMessage `json:"wp:term"`
	} `json:"_embedded"`
}

// tags are the post's tag names (taxonomy post_tag) from _embedded.
func (p wpPost) tags() []string {
	var groups [][]struct {
		Name     string `json:"name"`
		Taxonomy string `json:"taxonomy"`
	}
	if len(p.Embedded.Terms) == 0 || json.Unmarshal(p.Embedded.Terms, &groups) != nil {
		return nil
	}
	var out []string
	for _, g := range groups {
		for _, t := range g {
			if n := htmlText(t.Name); t.Taxonomy == "post_tag" && n != "" {
				out = append(out, n)
			}
		}
	}
	return out
}

// published is date_gmt (UTC without a zone), else date.
func (p wpPost) published() time.Time {
	for _, s := range []string{p.DateGMT, p.Date} {
		if t, err := time.Parse("2006-01-02T15:04:05", strings.TrimSpace(s)); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// htmlText is the text of an HTML fragment (titles carry entities such as
// &#8217; and sometimes tags).
func htmlText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case html.TextToken:
			b.Write(z.Text())
		}
	}
}

// postsURL is the posts endpoint for page n under an API root, in the
// pretty (/wp-json/) or the plain (?rest_route=/) form.
func postsURL(root string, page int) (string, error) {
	u, err := url.Parse(root)
	if err != nil {
		return "", fmt.Errorf("WordPress API root %q: %w", root, err)
	}
	q := u.Query()
	if q.Has("rest_route") {
		q.Set("rest_route", "/wp/v2/posts")
	} else {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/wp/v2/posts"
	}
	q.Set("per_page", "100")
	q.Set("page", strconv.Itoa(page))
	q.Set("_embed", "author,wp:term")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// ErrAPIDisabled is returned when a WordPress site refuses its REST API
// (401, 403 or 404: disabled by a plugin or for anonymous readers).
var ErrAPIDisabled = errors.New("REST API refused")

// wordpress pages through a site's published posts with the REST API,
// X-WP-TotalPages giving the number of pages.
func (r *syncRun) wordpress(ctx context.Context, root string) error {
	base, err := url.Parse(root)
	if err != nil {
		return fmt.Errorf("WordPress API root %q: %w", root, err)
	}
	total := 1
	for page := 1; page <= total && !r.full(); page++ {
		u, err := postsURL(root, page)
		if err != nil {
			return err
		}
		var posts []wpPost
		hdr, err := r.getJSON(ctx, u, nil, &posts)
		if err != nil {
			var he *httpError
			if errors.As(err, &he) {
				switch {
				case page == 1 && (he.Status == 401 || he.Status == 403 || he.Status == 404):
					return fmt.Errorf("WordPress site %s: %w (HTTP %d)", base.Host, ErrAPIDisabled, he.Status)
				case page > 1 && he.Status == 400:
					return nil // rest_post_invalid_page_number: past the last page
				}
			}
			return fmt.Errorf("WordPress site %s: %w", base.Host, err)
		}
		if n, err := strconv.Atoi(hdr.Get("X-WP-TotalPages")); err == nil && n > 0 {
			total = min(n, 10000)
		} else if len(posts) > 0 {
			total = page + 1 // no header: go on until an empty page
		}
		for _, p := range posts {
			if r.full() {
				return nil
			}
			if err := r.storeWordPress(ctx, p, base); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *syncRun) storeWordPress(ctx context.Context, p wpPost, base *url.URL) error {
	link := strings.TrimSpace(p.Link)
	if link == "" {
		r.fail(fmt.Sprintf("WordPress post %d", p.ID), fmt.Errorf("%w: post without a link", ErrMalformed))
		return nil
	}
	if p.Status != "" && p.Status != "publish" {
		return nil
	}
	if p.Content.Protected {
		r.skip(link, "password-protected post")
		return nil
	}
	title := htmlText(p.Title.Rendered)
	md, err := crawl.FeedHTMLToMarkdown(p.Content.Rendered, title, base)
	if err != nil {
		r.fail(link, err)
		return nil
	}
	in := documents.Input{Platform: "wordpress", Kind: documents.Article, URL: link, Title: title, PublishedAt: p.published(),
		Tags: p.tags(), Content: strings.TrimSpace(md), Raw: []byte(p.Content.Rendered), ContentType: "text/html; charset=utf-8"}
	if len(p.Embedded.Author) > 0 {
		in.Author = strings.TrimSpace(p.Embedded.Author[0].Name)
	}
	return r.store(ctx, in)
}

// Site collects a site the user gave by URL: through the WordPress REST
// API or Hashnode's API when Probe finds one, else by crawling it with
// opts. A WordPress site that refuses its API (401/403/404), or a page
// that looked like Hashnode but names no publication, is crawled instead;
// the summary's Method says which way was taken.
func (s *Syncer) Site(ctx context.Context, source int64, start string, opts crawl.Options, report func(crawl.Progress) error) (*crawl.Summary, error) {
	var found Found
	why := ""
	if su, err := url.Parse(start); err == nil && su.Host != "" {
		ua := opts.UserAgent
		if ua == "" {
			ua = crawl.UserAgent
		}
		allowed := crawl.Robots(ctx, s.cfg.Client, su, ua)
		if allowed(su) { // else the crawl records the refusal
			found = s.Probe(ctx, start, allowed)
		}
		if found.Kind == KindWordPress {
			if pu, err := postsURL(found.APIRoot, 1); err == nil {
				if u, err := url.Parse(pu); err != nil || !allowed(u) {
					found, why = Found{}, "robots.txt disallows the WordPress REST API"
				}
			}
		}
	}
	switch found.Kind {
	case KindWordPress, KindHashnode:
		loc, method := found.APIRoot, "WordPress REST API"
		if found.Kind == KindHashnode {
			loc, method = found.Location, "Hashnode API"
		}
		sum, err := s.Sync(ctx, source, found.Kind, loc, report)
		if !errors.Is(err, ErrAPIDisabled) && !(found.Kind == KindHashnode && errors.Is(err, ErrNotFound)) {
			sum.Method = method
			return sum, err
		}
		why = err.Error()
	}
	sum, err := crawl.New(s.docs, opts).Crawl(ctx, source, start, report)
	if sum != nil && why != "" {
		sum.Method = "crawl (" + why + ")"
	}
	return sum, err
}
