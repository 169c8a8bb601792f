package platforms

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doppelhq/doppel/backend/documents"
)

// hashnodeServer is a GraphQL endpoint that answers the posts query from
// testdata/hashnode: pick returns the fixture for a host and cursor.
func hashnodeServer(t *testing.T, pick func(host, after string) string) (*httptest.Server, *[]string) {
	t.Helper()
	var cursors []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Query     string `json:"query"`
			Variables struct {
				Host  string  `json:"host"`
				First int     `json:"first"`
				After *string `json:"after"`
			} `json:"variables"`
		}
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "GraphQL wants a JSON POST", http.StatusBadRequest)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || !strings.Contains(req.Query, "publication(host: $host)") {
			http.Error(w, `{"errors":[{"message":"bad request"}]}`, http.StatusBadRequest)
			return
		}
		if req.Variables.First < 1 || req.Variables.First > 20 {
			serveFixture(t, w, "hashnode/graphql_error.json")
			return
		}
		after := ""
		if req.Variables.After != nil {
			after = *req.Variables.After
		}
		cursors = append(cursors, after)
		serveFixture(t, w, pick(req.Variables.Host, after))
	}))
	t.Cleanup(srv.Close)
	return srv, &cursors
}

func serveFixture(t *testing.T, w http.ResponseWriter, name string) {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Errorf("fixture %s: %v", name, err)
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

const page2Cursor = "NjYzZjFhMmI0ZTVkNmM3OGE5YjBjMWQyXzIwMjQtMDQtMDJUMTg6MDA6MDAuMDAwWg=="

func TestHashnode(t *testing.T) {
	ctx := context.Background()
	srv, cursors := hashnodeServer(t, func(host, after string) string {
		if host != "kim.hashnode.dev" {
			return "hashnode/unknown_publication.json"
		}
		switch after {
		case "":
			return "hashnode/posts_page1.json"
		case page2Cursor:
			return "hashnode/posts_page2.json"
		}
		return "hashnode/graphql_error.json"
	})
	docs := openDocs(t)
	kind, loc, ok := Detect("https://kim.hashnode.dev/shipping-a-crdt-to-production")
	if !ok || kind != KindHashnode || loc != "https://kim.hashnode.dev" {
		t.Fatalf("Detect = %q %q %v", kind, loc, ok)
	}
	src, _, _ := docs.EnsureSource(ctx, kind, loc, "")
	s := New(docs, Config{Hashnode: srv.URL})
	sum, err := s.Sync(ctx, src.ID, kind, loc, nil)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if sum.New != 3 || sum.Failed != 0 || sum.Fetched != 2 {
		t.Errorf("summary %+v; want 3 new from 2 requests", sum)
	}
	if strings.Join(*cursors, ",") != ","+page2Cursor {
		t.Errorf("cursors sent: %q", *cursors)
	}
	page, _ := docs.List(ctx, documents.Filter{Sort: "published_at", Desc: true})
	want := []struct{ url, title, author, tags, published, alias string }{
		{"https://kim.hashnode.dev/shipping-a-crdt-to-production", "Shipping a CRDT to production", "Kim Lee", "crdt,distributed-systems", "2024-05-14T07:45:12.310Z", ""},
		{"https://kim.hashnode.dev/notes-on-reading-papers", "Notes on reading papers", "Kim Lee", "", "2024-04-02T18:00:00.000Z", ""},
		{"https://kimlee.example/posts/sqlite-file-format/", "SQLite as an application file format", "Kim Lee", "sqlite,databases", "2023-11-20T09:30:00.000Z", "https://kim.hashnode.dev/sqlite-as-an-application-file-format"},
	}
	if len(page.Documents) != len(want) {
		t.Fatalf("stored %d documents, want %d", len(page.Documents), len(want))
	}
	for i, w := range want {
		d, err := docs.Get(ctx, page.Documents[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{d.URL, d.Title, d.Author, strings.Join(d.Tags, ","), d.PublishedAt, strings.Join(d.Aliases, ",")}
		if strings.Join(got, "|") != strings.Join([]string{w.url, w.title, w.author, w.tags, w.published, w.alias}, "|") {
			t.Errorf("document %d: got %q", i, got)
		}
		if d.Platform != "hashnode" || d.Kind != documents.Article || d.ContentType != "text/markdown" {
			t.Errorf("%s: platform %q kind %q type %q", d.URL, d.Platform, d.Kind, d.ContentType)
		}
	}
	first, _ := docs.Get(ctx, page.Documents[0].ID)
	if !strings.Contains(first.Content, "![Two concurrent edits](https://cdn.hashnode.com/res/hashnode/image/upload/v1715672000/edits.png)") ||
		strings.Contains(first.Content, "align=") || !strings.Contains(first.Content, "```go\nfunc (d *Doc) Insert") || !strings.Contains(first.Content, "## The three bugs") {
		t.Errorf("Markdown not kept (or image align not cleaned):\n%s", first.Content)
	}
	again, err := s.Sync(ctx, src.ID, kind, loc, nil)
	if err != nil || again.New != 0 || again.Updated != 0 || again.Unchanged != 3 {
		t.Errorf("second sync should change nothing: %+v %v", again, err)
	}
	// A post the user deleted is not stored again by the next sync.
	if _, err := docs.Delete(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	third, err := s.Sync(ctx, src.ID, kind, loc, nil)
	if err != nil || third.New != 0 || third.DeletedByYou != 1 || third.Unchanged != 2 {
		t.Errorf("sync after a delete: %+v %v", third, err)
	}
}

func TestHashnodeErrors(t *testing.T) {
	cases := []struct {
		name, fixture, location string
		want                    []string
		malformed               bool
	}{
		{"unknown publication", "hashnode/unknown_publication.json", "https://nobody.hashnode.dev", []string{"nobody.hashnode.dev", "not found"}, false},
		{"malformed answer", "hashnode/malformed.json", "https://kim.hashnode.dev", []string{"kim.hashnode.dev", "malformed API response"}, true},
		{"GraphQL error", "hashnode/graphql_error.json", "https://kim.hashnode.dev", []string{"kim.hashnode.dev", "GraphQL error", "at most 20"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, _ := hashnodeServer(t, func(string, string) string { return c.fixture })
			docs := openDocs(t)
			sum, err := New(docs, Config{Hashnode: srv.URL}).Sync(context.Background(), 0, KindHashnode, c.location, nil)
			if err == nil {
				t.Fatalf("no error; summary %+v", sum)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if errors.Is(err, ErrMalformed) != c.malformed {
				t.Errorf("errors.Is(ErrMalformed) = %v", !c.malformed)
			}
			if page, _ := docs.List(context.Background(), documents.Filter{}); page.Total != 0 {
				t.Errorf("stored %d documents from a failed answer", page.Total)
			}
		})
	}
	// An HTTP error of the endpoint names the host too.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream unavailable", http.StatusBadGateway)
	}))
	defer srv.Close()
	_, err := New(openDocs(t), Config{Hashnode: srv.URL}).Sync(context.Background(), 0, KindHashnode, "https://kim.hashnode.dev", nil)
	if err == nil || !strings.Contains(err.Error(), "kim.hashnode.dev") || !strings.Contains(err.Error(), "HTTP 502") {
		t.Errorf("HTTP error: %v", err)
	}
}

func TestDetectHashnode(t *testing.T) {
	cases := []struct{ in, loc string }{
		{"https://kim.hashnode.dev", "https://kim.hashnode.dev"},
		{"kim.hashnode.dev/some-post", "https://kim.hashnode.dev"},
		{"hashnode:blog.kimlee.example", "https://blog.kimlee.example"},
		{"hashnode:https://Blog.KimLee.example/", "https://blog.kimlee.example"},
	}
	for _, c := range cases {
		kind, loc, ok := Detect(c.in)
		if !ok || kind != KindHashnode || loc != c.loc {
			t.Errorf("Detect(%q) = %q %q %v; want hashnode %q", c.in, kind, loc, ok, c.loc)
		}
	}
	for _, in := range []string{"hashnode:", "hashnode.dev", "https://hashnode.com/@kim"} {
		if kind, _, ok := Detect(in); ok && kind == KindHashnode {
			t.Errorf("Detect(%q) = hashnode", in)
		}
	}
}

func FuzzParseHashnodePage(f *testing.F) {
	for _, name := range []string{"posts_page1.json", "posts_page2.json", "unknown_publication.json", "malformed.json", "graphql_error.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "hashnode", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"data":{"publication":{"posts":{"edges":[{"node":null}],"pageInfo":{"hasNextPage":true,"endCursor":""}}}}}`))
	f.Add([]byte(`{"data":{"publication":{"posts":null}}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parseHashnodePage(body)
		if err != nil {
			if p.Found || len(p.Posts) > 0 {
				t.Fatalf("an error with a page: %+v", p)
			}
			return
		}
		if p.HasNext && p.EndCursor == "" {
			t.Fatal("next page without a cursor accepted")
		}
		if !p.Found && (len(p.Posts) > 0 || p.HasNext) {
			t.Fatalf("posts without a publication: %+v", p)
		}
		for _, post := range p.Posts {
			if post.Content == nil {
				continue
			}
			// Cleaning is idempotent and keeps every image link.
			md := hashnodeMarkdown(post.Content.Markdown)
			if hashnodeMarkdown(md) != md || strings.Count(md, "![") != strings.Count(post.Content.Markdown, "![") {
				t.Fatalf("cleaning %q gave %q", post.Content.Markdown, md)
			}
		}
	})
}
