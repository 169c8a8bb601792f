package platforms

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/doppelhq/doppel/backend/documents"
	"github.com/doppelhq/doppel/backend/store"
)

func openDocs(t *testing.T) *documents.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "doppel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return documents.New(st)
}

// route answers a request with a testdata file, or "" for 404.
type route func(r *http.Request) string

// apiServer serves testdata JSON with {{BASE}}/{{API}} replaced by its URL.
func apiServer(t *testing.T, rt route) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := rt(r)
		if name == "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"Record not found"}`))
			return
		}
		if name == "[]" {
			w.Write([]byte("[]"))
			return
		}
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Errorf("fixture %s: %v", name, err)
			http.Error(w, err.Error(), 500)
			return
		}
		s := strings.NewReplacer("{{BASE}}", srv.URL, "{{API}}", srv.URL).Replace(string(b))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write([]byte(s))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDetect(t *testing.T) {
	cases := []struct{ in, kind, loc string }{
		{"https://dev.to/ada", KindDevTo, "https://dev.to/ada"},
		{"dev.to/ada/", KindDevTo, "https://dev.to/ada"},
		{"https://mastodon.social/@jo", KindMastodon, "https://mastodon.social/@jo"},
		{"@jo@Mastodon.Social", KindMastodon, "https://mastodon.social/@jo"},
		{"https://bsky.app/profile/kim.bsky.social", KindBluesky, "https://bsky.app/profile/kim.bsky.social"},
		{"https://github.com/kimlee", KindGitHub, "https://github.com/kimlee"},
	}
	for _, c := range cases {
		kind, loc, ok := Detect(c.in)
		if !ok || kind != c.kind || loc != c.loc {
			t.Errorf("Detect(%q) = %q %q %v; want %q %q", c.in, kind, loc, ok, c.kind, c.loc)
		}
	}
	for _, site := range []string{"https://blog.example/", "https://medium.com/@eve", "https://github.com/kimlee/repo", "https://dev.to/ada/some-post"} {
		if kind, _, ok := Detect(site); ok {
			t.Errorf("Detect(%q) = %q, want a site", site, kind)
		}
	}
}

