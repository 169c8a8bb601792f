package crawl

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/doppelhq/doppel/backend/documents"
)

func TestRecrawlIsIdempotent(t *testing.T) {
	site := serveSite(t, filepath.Join("testdata", "sites", "hugo"))
	docs := openDocs(t)
	first, src := crawlSite(t, docs, site.URL+"/", Options{})
	if first.New != 2 {
		t.Fatalf("first crawl: %+v", first)
	}
	before := site.hitCount("/posts/go-errors/")

	second, _ := crawlSite(t, docs, site.URL+"/", Options{})
	if second.New != 0 || second.Updated != 0 || second.NotModified == 0 {
		t.Fatalf("second crawl should only see 304s: %+v", second)
	}
	if site.hitCount("/posts/go-errors/") != before+1 {
		t.Fatalf("second crawl fetched /posts/go-errors/ %d times, want once", site.hitCount("/posts/go-errors/")-before)
	}
	page, _ := docs.List(context.Background(), documents.Filter{SourceID: src})
	if page.Total != 2 {
		t.Fatalf("%d documents after re-crawl, want 2", page.Total)
	}

	// A changed post is updated and its previous text kept as a version.
	b, err := os.ReadFile(filepath.Join("testdata", "sites", "hugo", "posts", "go-errors", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	site.set("/posts/go-errors", strings.Replace(string(b), "Errors are values.", "Errors are values, and values can be programmed.", 1))
	third, _ := crawlSite(t, docs, site.URL+"/", Options{})
	if third.Updated != 1 || third.New != 0 {
		t.Fatalf("third crawl: %+v", third)
	}
	for _, d := range page.Documents {
		if strings.HasSuffix(d.URL, "/posts/go-errors/") {
			vs, err := docs.Versions(context.Background(), d.ID)
			if err != nil || len(vs) != 1 || strings.Contains(vs[0].Content, "programmed") {
				t.Fatalf("versions %+v, %v", vs, err)
			}
			cur, _ := docs.Get(context.Background(), d.ID)
			if !strings.Contains(cur.Content, "programmed") || cur.Version != 2 {
				t.Fatalf("current version %d: %q", cur.Version, cur.Content)
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	var flaky, limited atomic.Int32
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zeros := make([]byte, 1<<20)
	for range 64 { // 64 MB of zeros in ~64 KB
		zw.Write(zeros)
	}
	zw.Close()
	mux := http.NewServeMux()
	page := func(body string) string {
		return `<html><head><meta property="og:type" content="article"><title>T</title></head><body><article><h1>T</h1><p>` + body + `</p></article></body></html>`
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `<html><body class="home"><a href="/flaky">a</a><a href="/limited">b</a><a href="/loop">c</a><a href="/photo">d</a>
			<a href="/big">e</a><a href="/bomb">f</a><a href="/gone">g</a><a href="/broken">h</a><a href="/slow">i</a><a href="/latin1">j</a>
			<a href="/offsite">k</a><a href="/nobody">l</a></body></html>`)
	})
	mux.HandleFunc("/flaky", func(w http.ResponseWriter, r *http.Request) {
		if flaky.Add(1) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, page("This page failed twice with a 503 before it answered, and the crawler retried it with backoff."))
	})
	mux.HandleFunc("/limited", func(w http.ResponseWriter, r *http.Request) {
		if limited.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, page("This page asked the crawler to slow down once with a 429 and then answered normally."))
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop2", http.StatusFound) })
	mux.HandleFunc("/loop2", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/photo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG\r\n\x1a\n"))
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(bytes.Repeat([]byte("<p>big</p>"), 30_000)) // 300 KB, no Content-Length cap check possible when chunked
	})
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb.Bytes())
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) })
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body><article><p>Unclosed <b>tags <i>and \xff\xfe invalid bytes <table><tr><td>cell" +
			strings.Repeat(" word", 40) + "</div></span>"))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/latin1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=windows-1252")
		w.Write([]byte(page("Cr\xe8me br\xfbl\xe9e costs \x805 at the caf\xe9 near the station, every single day of the week.")))
	})
	mux.HandleFunc("/offsite", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://example.invalid/elsewhere", http.StatusFound)
	})
	mux.HandleFunc("/nobody", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><head><meta property="og:type" content="article"></head><body><nav>menu</nav></body></html>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	docs := openDocs(t)
	sum, src := crawlSite(t, docs, srv.URL+"/", Options{MaxBody: 200_000, Timeout: 500 * time.Millisecond, Retries: 3})
	recs, err := Pages(context.Background(), docs.DB(), src, "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range recs {
		got[strings.TrimPrefix(r.URL, srv.URL)] = r.State + ": " + r.Reason
	}
	want := map[string]string{
		"/flaky":   "stored",
		"/limited": "stored",
		"/loop":    "failed: ",
		"/photo":   "skipped: content type image/png",
		"/big":     "skipped: body is over the 200000-byte cap",
		"/bomb":    "skipped: body is over the 200000-byte cap",
		"/gone":    "failed: HTTP 410 Gone",
		"/broken":  "stored",
		"/slow":    "failed: ",
		"/latin1":  "stored",
		"/offsite": "failed: ",
		"/nobody":  "skipped: no main text found",
	}
	for p, w := range want {
		if !strings.HasPrefix(got[p], w) {
			t.Errorf("%s: %q, want prefix %q", p, got[p], w)
		}
	}
	if !strings.Contains(got["/loop"], "redirect") || !strings.Contains(got["/slow"], "timeout") {
		t.Errorf("loop %q / slow %q should name the redirect loop and the timeout", got["/loop"], got["/slow"])
	}
	if sum.New != 4 {
		t.Errorf("summary %+v: want 4 new", sum)
	}
	found, _ := docs.List(context.Background(), documents.Filter{Query: "crème brûlée"})
	if found.Total != 1 {
		t.Errorf("windows-1252 page not decoded to UTF-8 (found %d)", found.Total)
	}
}

