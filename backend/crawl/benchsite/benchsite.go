// Package benchsite generates the loopback blog that the data collection
// benchmark crawls (scripts/bench-collect.sh and BenchmarkCrawl): N posts of
// ~600 words with site chrome, lists and code, and the listing pages that
// lead to them (pagination of 50 posts, 10 tag pages).
package benchsite

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// PerListing is the number of post summaries on one pagination page.
const PerListing = 50

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

// Post renders post i of n.
func Post(i, n int) string {
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

// Listing renders pagination page p of an n-post blog.
func Listing(page, n int) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>Bench blog</title></head><body class="home"><main>`)
	for i := (page-1)*PerListing + 1; i <= min(page*PerListing, n); i++ {
		fmt.Fprintf(&b, `<article class="post-card"><h2><a href="/posts/%d/">Post %d</a></h2><p>%s</p></article>`, i, i, paragraph(i, 20))
	}
	if page*PerListing < n {
		fmt.Fprintf(&b, `<a href="/page/%d/">older</a>`, page+1)
	}
	b.WriteString(`</main></body></html>`)
	return b.String()
}

// Pages is the number of HTML pages of an n-post blog (posts, pagination
// pages and the 10 tag pages).
func Pages(n int) int { return n + (n+PerListing-1)/PerListing + 10 }

// Handler serves an n-post blog.
func Handler(n int) http.Handler {
	mux := http.NewServeMux()
	html := func(w http.ResponseWriter, s string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(s))
	}
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) { html(w, Listing(1, n)) })
	mux.HandleFunc("/page/{p}/", func(w http.ResponseWriter, r *http.Request) {
		p, err := strconv.Atoi(r.PathValue("p"))
		if err != nil || p < 1 || (p-1)*PerListing >= n {
			http.NotFound(w, r)
			return
		}
		html(w, Listing(p, n))
	})
	mux.HandleFunc("/posts/{i}/", func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(r.PathValue("i"))
		if err != nil || i < 1 || i > n {
			http.NotFound(w, r)
			return
		}
		html(w, Post(i, n))
	})
	mux.HandleFunc("/tags/{t}/", func(w http.ResponseWriter, r *http.Request) {
		html(w, `<html><body class="tag"><a href="/posts/1/">Post 1</a></body></html>`)
	})
	return mux
}
