package crawl

import (
	"context"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/doppelhq/doppel/backend/crawl/benchsite"
)

// BenchmarkCrawl crawls, extracts and stores the generated benchmark blog
// (400 posts) into a fresh database per iteration. Profile it with
//
//	go test -tags sqlite_fts5 -run '^$' -bench Crawl -cpuprofile cpu.out ./backend/crawl/
func BenchmarkCrawl(b *testing.B) {
	const posts = 400
	srv := httptest.NewServer(benchsite.Handler(posts))
	defer srv.Close()
	pages := 0
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		docs := openDocs(b)
		src, _, err := docs.EnsureSource(context.Background(), "site", srv.URL+"/", "")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		began := time.Now()
		sum, err := New(docs, Options{Delay: noDelay(), MaxPages: 10000}).Crawl(context.Background(), src.ID, srv.URL+"/", nil)
		elapsed += time.Since(began)
		if err != nil {
			b.Fatal(err)
		}
		if sum.New != posts {
			b.Fatalf("stored %d posts, want %d: %+v", sum.New, posts, sum)
		}
		pages += sum.Fetched
	}
	b.ReportMetric(float64(pages)/elapsed.Seconds(), "pages/s")
}

// BenchmarkExtract extracts one post of the benchmark blog.
func BenchmarkExtract(b *testing.B) {
	body := []byte(benchsite.Post(7, 100))
	u, _ := url.Parse("http://127.0.0.1:1/posts/7/")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p, err := Extract(body, "text/html; charset=utf-8", u)
		if err != nil || p.Kind != PageArticle {
			b.Fatalf("%v %+v", err, p)
		}
	}
}
