package importer

import (
	"archive/zip"
	"context"
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

// zipDir writes the files of dir (plus extra entries) into a zip archive.
func zipDir(t *testing.T, dir string, extra map[string]string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), filepath.Base(dir)+".zip")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		w, _ := zw.Create(filepath.ToSlash(rel))
		b, _ := os.ReadFile(p)
		w.Write(b)
		return nil
	})
	names := make([]string, 0, len(extra))
	for n := range extra {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(extra[n]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return out
}

func TestImportExports(t *testing.T) {
	cases := []struct {
		name     string
		path     func(t *testing.T) string
		kind     string
		wantURLs []string
		// wantErrors are substrings of "file: reason" entries.
		wantErrors []string
	}{
		{name: "x archive zip", kind: KindX, path: func(t *testing.T) string {
			return zipDir(t, "testdata/x", map[string]string{"../../evil.js": "x", "/etc/passwd": "x"})
		}, wantURLs: []string{"https://x.com/i/web/status/1790000000000000001"},
			wantErrors: []string{"../../evil.js: unsafe path", "/etc/passwd: unsafe path"}},
		{name: "linkedin folder", kind: KindLinkedIn, path: func(*testing.T) string { return "testdata/linkedin" },
			wantURLs: []string{"file://", "https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7170000000000000001"}},
		{name: "mastodon outbox", kind: KindMastodon, path: func(*testing.T) string { return "testdata/mastodon/outbox.json" },
			wantURLs: []string{"https://mastodon.example/@jo/111"}},
		{name: "reddit", kind: KindReddit, path: func(*testing.T) string { return "testdata/reddit" },
			wantURLs: []string{"https://www.reddit.com/r/golang/comments/1abcde/how_i_test_sqlite_code/", "https://www.reddit.com/r/sqlite/comments/1x/_/k1/"}},
		{name: "vault", kind: KindFolder, path: func(*testing.T) string { return "testdata/vault" },
			wantURLs:   []string{"file://", "file://", "file://", "file://"},
			wantErrors: []string{"posts/broken.md: malformed front matter"}},
		{name: "malformed exports", kind: KindMastodon, path: func(t *testing.T) string {
			maxEntry = 1000
			t.Cleanup(func() { maxEntry = MaxEntry })
			return zipDir(t, t.TempDir(), map[string]string{"outbox.json": `{"orderedItems": [`, "big.md": strings.Repeat("x", 2000)})
		}, wantErrors: []string{"outbox.json: malformed outbox.json", "big.md: entry of 2000 bytes is over"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			docs := openDocs(t)
			p := c.path(t)
			kind, err := Detect(p)
			if err != nil || kind != c.kind {
				t.Fatalf("Detect = %q, %v; want %q", kind, err, c.kind)
			}
			src, _, _ := docs.EnsureSource(ctx, kind, p, "")
			sum, err := New(docs).Import(ctx, src.ID, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := docs.List(ctx, documents.Filter{Sort: "id"})
			var urls []string
			for _, d := range page.Documents {
				u := d.URL
				if strings.HasPrefix(u, "file://") {
					u = "file://"
				}
				urls = append(urls, u)
			}
			sort.Strings(urls)
			if strings.Join(urls, " ") != strings.Join(c.wantURLs, " ") {
				t.Errorf("stored %v, want %v (summary %+v)", urls, c.wantURLs, sum)
			}
			var errs []string
			for _, e := range sum.Errors {
				errs = append(errs, e.File+": "+e.Reason)
			}
			for _, w := range c.wantErrors {
				found := false
				for _, e := range errs {
					found = found || strings.Contains(e, w)
				}
				if !found {
					t.Errorf("errors %q lack %q", errs, w)
				}
			}
			if len(errs) != len(c.wantErrors) {
				t.Errorf("errors %q, want %d", errs, len(c.wantErrors))
			}
			again, err := New(docs).Import(ctx, src.ID, p, nil)
			if err != nil || again.New != 0 || again.Updated != 0 {
				t.Errorf("re-import should change nothing: %+v, %v", again, err)
			}
		})
	}
}

func TestVaultMetadata(t *testing.T) {
	ctx := context.Background()
	docs := openDocs(t)
	if _, err := New(docs).Import(ctx, 0, "testdata/vault", nil); err != nil {
		t.Fatal(err)
	}
	page, _ := docs.List(ctx, documents.Filter{Sort: "title"})
	got := map[string]documents.Summary{}
	for _, d := range page.Documents {
		got[d.Title] = d
	}
	cases := []struct {
		title, kind, published, tags string
	}{
		{"Notes from a TOML front matter", documents.Article, "2024-02-03T10:00:00.000Z", "hugo,writing"},
		{"Welcome to Jekyll!", documents.Article, "2023-09-14T18:15:00.000Z", "jekyll,update"},
		{"Daily note 2024-05-01", documents.Note, "", ""},
		{"An essay saved as HTML", documents.Article, "", ""},
	}
	for _, c := range cases {
		d, ok := got[c.title]
		if !ok {
			t.Errorf("no document titled %q (have %v)", c.title, got)
			continue
		}
		if d.Kind != c.kind || d.PublishedAt != c.published || strings.Join(d.Tags, ",") != c.tags || d.Platform != "folder" {
			t.Errorf("%q: %+v", c.title, d)
		}
	}
	if _, ok := got["Not yet"]; ok {
		t.Error("a draft was imported")
	}
}
