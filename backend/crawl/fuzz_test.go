package crawl

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

func FuzzExtract(f *testing.F) {
	files, _ := filepath.Glob("testdata/sites/*/*/*/index.html")
	more, _ := filepath.Glob("testdata/sites/*/index.html")
	for _, p := range append(files, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "text/html")
	}
	f.Add([]byte("<meta http-equiv=refresh content='0;url=javascript:alert(1)'>"), "text/html")
	f.Add([]byte("<html><body><article><p>\xff\xfe</p>"), "text/html; charset=shift_jis")
	f.Add([]byte{}, "")
	base, _ := url.Parse("https://blog.example/posts/a/")
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		p, err := Extract(body, ct, base)
		if err != nil {
			return
		}
		if !utf8.ValidString(p.Markdown) || !utf8.ValidString(p.Title) {
			t.Fatalf("extraction produced invalid UTF-8")
		}
		if p.Kind == PageArticle && p.Markdown == "" {
			t.Fatalf("article without text")
		}
		for _, l := range append(p.Links, p.RedirectTo) {
			if l == "" {
				continue
			}
			u, err := url.Parse(l)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
				t.Fatalf("non-http link %q", l)
			}
		}
	})
}

func FuzzParseSitemapAndFeed(f *testing.F) {
	for _, p := range []string{"testdata/sites/hugo/sitemap.xml", "testdata/sites/ghost/sitemap.xml", "testdata/sites/hugo/index.xml",
		"testdata/sites/jekyll/feed.xml", "testdata/sites/medium/feed/@eve"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		parseSitemap(b)
		parseFeed(b)
	})
}
