package platforms

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doppelhq/doppel/backend/crawl"
	"github.com/doppelhq/doppel/backend/documents"
)

var update = flag.Bool("update", false, "rewrite golden files")

// wpSite serves testdata/wordpress: the site's pages from site/, and the
// REST API from the JSON fixtures (or the refusal when api is false).
type wpSite struct {
	*httptest.Server
	api bool
	// linkHeader announces the API in a Link header only (no <link>).
	linkHeader bool
	// robots is the robots.txt ("" = none).
	robots   string
	mu       sync.Mutex
	requests []string
}

func serveWordPress(t *testing.T, api bool) *wpSite {
	t.Helper()
	s := &wpSite{api: api}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.URL.RequestURI())
		s.mu.Unlock()
		send := func(status int, name, ct string) {
			b, err := os.ReadFile(filepath.Join("testdata", "wordpress", filepath.FromSlash(name)))
			if err != nil {
				http.NotFound(w, r)
				return
			}
			body := strings.ReplaceAll(string(b), "{{BASE}}", s.URL)
			if s.linkHeader {
				body = strings.Replace(body, `<link rel="https://api.w.org/" href="`+s.URL+`/wp-json/" />`, "", 1)
			}
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(status)
			w.Write([]byte(body))
		}
		if s.api || s.linkHeader {
			w.Header().Set("Link", `<`+s.URL+`/wp-json/>; rel="https://api.w.org/"`)
		}
		q := r.URL.Query()
		switch p := path.Clean(r.URL.Path); {
		case p == "/robots.txt" && s.robots != "":
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte(s.robots))
		case p == "/wp-json/wp/v2/posts":
			if !s.api {
				send(http.StatusUnauthorized, "refused.json", "application/json; charset=UTF-8")
				return
			}
			if q.Get("per_page") != "100" || !strings.Contains(q.Get("_embed"), "author") {
				http.Error(w, "unexpected query "+r.URL.RawQuery, http.StatusBadRequest)
				return
			}
			w.Header().Set("X-WP-Total", "4")
			w.Header().Set("X-WP-TotalPages", "2")
			switch q.Get("page") {
			case "1":
				send(http.StatusOK, "posts_page1.json", "application/json; charset=UTF-8")
			case "2":
				send(http.StatusOK, "posts_page2.json", "application/json; charset=UTF-8")
			default:
				http.Error(w, `{"code":"rest_post_invalid_page_number"}`, http.StatusBadRequest)
			}
		case p == "/wp-json":
			send(http.StatusOK, "index.json", "application/json; charset=UTF-8")
		default:
			send(http.StatusOK, "site"+p+"/index.html", "text/html; charset=UTF-8")
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *wpSite) hits(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

func TestWordPressAPI(t *testing.T) {
	for _, linkHeader := range []bool{false, true} {
		t.Run(map[bool]string{false: "link element", true: "link header"}[linkHeader], func(t *testing.T) {
			ctx := context.Background()
			site := serveWordPress(t, true)
			site.linkHeader = linkHeader
			docs := openDocs(t)
			src, _, _ := docs.EnsureSource(ctx, crawl.KindSite, site.URL+"/", "")
			s := New(docs, Config{})
			sum, err := s.Site(ctx, src.ID, site.URL+"/", crawl.Options{}, nil)
			if err != nil {
				t.Fatalf("site: %v", err)
			}
			if sum.Method != "WordPress REST API" || sum.New != 3 || sum.Skipped != 1 || sum.Failed != 0 || sum.Fetched != 2 {
				t.Errorf("summary %+v; want 3 new and the protected post skipped, from 2 API pages", sum)
			}
			if n := site.hits("/2024/"); n != 0 {
				t.Errorf("%d post pages crawled; the API has them", n)
			}
			page, _ := docs.List(ctx, documents.Filter{Sort: "published_at", Desc: true})
			want := []struct{ slug, title, tags, published string }{
				{"2024/05/14/pain-au-levain", "Pain au levain : la méthode lente", "boulange,levain", "2024-05-14T07:30:00.000Z"},
				{"2024/04/02/cafe-et-encodage", "Café et encodage", "encodage", "2024-04-02T18:00:00.000Z"},
				{"2024/01/01/bonjour", "Bonjour tout le monde !", "", "2024-01-01T09:00:00.000Z"},
			}
			if len(page.Documents) != len(want) {
				t.Fatalf("stored %d documents", len(page.Documents))
			}
			for i, w := range want {
				d, _ := docs.Get(ctx, page.Documents[i].ID)
				got := strings.Join([]string{d.URL, d.Title, d.Author, strings.Join(d.Tags, ","), d.PublishedAt, d.Platform, d.Kind}, "|")
				exp := strings.Join([]string{site.URL + "/" + w.slug + "/", w.title, "Claire Martin", w.tags, w.published, "wordpress", "article"}, "|")
				if got != exp {
					t.Errorf("document %d:\n got %s\nwant %s", i, got, exp)
				}
				golden := filepath.Join("testdata", "wordpress", "golden", path.Base(w.slug)+".md")
				content := strings.ReplaceAll(d.Content, site.URL, "{{BASE}}") + "\n"
				if *update && !linkHeader {
					if err := os.WriteFile(golden, []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				exp2, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("golden %s: %v (run with -update)", golden, err)
				}
				if content != string(exp2) {
					t.Errorf("%s: Markdown differs from %s:\n%s", d.URL, golden, content)
				}
			}
			again, err := s.Site(ctx, src.ID, site.URL+"/", crawl.Options{}, nil)
			if err != nil || again.New != 0 || again.Updated != 0 || again.Unchanged != 3 {
				t.Errorf("second run should change nothing: %+v %v", again, err)
			}
		})
	}
}

func TestWordPressFallback(t *testing.T) {
	cases := []struct {
		name, robots, method string
		api                  bool
	}{
		{"API refused", "", "REST API refused (HTTP 401)", false},
		{"API disallowed by robots.txt", "User-agent: *\nDisallow: /wp-json/\n", "robots.txt disallows the WordPress REST API", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			site := serveWordPress(t, c.api)
			site.robots = c.robots
			docs := openDocs(t)
			src, _, _ := docs.EnsureSource(ctx, crawl.KindSite, site.URL+"/", "")
			sum, err := New(docs, Config{}).Site(ctx, src.ID, site.URL+"/", crawl.Options{}, nil)
			if err != nil {
				t.Fatalf("site: %v", err)
			}
			if !strings.HasPrefix(sum.Method, "crawl (") || !strings.Contains(sum.Method, c.method) {
				t.Errorf("method %q", sum.Method)
			}
			if sum.New != 2 || site.hits("/2024/05/14/pain-au-levain/") != 1 {
				t.Errorf("summary %+v; want the 2 posts crawled", sum)
			}
			if c.api && site.hits("/wp-json/wp/v2/posts") != 0 {
				t.Errorf("the API was read although robots.txt disallows it")
			}
			page, _ := docs.List(ctx, documents.Filter{Sort: "published_at", Desc: true})
			if page.Total != 2 || page.Documents[0].Title != "Pain au levain : la méthode lente" || page.Documents[0].Platform != "wordpress" {
				t.Errorf("crawled documents %+v", page.Documents)
			}
		})
	}
}

func TestProbe(t *testing.T) {
	cases := []struct {
		name, html, header, kind string
		wpJSON                   bool
	}{
		{"link element", `<link rel="https://api.w.org/" href="/wp-json/">`, "", KindWordPress, false},
		{"link header", ``, `</wp-json/>; rel="https://api.w.org/"`, KindWordPress, false},
		{"plain permalinks", `<link rel='https://api.w.org/' href='/?rest_route=/' />`, "", KindWordPress, false},
		{"generator and wp-json answering", `<meta name="generator" content="WordPress 6.5.3">`, "", KindWordPress, true},
		{"generator, wp-json gone", `<meta name="generator" content="WordPress 6.5.3">`, "", "", false},
		{"hashnode generator", `<meta name="generator" content="Hashnode">`, "", KindHashnode, false},
		{"hashnode assets", `<script src="https://hashnode.com/_next/static/chunks/main.js"></script>`, "", KindHashnode, false},
		{"a hashnode image only", `<img src="https://cdn.hashnode.com/res/x.png"><link rel="stylesheet" href="https://cdn.hashnode.com/a.css">`, "", "", false},
		{"plain site", `<meta name="generator" content="Hugo 0.126.1">`, "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/":
					if c.header != "" {
						w.Header().Set("Link", c.header)
					}
					w.Header().Set("Content-Type", "text/html; charset=utf-8")
					w.Write([]byte("<!doctype html><html><head><title>t</title>" + c.html + "</head><body><p>hi</p></body></html>"))
				case "/wp-json/":
					if c.wpJSON {
						w.Header().Set("Content-Type", "application/json")
						w.Write([]byte(`{"name":"x","namespaces":["oembed/1.0","wp/v2"]}`))
						return
					}
					http.NotFound(w, r)
				default:
					http.NotFound(w, r)
				}
			}))
			defer srv.Close()
			f := New(openDocs(t), Config{}).Probe(context.Background(), srv.URL+"/", nil)
			if f.Kind != c.kind {
				t.Fatalf("kind %q, want %q (%+v)", f.Kind, c.kind, f)
			}
			if c.kind == KindWordPress && !strings.HasPrefix(f.APIRoot, srv.URL+"/") {
				t.Errorf("API root %q", f.APIRoot)
			}
			if c.kind == KindHashnode && f.Location != "https://"+strings.TrimPrefix(srv.URL, "http://") {
				t.Errorf("location %q", f.Location)
			}
		})
	}
	for _, c := range []struct{ root, want string }{
		{"https://claire.example/wp-json/", "https://claire.example/wp-json/wp/v2/posts?_embed=author%2Cwp%3Aterm&page=2&per_page=100"},
		{"https://claire.example/?rest_route=/", "https://claire.example/?_embed=author%2Cwp%3Aterm&page=2&per_page=100&rest_route=%2Fwp%2Fv2%2Fposts"},
	} {
		if got, err := postsURL(c.root, 2); err != nil || got != c.want {
			t.Errorf("postsURL(%q) = %q %v; want %q", c.root, got, err, c.want)
		}
	}
}

