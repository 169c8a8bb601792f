package crawl

import (
	"context"
	"net/http/httptest"
	"net/url"
	"syscall"
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
	var elapsed, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		docs := openDocs(b)
		src, _, err := docs.EnsureSource(context.Background(), "site", srv.URL+"/", "")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		began, cpuBegan := time.Now(), cpuTime()
		sum, err := New(docs, Options{Delay: noDelay(), MaxPages: 10000}).Crawl(context.Background(), src.ID, srv.URL+"/", nil)
		elapsed, cpu = elapsed+time.Since(began), cpu+cpuTime()-cpuBegan
		if err != nil {
			b.Fatal(err)
		}
		if sum.New != posts {
			b.Fatalf("stored %d posts, want %d: %+v", sum.New, posts, sum)
		}
		pages += sum.Fetched
	}
	b.ReportMetric(float64(pages)/elapsed.Seconds(), "pages/s")
	// CPU of the crawl and of the in-process site server together.
	b.ReportMetric(float64(cpu.Microseconds())/float64(pages), "cpu-µs/page")
}

// BenchmarkExtract extracts one post of the benchmark blog.
func BenchmarkExtract(b *testing.B) {
	body := []byte(benchsite.Post(7, 100))
	u, _ := url.Parse("http://127.0.0.1:1/posts/7/")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	began := cpuTime()
	for i := 0; i < b.N; i++ {
		p, err := Extract(body, "text/html; charset=utf-8", u)
		if err != nil || p.Kind != PageArticle {
			b.Fatalf("%v %+v", err, p)
		}
	}
	reportCPU(b, began, b.N)
}

// BenchmarkExtractParallel is BenchmarkExtract from 4 goroutines per
// GOMAXPROCS, as the crawler runs it.
func BenchmarkExtractParallel(b *testing.B) {
	body := []byte(benchsite.Post(7, 100))
	u, _ := url.Parse("http://127.0.0.1:1/posts/7/")
	b.SetParallelism(4)
	began := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := Extract(body, "text/html; charset=utf-8", u); err != nil {
				b.Error(err)
			}
		}
	})
	reportCPU(b, began, b.N)
}

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports CPU time per op: on a shared machine wall time per op
// swings with the neighbours' load, CPU time much less.
func reportCPU(b *testing.B, began time.Duration, ops int) {
	b.ReportMetric(float64(cpuTime()-began)/float64(ops), "cpu-ns/op")
}
