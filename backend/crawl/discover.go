package crawl

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/temoto/robotstxt"
)

// robots is a site's robots.txt as it applies to our user agent.
type robots struct {
	group    *robotstxt.Group
	sitemaps []string
	delay    time.Duration
}

func (r *robots) allowed(u *url.URL) bool {
	if r == nil || r.group == nil {
		return true
	}
	p := u.EscapedPath()
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return r.group.Test(p)
}

// fetchRobots reads robots.txt of the site of base. A missing file (4xx)
// allows everything; a server error disallows nothing either but is
// reported, following RFC 9309's "unreachable" only for 5xx would block
// the whole site, which is unhelpful for a user's own blog.
func fetchRobots(ctx context.Context, client *http.Client, base *url.URL, agent string) (*robots, error) {
	u := &url.URL{Scheme: base.Scheme, Host: base.Host, Path: "/robots.txt"}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", agent)
	resp, err := client.Do(req)
	if err != nil {
		return &robots{}, fmt.Errorf("robots.txt of %s: %w", base.Host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 512<<10))
	if err != nil {
		return &robots{}, fmt.Errorf("robots.txt of %s: %w", base.Host, err)
	}
	data, err := robotstxt.FromStatusAndBytes(resp.StatusCode, body)
	if err != nil || resp.StatusCode >= 500 {
		return &robots{}, nil
	}
	g := data.FindGroup(agent)
	r := &robots{group: g, sitemaps: data.Sitemaps}
	if g != nil {
		r.delay = g.CrawlDelay
	}
	return r, nil
}

// sitemapDoc is a sitemap or a sitemap index.
type sitemapDoc struct {
	XMLName  xml.Name
	URLs     []sitemapLoc `xml:"url"`
	Sitemaps []sitemapLoc `xml:"sitemap"`
}

type sitemapLoc struct {
	Loc string `xml:"loc"`
}

// parseSitemap returns the page URLs and nested sitemap URLs of a sitemap
// or sitemap index, or ok=false when body is not one.
func parseSitemap(body []byte) (pages, nested []string, ok bool) {
	var d sitemapDoc
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = false
	if err := dec.Decode(&d); err != nil {
		return nil, nil, false
	}
	switch d.XMLName.Local {
	case "urlset", "sitemapindex":
	default:
		return nil, nil, false
	}
	for _, u := range d.URLs {
		if s := strings.TrimSpace(u.Loc); s != "" {
			pages = append(pages, s)
		}
	}
	for _, s := range d.Sitemaps {
		if l := strings.TrimSpace(s.Loc); l != "" {
			nested = append(nested, l)
		}
	}
	return pages, nested, true
}

// feedItem is one entry of an RSS/Atom/JSON feed.
type feedItem struct {
	Link      string
	Title     string
	Author    string
	Published time.Time
	Tags      []string
	// Content is the full HTML content when the feed carries it.
	Content string
}

// parseFeed parses RSS, Atom or JSON Feed; ok=false when body is none.
func parseFeed(body []byte) (title string, items []feedItem, ok bool) {
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return "", nil, false
	}
	for _, it := range f.Items {
		fi := feedItem{Link: strings.TrimSpace(it.Link), Title: it.Title, Content: it.Content, Tags: it.Categories}
		if it.PublishedParsed != nil {
			fi.Published = it.PublishedParsed.UTC()
		} else if it.UpdatedParsed != nil {
			fi.Published = it.UpdatedParsed.UTC()
		}
		if it.Author != nil {
			fi.Author = it.Author.Name
		} else if len(it.Authors) > 0 && it.Authors[0] != nil {
			fi.Author = it.Authors[0].Name
		}
		if fi.Author == "" && it.DublinCoreExt != nil && len(it.DublinCoreExt.Creator) > 0 {
			fi.Author = it.DublinCoreExt.Creator[0]
		}
		items = append(items, fi)
	}
	return f.Title, items, true
}

// Robots reads the robots.txt of the site of base and returns whether our
// user agent may fetch a URL of that site. A missing or unreadable file
// allows everything, as in a crawl.
func Robots(ctx context.Context, client *http.Client, base *url.URL, agent string) func(*url.URL) bool {
	rb, _ := fetchRobots(ctx, client, base, agent)
	return rb.allowed
}
