// Command bench-collect is the data collection benchmark's helper (run by
// scripts/bench-collect.sh):
//
//	bench-collect serve N   serve a generated N-post blog on 127.0.0.1 and print its URL
//	bench-collect bare URL  crawl it with bare colly (same-site links, storing nothing)
//
// The bare crawl is the baseline for `doppel crawl URL --delay 0`.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gocolly/colly/v2"
)

const perListing = 50

var words = strings.Fields(`the quick brown fox writes about databases and go every morning before the inbox wakes up
sqlite keeps one file per app and a write ahead log lets readers work while one writer appends pages to the log`)

func paragraph(seed, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(words[(seed*7+i*13)%len(words)])
		if i%12 == 11 {
			b.WriteString(". ")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func post(i, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Post %d</title>
<meta property="og:type" content="article"><meta property="article:published_time" content="2024-01-%02dT10:00:00Z">
<meta property="article:tag" content="tag%d"><link rel="canonical" href="/posts/%d/"></head><body>
<header class="site-header"><nav><a href="/">Home</a> <a href="/tags/tag%d/">tag%d</a></nav></header>
<main><article><h1>Post %d</h1>`, i, i%28+1, i%10, i, i%10, i%10, i)
	for p := 0; p < 6; p++ {
		if p == 3 {
			fmt.Fprintf(&b, "<h2>Section %d</h2><ul><li>%s</li><li>%s</li></ul><pre><code>x := %d</code></pre>", p, paragraph(i+p, 8), paragraph(i+p+1, 8), i)
		}
		fmt.Fprintf(&b, "<p>%s</p>", paragraph(i*6+p, 90))
	}
	b.WriteString(`</article><nav class="post-nav">`)
	if i > 1 {
		fmt.Fprintf(&b, `<a href="/posts/%d/">previous</a> `, i-1)
	}
	if i < n {
		fmt.Fprintf(&b, `<a href="/posts/%d/">next</a>`, i+1)
	}
	b.WriteString(`</nav></main><footer class="site-footer">© 2024 bench blog</footer></body></html>`)
	return b.String()
}

func listing(page, n int) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>Bench blog</title></head><body class="home"><main>`)
	for i := (page-1)*perListing + 1; i <= min(page*perListing, n); i++ {
		fmt.Fprintf(&b, `<article class="post-card"><h2><a href="/posts/%d/">Post %d</a></h2><p>%s</p></article>`, i, i, paragraph(i, 20))
	}
	if page*perListing < n {
		fmt.Fprintf(&b, `<a href="/page/%d/">older</a>`, page+1)
	}
	b.WriteString(`</main></body></html>`)
	return b.String()
}

func serve(n int) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	html := func(w http.ResponseWriter, s string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(s))
	}
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) { html(w, listing(1, n)) })
	mux.HandleFunc("/page/{p}/", func(w http.ResponseWriter, r *http.Request) {
		p, err := strconv.Atoi(r.PathValue("p"))
		if err != nil || p < 1 || (p-1)*perListing >= n {
			http.NotFound(w, r)
			return
		}
		html(w, listing(p, n))
	})
	mux.HandleFunc("/posts/{i}/", func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(r.PathValue("i"))
		if err != nil || i < 1 || i > n {
			http.NotFound(w, r)
			return
		}
		html(w, post(i, n))
	})
	mux.HandleFunc("/tags/{t}/", func(w http.ResponseWriter, r *http.Request) {
		html(w, `<html><body class="tag"><a href="/posts/1/">Post 1</a></body></html>`)
	})
	fmt.Printf("http://%s/\n", ln.Addr())
	return http.Serve(ln, mux)
}

// peakRSS reads VmHWM (peak resident set) from /proc/self/status, in MB.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(l)[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

func bare(start string) error {
	c := colly.NewCollector(colly.Async(true), colly.IgnoreRobotsTxt())
	if err := c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: 4}); err != nil {
		return err
	}
	host := strings.TrimSuffix(strings.TrimPrefix(start, "http://"), "/")
	c.AllowedDomains = []string{strings.Split(host, ":")[0]}
	var pages atomic.Int64
	c.OnResponse(func(*colly.Response) { pages.Add(1) })
	c.OnHTML("a[href]", func(e *colly.HTMLElement) { e.Request.Visit(e.Attr("href")) })
	began := time.Now()
	if err := c.Visit(start); err != nil {
		return err
	}
	c.Wait()
	secs := time.Since(began).Seconds()
	fmt.Printf(`{"pages": %d, "seconds": %.3f, "pages_per_s": %.1f, "peak_rss_mb": %.1f}`+"\n", pages.Load(), secs, float64(pages.Load())/secs, peakRSS())
	return nil
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: bench-collect serve N | bare URL")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		n, perr := strconv.Atoi(os.Args[2])
		if perr != nil {
			err = perr
			break
		}
		err = serve(n)
	case "bare":
		err = bare(os.Args[2])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-collect:", err)
		os.Exit(1)
	}
}