// FuzzWordPressPosts feeds a posts page of the REST API through what the
// adapter does with each post: decode, tags, date, title text, Markdown.
func FuzzWordPressPosts(f *testing.F) {
	for _, name := range []string{"posts_page1.json", "posts_page2.json", "refused.json", "index.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "wordpress", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`[{"link":"x","title":{"rendered":"<b>a &amp; b"},"date_gmt":"2024-13-45T99:00:00","_embedded":{"wp:term":{"not":"an array"}}}]`))
	f.Add([]byte(`[{"_embedded":{"wp:term":[[{"name":"<i>x</i>","taxonomy":"post_tag"}],null]}}]`))
	base, _ := url.Parse("https://claire.example/")
	f.Fuzz(func(t *testing.T, body []byte) {
		var posts []wpPost
		if json.Unmarshal(body, &posts) != nil {
			return
		}
		for _, p := range posts {
			for _, tag := range p.tags() {
				if tag == "" || tag != strings.TrimSpace(tag) {
					t.Fatalf("tag %q", tag)
				}
			}
			if pub := p.published(); !pub.IsZero() && pub.Location() != time.UTC {
				t.Fatalf("date %v not UTC", pub)
			}
			title := htmlText(p.Title.Rendered)
			if title != strings.TrimSpace(title) || strings.Contains(title, "  ") {
				t.Fatalf("title %q not normalized", title)
			}
			if _, err := crawl.FeedHTMLToMarkdown(p.Content.Rendered, title, base); err != nil && !strings.Contains(err.Error(), "malformed") {
				t.Logf("convert: %v", err)
			}
		}
	})
}
