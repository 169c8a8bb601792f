package crawl

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/doppelhq/doppel/backend/documents"
)

var update = flag.Bool("update", false, "rewrite golden files")

// renderDocs prints every stored document in a stable, reviewable form.
func renderDocs(t *testing.T, docs *documents.Store, base string) string {
	t.Helper()
	ctx := context.Background()
	page, err := docs.List(ctx, documents.Filter{Sort: "id"})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(page.Documents, func(i, j int) bool { return page.Documents[i].URL < page.Documents[j].URL })
	var b strings.Builder
	for _, s := range page.Documents {
		d, err := docs.Get(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "<!-- document %s -->\n", strings.ReplaceAll(d.URL, base, "{{BASE}}"))
		fmt.Fprintf(&b, "title: %s\nauthor: %s\npublished: %s\nplatform: %s\nkind: %s\ntags: %s\nwords: %d\n",
			d.Title, d.Author, d.PublishedAt, d.Platform, d.Kind, strings.Join(d.Tags, ", "), d.Words)
		for _, a := range d.Aliases {
			fmt.Fprintf(&b, "alias: %s\n", strings.ReplaceAll(a, base, "{{BASE}}"))
		}
		fmt.Fprintf(&b, "\n%s\n\n", strings.ReplaceAll(d.Content, base, "{{BASE}}"))
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run with -update after checking):\n--- got ---\n%s", p, got)
	}
}

func TestFixtureSites(t *testing.T) {
	cases := []struct {
		site, start string
		opts        Options
		// wantDocs are the paths (or path prefixes) stored as documents.
		wantDocs []string
		// wantReasons maps a URL path to a substring of its crawl_pages reason.
		wantReasons map[string]string
	}{
		{site: "hugo", start: "/", wantDocs: []string{"/posts/go-errors/", "/posts/sqlite-wal/"},
			wantReasons: map[string]string{"/": "listing", "/tags/go/": "listing", "/page/2/": "listing",
				"/old/wal/": "redirect stub", "/private/draft/": "disallowed by robots.txt", "/sitemap.xml": "sitemap", "/index.xml": "feed"}},
		{site: "jekyll", start: "/", wantDocs: []string{"/2023/11/20/loops-and-latency.html", "/2024/03/02/tuning-a-guitar.html", "/about/"},
			wantReasons: map[string]string{"/": "listing", "/feed.xml": "feed (2 items)"}},
		{site: "wordpress", start: "/", wantDocs: []string{"/2024/01/01/bonjour/", "/2024/04/02/cafe-et-encodage/", "/2024/05/14/pain-au-levain/", "/a-propos/"},
			wantReasons: map[string]string{"/category/notes/": "listing", "/page/2/": "listing", "/wp-admin/options.php": "disallowed",
				"/wp-sitemap.xml": "sitemap (0 pages, 1 sitemaps)", "/feed/": "feed"}},
		{site: "ghost", start: "/", wantDocs: []string{"/about/", "/shipping-small/"},
			wantReasons: map[string]string{"/tag/process/": "listing", "/sitemap.xml": "sitemap (0 pages, 3 sitemaps)", "/rss/": "feed"}},
		{site: "substack", start: "/", wantDocs: []string{"/p/reading-in-public", "/p/the-quiet-week"},
			wantReasons: map[string]string{"/archive": "listing", "/feed": "feed"}},
		{site: "medium", start: "/feed/@eve", opts: Options{FeedFullText: true, Platform: "medium"},
			wantDocs: []string{"/@eve/notes-on-vector-search-4f2a9c1b7e3d", "/@eve/why-i-write-in-the-morning-9d8c7b6a5f4e"}},
	}
	for _, c := range cases {
		t.Run(c.site, func(t *testing.T) {
			site := serveSite(t, filepath.Join("testdata", "sites", c.site))
			docs := openDocs(t)
			sum, src := crawlSite(t, docs, site.URL+c.start, c.opts)
			page, err := docs.List(context.Background(), documents.Filter{Sort: "id"})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range page.Documents {
				got = append(got, strings.TrimPrefix(d.URL, site.URL))
			}
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(c.wantDocs, " ") {
				t.Errorf("stored %v, want %v\nsummary: %+v", got, c.wantDocs, sum)
			}
			if sum.New != len(c.wantDocs) {
				t.Errorf("summary %+v: want %d new", sum, len(c.wantDocs))
			}
			// The fixtures link to a few pages they do not have (tag pages,
			// author pages): those are the only failures allowed.
			for _, e := range sum.Errors {
				if e.Reason != "HTTP 404 Not Found" && e.Reason != "disallowed by robots.txt" {
					t.Errorf("unexpected error %s: %s", e.URL, e.Reason)
				}
			}
			recs, err := Pages(context.Background(), docs.DB(), src, "")
			if err != nil {
				t.Fatal(err)
			}
			reasons := map[string]string{}
			for _, r := range recs {
				reasons[strings.TrimPrefix(r.URL, site.URL)] = r.State + ": " + r.Reason
				if r.State == StateQueued {
					t.Errorf("%s still queued after a finished crawl", r.URL)
				}
			}
			for p, want := range c.wantReasons {
				if !strings.Contains(reasons[p], want) {
					t.Errorf("%s: crawl record %q, want it to mention %q", p, reasons[p], want)
				}
			}
			golden(t, c.site+".md", renderDocs(t, docs, site.URL))
		})
	}
}