func TestSync(t *testing.T) {
	cases := []struct {
		name     string
		kind     string
		route    route
		location func(base string) string
		cfg      func(base string) Config
		// want maps stored URLs (with the server URL as {{BASE}}) to "kind|title|tags|published".
		want map[string]string
	}{
		{
			name: "devto", kind: KindDevTo,
			route: func(r *http.Request) string {
				switch {
				case r.URL.Path == "/api/articles" && r.URL.Query().Get("username") == "ada" && r.URL.Query().Get("page") == "1":
					return "devto/articles_page1.json"
				case r.URL.Path == "/api/articles":
					return "[]"
				case strings.HasPrefix(r.URL.Path, "/api/articles/"):
					return "devto/article_" + strings.TrimPrefix(r.URL.Path, "/api/articles/") + ".json"
				}
				return ""
			},
			location: func(string) string { return "https://dev.to/ada" },
			cfg:      func(base string) Config { return Config{DevTo: base} },
			want: map[string]string{
				"https://dev.to/ada/testing-sqlite-code-without-mocks-3k2j": "article|Testing SQLite code without mocks|go,sqlite,testing|2024-04-09T08:30:00.000Z",
				"https://ada.example/posts/go-errors/":                      "article|Wrapping errors in Go|go|2024-01-05T09:00:00.000Z",
			},
		},
		{
			name: "mastodon", kind: KindMastodon,
			route: func(r *http.Request) string {
				q := r.URL.Query()
				switch {
				case r.URL.Path == "/api/v1/accounts/lookup" && q.Get("acct") == "jo":
					return "mastodon/lookup.json"
				case r.URL.Path == "/api/v1/accounts/109876543210/statuses" && q.Get("exclude_reblogs") == "true":
					switch q.Get("max_id") {
					case "":
						return "mastodon/statuses_page1.json"
					case "112300000000000002":
						return "mastodon/statuses_page2.json"
					}
					return "[]"
				}
				return ""
			},
			location: func(base string) string { return base + "/@jo" },
			cfg:      func(string) Config { return Config{} },
			want: map[string]string{
				"{{BASE}}/@jo/112300000000000003": "post||gardening|2024-04-21T10:00:00.000Z",
				"{{BASE}}/@jo/112300000000000002": "post|long thread on notes||2024-04-20T18:30:00.000Z",
				"{{BASE}}/@jo/112300000000000001": "post|||2024-04-19T08:00:00.000Z",
			},
		},
		{
			name: "bluesky", kind: KindBluesky,
			route: func(r *http.Request) string {
				q := r.URL.Query()
				if r.URL.Path != "/xrpc/app.bsky.feed.getAuthorFeed" || q.Get("actor") != "kim.bsky.social" {
					return ""
				}
				if q.Get("cursor") == "" {
					return "bluesky/feed_page1.json"
				}
				return "bluesky/feed_page2.json"
			},
			location: func(string) string { return "https://bsky.app/profile/kim.bsky.social" },
			cfg:      func(base string) Config { return Config{Bluesky: base} },
			want: map[string]string{
				"https://bsky.app/profile/kim.bsky.social/post/3kq2ykl7hxk2a": "post|||2024-05-02T12:00:00.000Z",
				"https://bsky.app/profile/kim.bsky.social/post/3kpzzzz1abcd2": "post||crdt|2024-04-28T09:15:00.000Z",
			},
		},
		{
			name: "github", kind: KindGitHub,
			route: func(r *http.Request) string {
				switch {
				case r.URL.Path == "/users/kimlee/repos" && r.URL.Query().Get("page") == "1":
					return "github/repos.json"
				case r.URL.Path == "/users/kimlee/repos":
					return "[]"
				case r.URL.Path == "/repos/kimlee/notes-to-site/git/trees/main":
					return "github/tree.json"
				case strings.HasPrefix(r.URL.Path, "/repos/kimlee/notes-to-site/contents/"):
					return "github/content_" + strings.ReplaceAll(strings.TrimPrefix(r.URL.Path, "/repos/kimlee/notes-to-site/contents/"), "/", "_") + ".json"
				}
				return ""
			},
			location: func(string) string { return "https://github.com/kimlee" },
			cfg:      func(base string) Config { return Config{GitHubAPI: base} },
			want: map[string]string{
				"{{BASE}}/kimlee/notes-to-site/blob/main/README.md":      "article|notes-to-site — Turn Markdown notes into a static site|markdown,static-site|2024-05-02T11:00:00.000Z",
				"{{BASE}}/kimlee/notes-to-site/blob/main/docs/design.md": "article|notes-to-site: docs/design.md|markdown,static-site|2024-05-02T11:00:00.000Z",
				"{{BASE}}/kimlee/notes-to-site/blob/main/main.go":        "code|notes-to-site: main.go|markdown,static-site|2024-05-02T11:00:00.000Z",
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			srv := apiServer(t, c.route)
			docs := openDocs(t)
			loc := c.location(srv.URL)
			src, _, _ := docs.EnsureSource(ctx, c.kind, loc, "")
			s := New(docs, c.cfg(srv.URL))
			sum, err := s.Sync(ctx, src.ID, c.kind, loc, nil)
			if err != nil {
				t.Fatalf("sync: %v (%+v)", err, sum)
			}
			if sum.New != len(c.want) || sum.Failed != 0 {
				t.Errorf("summary %+v, want %d new", sum, len(c.want))
			}
			page, _ := docs.List(ctx, documents.Filter{Sort: "id"})
			got := map[string]string{}
			for _, d := range page.Documents {
				got[strings.ReplaceAll(d.URL, srv.URL, "{{BASE}}")] = strings.Join([]string{d.Kind, d.Title, strings.Join(d.Tags, ","), d.PublishedAt}, "|")
				if d.Platform != map[string]string{KindDevTo: "devto", KindMastodon: "mastodon", KindBluesky: "bluesky", KindGitHub: "github"}[c.kind] {
					t.Errorf("%s: platform %q", d.URL, d.Platform)
				}
			}
			var keys []string
			for k := range c.want {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if got[k] != c.want[k] {
					t.Errorf("%s: got %q, want %q", k, got[k], c.want[k])
				}
			}
			if len(got) != len(c.want) {
				t.Errorf("stored %v", got)
			}
			again, err := s.Sync(ctx, src.ID, c.kind, loc, nil)
			if err != nil || again.New != 0 || again.Updated != 0 {
				t.Errorf("second sync should change nothing: %+v %v", again, err)
			}
		})
	}
}

func TestSyncContent(t *testing.T) {
	ctx := context.Background()
	srv := apiServer(t, func(r *http.Request) string {
		switch {
		case r.URL.Path == "/api/articles" && r.URL.Query().Get("page") == "1":
			return "devto/articles_page1.json"
		case r.URL.Path == "/api/articles":
			return "[]"
		case r.URL.Path == "/api/articles/1834001":
			return "devto/article_1834001.json"
		}
		return "" // article 1834002 is gone: recorded, the rest goes on
	})
	docs := openDocs(t)
	sum, err := New(docs, Config{DevTo: srv.URL}).Sync(ctx, 0, KindDevTo, "https://dev.to/ada", nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.New != 1 || sum.Failed != 1 || !strings.Contains(sum.Errors[0].Reason, "HTTP 404") {
		t.Fatalf("summary %+v", sum)
	}
	page, _ := docs.List(ctx, documents.Filter{})
	d, _ := docs.Get(ctx, page.Documents[0].ID)
	if strings.Contains(d.Content, "published: true") || !strings.HasPrefix(d.Content, "I open a real database file") || !strings.Contains(d.Content, "## Why not mocks") {
		t.Errorf("front matter not stripped or body lost: %q", d.Content)
	}

	// An unknown account is an error naming it.
	_, err = New(docs, Config{}).Sync(ctx, 0, KindMastodon, srv.URL+"/@nobody", nil)
	if err == nil || !strings.Contains(err.Error(), "@nobody") {
		t.Fatalf("unknown account: %v", err)
	}
}
