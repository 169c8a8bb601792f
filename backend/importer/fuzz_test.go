package importer

import (
	"os"
	"strings"
	"testing"
)

func seed(f *testing.F, files ...string) {
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// checkInputs asserts what every parser promises: each item it returns
// has a URL and non-empty content.
func checkInputs(t *testing.T, name string, n int, _ error, urlOf func(int) string, contentOf func(int) string) {
	for i := 0; i < n; i++ {
		if urlOf(i) == "" || strings.TrimSpace(contentOf(i)) == "" {
			t.Fatalf("%s: item %d has URL %q and content %q", name, i, urlOf(i), contentOf(i))
		}
	}
}

func FuzzParseTweets(f *testing.F) {
	seed(f, "testdata/x/data/tweets.js")
	f.Add([]byte("window.YTD.tweets.part0 = "))
	f.Add([]byte(`[{"tweet":{"id_str":"1","full_text":"x","created_at":"bad"}}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := ParseTweets(b)
		checkInputs(t, "tweets", len(items), err, func(i int) string { return items[i].URL }, func(i int) string { return items[i].Content })
	})
}

func FuzzParseLinkedInShares(f *testing.F) {
	seed(f, "testdata/linkedin/Shares.csv")
	f.Add([]byte("Date,ShareLink\n\"unterminated"))
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := ParseLinkedInShares(b)
		checkInputs(t, "shares", len(items), err, func(i int) string { return items[i].URL }, func(i int) string { return items[i].Content })
	})
}

func FuzzParseRedditCSV(f *testing.F) {
	seed(f, "testdata/reddit/posts.csv", "testdata/reddit/comments.csv")
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := ParseRedditCSV(b, "posts.csv")
		checkInputs(t, "reddit", len(items), err, func(i int) string { return items[i].URL }, func(i int) string { return items[i].Content })
	})
}

func FuzzParseOutbox(f *testing.F) {
	seed(f, "testdata/mastodon/outbox.json")
	f.Add([]byte(`{"orderedItems":[{"type":"Create","object":{"id":"x","content":"<p><b>unclosed"}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := ParseOutbox(b)
		checkInputs(t, "outbox", len(items), err, func(i int) string { return items[i].URL }, func(i int) string { return items[i].Content })
	})
}

func FuzzParseNote(f *testing.F) {
	for _, p := range []string{"testdata/vault/posts/hugo-post.md", "testdata/vault/posts/2023-09-14-jekyll-post.markdown",
		"testdata/vault/posts/broken.md", "testdata/vault/essay.html"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p, b)
	}
	f.Add("x.md", []byte("---\n---\n"))
	f.Add("x.md", []byte("+++\ndate = 1979-05-27T07:32:00\n+++\nbody"))
	f.Fuzz(func(t *testing.T, name string, b []byte) {
		in, ok, err := ParseNote(name, b)
		if ok && (err != nil || in.Content == "") {
			t.Fatalf("ok with err %v and content %q", err, in.Content)
		}
	})
}