// TestResumeAfterKill crawls in a child process, kills it with SIGKILL
// part-way, and checks that the next crawl neither refetches what was
// stored nor duplicates anything. With fast pages the writer commits many
// pages per transaction: then the kill must also never leave a document
// without its crawl_pages record (or the reverse).
func TestResumeAfterKill(t *testing.T) {
	if os.Getenv("DOPPEL_CRAWL_CHILD") != "" {
		return // the child runs TestCrawlChild
	}
	for _, c := range []struct {
		name        string
		pages       int
		pageDelay   time.Duration
		parallelism int
	}{
		{"slow pages, one at a time", 40, 30 * time.Millisecond, 1},
		{"fast pages, batched commits", 600, 0, 4},
	} {
		t.Run(c.name, func(t *testing.T) { resumeAfterKill(t, c.pages, c.pageDelay, c.parallelism) })
	}
}

func resumeAfterKill(t *testing.T, pages int, pageDelay time.Duration, parallelism int) {
	hits := make([]atomic.Int32, pages+1)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		var b strings.Builder
		b.WriteString(`<html><body class="home">`)
		for i := 1; i <= pages; i++ {
			fmt.Fprintf(&b, `<a href="/post/%d">post %d</a>`, i, i)
		}
		b.WriteString(`</body></html>`)
		fmt.Fprint(w, b.String())
	})
	mux.HandleFunc("/post/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		if n < 1 || n > pages {
			http.NotFound(w, r)
			return
		}
		hits[n].Add(1)
		time.Sleep(pageDelay)
		fmt.Fprintf(w, `<html><head><meta property="og:type" content="article"><title>Post %d</title></head><body><article><h1>Post %d</h1><p>This is post number %d, with enough words to count as an article for the extractor.</p></article></body></html>`, n, n, n)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	dataDir := t.TempDir()
	db := filepath.Join(dataDir, "doppel.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrawlChild$", "-test.v")
	cmd.Env = append(os.Environ(), "DOPPEL_CRAWL_CHILD="+db, "DOPPEL_CRAWL_URL="+srv.URL+"/", fmt.Sprintf("DOPPEL_CRAWL_PARALLELISM=%d", parallelism))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once about a third of the posts are stored.
	docs := openDocsAt(t, db)
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		docs.DB().QueryRow(`SELECT count(*) FROM crawl_pages WHERE state='stored'`).Scan(&n)
		if n >= pages/3 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("child stored %d pages in 20s\n%s", n, out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	storedBefore := map[string]bool{}
	recs, _ := Pages(context.Background(), docs.DB(), 1, StateStored)
	for _, r := range recs {
		storedBefore[strings.TrimPrefix(r.URL, srv.URL)] = true
	}
	if len(storedBefore) == pages {
		t.Fatalf("the child finished before the kill; nothing to resume")
	}
	var docsBefore, orphans int
	docs.DB().QueryRow(`SELECT count(*) FROM documents`).Scan(&docsBefore)
	docs.DB().QueryRow(`SELECT count(*) FROM documents d WHERE NOT EXISTS
		(SELECT 1 FROM crawl_pages p WHERE p.document_id=d.id AND p.state='stored')`).Scan(&orphans)
	if docsBefore != len(storedBefore) || orphans != 0 {
		t.Errorf("after the kill: %d documents, %d URLs recorded as stored, %d documents without their record",
			docsBefore, len(storedBefore), orphans)
	}

	d := time.Duration(0)
	sum, err := New(docs, Options{Delay: &d, Parallelism: 2}).Crawl(context.Background(), 1, srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Resumed {
		t.Errorf("second run did not resume: %+v", sum)
	}
	for i := 1; i <= pages; i++ {
		p := fmt.Sprintf("/post/%d", i)
		if storedBefore[p] && hits[i].Load() != 1 {
			t.Errorf("%s was stored before the kill but fetched %d times", p, hits[i].Load())
		}
	}
	var nDocs, distinct int
	docs.DB().QueryRow(`SELECT count(*), count(DISTINCT content_hash) FROM documents`).Scan(&nDocs, &distinct)
	if nDocs != pages || distinct != pages {
		t.Errorf("%d documents (%d distinct), want %d", nDocs, distinct, pages)
	}
	if sum.New != pages-docsBefore {
		t.Errorf("resume stored %d new documents, want %d", sum.New, pages-docsBefore)
	}
}

func openDocsAt(t *testing.T, path string) *documents.Store {
	t.Helper()
	st, err := openStore(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return documents.New(st)
}

// TestCrawlChild is the child process of TestResumeAfterKill.
func TestCrawlChild(t *testing.T) {
	db := os.Getenv("DOPPEL_CRAWL_CHILD")
	if db == "" {
		t.Skip("only runs as the child of TestResumeAfterKill")
	}
	docs := openDocsAt(t, db)
	src, _, err := docs.EnsureSource(context.Background(), "site", os.Getenv("DOPPEL_CRAWL_URL"), "")
	if err != nil {
		t.Fatal(err)
	}
	d := time.Duration(0)
	par, _ := strconv.Atoi(os.Getenv("DOPPEL_CRAWL_PARALLELISM"))
	_, err = New(docs, Options{Delay: &d, Parallelism: max(par, 1)}).Crawl(context.Background(), src.ID, os.Getenv("DOPPEL_CRAWL_URL"), nil)
	t.Logf("child crawl ended: %v", err)
}

func TestPoliteness(t *testing.T) {
	remote, _ := url.Parse("https://blog.example/")
	local, _ := url.Parse("http://127.0.0.1:8080/")
	if d := *(Options{}).withDefaults(remote).Delay; d != DefaultDelay {
		t.Errorf("remote default delay %v, want %v", d, DefaultDelay)
	}
	if d := *(Options{}).withDefaults(local).Delay; d != 0 {
		t.Errorf("loopback default delay %v, want 0", d)
	}

	// A robots.txt Crawl-delay longer than --delay wins.
	var mu sync.Mutex
	var times []time.Time
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nCrawl-delay: 0.25\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `<html><body class="home"><a href="/a">a</a><a href="/b">b</a></body></html>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	docs := openDocs(t)
	crawlSite(t, docs, srv.URL+"/", Options{})
	mu.Lock()
	defer mu.Unlock()
	if len(times) < 3 {
		t.Fatalf("%d requests", len(times))
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < 200*time.Millisecond {
			t.Errorf("request %d came %v after the previous one; Crawl-delay is 250ms", i, gap)
		}
	}
}

func TestCancelThenResume(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			var b strings.Builder
			b.WriteString(`<html><body class="home">`)
			for i := 1; i <= 20; i++ {
				fmt.Fprintf(&b, `<a href="/p/%d">p</a>`, i)
			}
			fmt.Fprint(w, b.String())
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/p/") {
			http.NotFound(w, r)
			return
		}
		time.Sleep(20 * time.Millisecond)
		fmt.Fprintf(w, `<html><head><meta property="og:type" content="article"><title>%s</title></head><body><article><p>Post %s has words enough to be an article for the extractor here.</p></article></body></html>`, r.URL.Path, r.URL.Path)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	docs := openDocs(t)
	src, _, _ := docs.EnsureSource(context.Background(), "site", srv.URL+"/", "")
	ctx, cancel := context.WithCancel(context.Background())
	stored := 0
	_, err := New(docs, Options{Delay: noDelay(), Parallelism: 1}).Crawl(ctx, src.ID, srv.URL+"/", func(p Progress) error {
		if stored++; stored == 5 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled crawl returned %v", err)
	}
	queued, _ := Pages(context.Background(), docs.DB(), src.ID, StateQueued)
	if len(queued) == 0 {
		t.Fatal("nothing left queued after the cancel")
	}
	sum, err := New(docs, Options{Delay: noDelay()}).Crawl(context.Background(), src.ID, srv.URL+"/", nil)
	if err != nil || !sum.Resumed {
		t.Fatalf("resume: %+v %v", sum, err)
	}
	page, _ := docs.List(context.Background(), documents.Filter{})
	if page.Total != 20 {
		t.Fatalf("%d documents after resume, want 20", page.Total)
	}
}

// TestStoreFailureIsPerURL makes SQLite refuse the alias of one document
// (a trigger, after the document row is inserted): the writer rolls back
// only that document, records its URL as failed with the reason, and
// commits the rest of its batch.
func TestStoreFailureIsPerURL(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			var b strings.Builder
			b.WriteString(`<html><body class="home">`)
			for i := 1; i <= 12; i++ {
				fmt.Fprintf(&b, `<a href="/p/%d">p</a>`, i)
			}
			fmt.Fprint(w, b.String())
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/p/") {
			http.NotFound(w, r)
			return
		}
		canonical := ""
		if r.URL.Path == "/p/7" {
			canonical = `<link rel="canonical" href="/p/7/c">`
		}
		fmt.Fprintf(w, `<html><head>%s<meta property="og:type" content="article"><title>%s</title></head><body><article><p>Post %s has words enough to be an article for the extractor here.</p></article></body></html>`, canonical, r.URL.Path, r.URL.Path)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	docs := openDocs(t)
	if _, err := docs.DB().Exec(`CREATE TRIGGER refuse BEFORE INSERT ON document_urls WHEN new.url LIKE '%/p/7'
		BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END`); err != nil {
		t.Fatal(err)
	}
	sum, src := crawlSite(t, docs, srv.URL+"/", Options{})
	if sum.New != 11 || sum.Failed != 1 {
		t.Fatalf("summary %+v; want 11 new, 1 failed", sum)
	}
	failed, _ := Pages(context.Background(), docs.DB(), src, StateFailed)
	if len(failed) != 1 || !strings.HasSuffix(failed[0].URL, "/p/7") || !strings.Contains(failed[0].Reason, "refused by the test trigger") {
		t.Fatalf("failed pages %+v", failed)
	}
	if len(sum.Errors) != 1 || !strings.Contains(sum.Errors[0].Reason, "refused") {
		t.Errorf("errors %+v", sum.Errors)
	}
	var n int
	docs.DB().QueryRow(`SELECT count(*) FROM documents WHERE url LIKE '%/p/7%'`).Scan(&n)
	if n != 0 {
		t.Errorf("the refused document is half-written: %d rows", n)
	}
	// Once SQLite accepts it, the re-crawl stores it.
	docs.DB().Exec(`DROP TRIGGER refuse`)
	sum, _ = crawlSite(t, docs, srv.URL+"/", Options{})
	if sum.New != 1 || sum.Unchanged != 11 || sum.Failed != 0 {
		t.Fatalf("re-crawl summary %+v; want 1 new, 11 unchanged", sum)
	}
}
