package crawl

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doppelhq/doppel/backend/documents"
	"github.com/doppelhq/doppel/backend/store"
)

// fixtureSite serves a folder of testdata/sites like a static host:
// directories serve index.html (or index.xml), {{BASE}} becomes the
// server URL, and ETag / Last-Modified make conditional requests work.
type fixtureSite struct {
	*httptest.Server
	dir string

	mu        sync.Mutex
	hits      map[string]int
	overrides map[string]string
}

var fixtureTime = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)

func serveSite(t testing.TB, dir string) *fixtureSite {
	t.Helper()
	s := &fixtureSite{dir: dir, hits: map[string]int{}, overrides: map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *fixtureSite) serve(w http.ResponseWriter, r *http.Request) {
	p := path.Clean("/" + r.URL.Path)
	s.mu.Lock()
	s.hits[r.URL.RequestURI()]++
	body, overridden := s.overrides[p]
	s.mu.Unlock()
	name := p
	if !overridden {
		var b []byte
		var err error
		for _, cand := range []string{p, p + "/index.html", p + "/index.xml"} {
			f := filepath.Join(s.dir, filepath.FromSlash(cand))
			if st, serr := os.Stat(f); serr == nil && !st.IsDir() {
				b, err = os.ReadFile(f)
				name = cand
				break
			}
		}
		if b == nil || err != nil {
			http.NotFound(w, r)
			return
		}
		body = string(b)
	}
	body = strings.ReplaceAll(body, "{{BASE}}", s.URL)
	switch path.Ext(name) {
	case ".html":
		w.Header().Set("Content-Type", "text/html")
	case ".xml":
		w.Header().Set("Content-Type", "application/xml")
	case ".txt":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	default:
		w.Header().Set("Content-Type", http.DetectContentType([]byte(body)))
	}
	w.Header().Set("ETag", `"`+documents.Hash(body)[:16]+`"`)
	http.ServeContent(w, r, name, fixtureTime, strings.NewReader(body))
}

func (s *fixtureSite) set(p, body string) {
	s.mu.Lock()
	s.overrides[p] = body
	s.mu.Unlock()
}

func (s *fixtureSite) hitCount(uri string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[uri]
}

func openDocs(t testing.TB) *documents.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "doppel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return documents.New(st)
}

func noDelay() *time.Duration {
	d := time.Duration(0)
	return &d
}

// crawlSite adds a source for u and crawls it with test options.
func crawlSite(t testing.TB, docs *documents.Store, u string, opts Options) (*Summary, int64) {
	t.Helper()
	src, _, err := docs.EnsureSource(context.Background(), "site", u, "")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Delay == nil {
		opts.Delay = noDelay()
	}
	if opts.Backoff == 0 {
		opts.Backoff = 10 * time.Millisecond
	}
	sum, err := New(docs, opts).Crawl(context.Background(), src.ID, u, nil)
	if err != nil {
		t.Fatalf("crawl %s: %v", u, err)
	}
	return sum, src.ID
}

func openStore(path string) (*store.Store, error) { return store.Open(context.Background(), path) }
