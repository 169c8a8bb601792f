package documents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/doppelhq/doppel/backend/store"
)

func open(t *testing.T) *Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "doppel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(st)
}

func TestUpsertDedupeAndVersions(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	src, added, err := s.EnsureSource(ctx, "site", "https://blog.example", "")
	if err != nil || !added {
		t.Fatalf("EnsureSource: %v added=%v", err, added)
	}
	if again, added, _ := s.EnsureSource(ctx, "site", "https://blog.example", ""); added || again.ID != src.ID {
		t.Fatalf("second EnsureSource added a new source")
	}
	pub := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	base := Input{SourceID: src.ID, Platform: "site", Kind: Article, URL: "https://blog.example/a", Title: "A",
		Content: "# A\n\nHello   world.", Raw: []byte("<html>a</html>"), PublishedAt: pub, Tags: []string{"go"}}

	steps := []struct {
		name string
		in   func() Input
		want Outcome
	}{
		{"new", func() Input { return base }, Added},
		{"same content rewrapped", func() Input { in := base; in.Content = "# A\nHello world.\n"; return in }, Unchanged},
		{"changed", func() Input { in := base; in.Content = "# A\n\nHello brave world."; return in }, Updated},
		{"alias by fetched URL", func() Input {
			in := base
			in.URL, in.Aliases = "https://blog.example/a", []string{"https://blog.example/a/?utm=x"}
			in.Content = "# A\n\nHello brave world."
			return in
		}, Unchanged},
		{"same post on another platform", func() Input {
			in := base
			in.URL, in.Platform = "https://medium.com/@me/a-123", "medium"
			in.Content = "# A\n\nHello brave world."
			return in
		}, Duplicate},
		{"lookup by alias", func() Input {
			in := base
			in.URL = "https://medium.com/@me/a-123"
			in.Content = "# A\n\nHello brave world, again."
			return in
		}, Updated},
	}
	var id int64
	for _, st := range steps {
		r, err := s.Upsert(ctx, st.in())
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if r.Outcome != st.want {
			t.Fatalf("%s: outcome %s, want %s", st.name, r.Outcome, st.want)
		}
		if id == 0 {
			id = r.ID
		} else if r.ID != id {
			t.Fatalf("%s: id %d, want the same document %d", st.name, r.ID, id)
		}
	}
	d, err := s.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != 3 || d.Content != "# A\n\nHello brave world, again." || d.URL != "https://blog.example/a" {
		t.Fatalf("document after steps: version %d url %s content %q", d.Version, d.URL, d.Content)
	}
	if len(d.Aliases) != 2 {
		t.Fatalf("aliases %v, want the utm URL and the medium URL", d.Aliases)
	}
	if d.PublishedAt != "2024-03-01T09:00:00.000Z" || d.Words != 5 || len(d.Tags) != 1 {
		t.Fatalf("metadata: %+v", d.Summary)
	}
	vs, err := s.Versions(ctx, id)
	if err != nil || len(vs) != 2 || vs[0].Content != "# A\n\nHello   world." {
		t.Fatalf("versions %+v, %v", vs, err)
	}
	raw, err := s.Raw(ctx, id)
	if err != nil || string(raw) != "<html>a</html>" {
		t.Fatalf("raw %q, %v", raw, err)
	}
	if src, _ := s.Source(ctx, src.ID); src.Documents != 1 {
		t.Fatalf("source counts %d documents, want 1", src.Documents)
	}
}

func TestUpsertInvalid(t *testing.T) {
	s := open(t)
	for _, in := range []Input{
		{Platform: "site", Content: "x"},
		{URL: "u", Content: "x"},
		{URL: "u", Platform: "site", Content: "  \n"},
		{URL: "u", Platform: "site", Content: "x", Kind: "video"},
	} {
		if _, err := s.Upsert(context.Background(), in); !errors.Is(err, ErrInvalid) {
			t.Errorf("Upsert(%+v) = %v, want ErrInvalid", in, err)
		}
	}
}

func TestListExcludeDelete(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	docs := []Input{
		{Platform: "site", Kind: Article, URL: "https://b/1", Title: "Zebra stripes", Content: "about zebras", PublishedAt: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Platform: "mastodon", Kind: Post, URL: "https://m/2", Title: "", Content: "a toot about 100% cotton", PublishedAt: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)},
		{Platform: "github", Kind: Code, URL: "https://g/3", Title: "README", Content: "a long readme with many words in it"},
	}
	var ids []int64
	for _, in := range docs {
		r, err := s.Upsert(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	if err := s.SetExcluded(ctx, ids[2], true); err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	cases := []struct {
		name string
		f    Filter
		want []int64
	}{
		{"all by date, undated by fetch time", Filter{}, []int64{ids[0], ids[1], ids[2]}},
		{"search title", Filter{Query: "zebra"}, []int64{ids[0]}},
		{"search literal percent", Filter{Query: "100%"}, []int64{ids[1]}},
		{"percent is not a wildcard", Filter{Query: "%"}, []int64{ids[1]}},
		{"platform", Filter{Platforms: []string{"mastodon", "github"}}, []int64{ids[1], ids[2]}},
		{"kind", Filter{Kinds: []string{Article}}, []int64{ids[0]}},
		{"after", Filter{After: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}, []int64{ids[1]}},
		{"before", Filter{Before: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}, []int64{ids[0]}},
		{"excluded", Filter{Excluded: &yes}, []int64{ids[2]}},
		{"included", Filter{Excluded: &no, Sort: "title"}, []int64{ids[1], ids[0]}},
		{"words desc", Filter{Sort: "words", Desc: true}, []int64{ids[2], ids[1], ids[0]}},
		{"limit offset", Filter{Sort: "id", Limit: 1, Offset: 1}, []int64{ids[1]}},
	}
	for _, c := range cases {
		p, err := s.List(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []int64
		for _, d := range p.Documents {
			got = append(got, d.ID)
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
	if _, err := s.List(ctx, Filter{Sort: "content; DROP TABLE documents"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown sort: %v", err)
	}
	if _, err := s.Delete(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, ids[0]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after delete: %v", err)
	}
	if _, err := s.Delete(ctx, ids[0]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if err := s.SetExcluded(ctx, 999, true); !errors.Is(err, ErrNotFound) {
		t.Fatalf("exclude unknown: %v", err)
	}
}

func TestDeleteSource(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	a, _, _ := s.EnsureSource(ctx, "site", "https://a", "")
	b, _, _ := s.EnsureSource(ctx, "folder", "/notes", "")
	for i, src := range []*Source{a, b} {
		if _, err := s.Upsert(ctx, Input{SourceID: src.ID, Platform: "site", URL: "https://x/" + string(rune('a'+i)), Content: "text " + string(rune('a'+i))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.FinishRun(ctx, a.ID, map[string]int{"new": 1}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Source(ctx, a.ID); string(got.LastResult) != `{"new":1}` || got.LastRunAt == "" {
		t.Fatalf("last result %s at %q", got.LastResult, got.LastRunAt)
	}
	if err := s.DeleteSource(ctx, a.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSource(ctx, b.ID, false); err != nil {
		t.Fatal(err)
	}
	p, _ := s.List(ctx, Filter{})
	if p.Total != 1 || p.Documents[0].SourceID != nil {
		t.Fatalf("after deleting sources: %+v", p)
	}
	srcs, _ := s.Sources(ctx)
	if len(srcs) != 0 {
		t.Fatalf("sources left: %v", srcs)
	}
}

// TestHashIsStable pins the content hash: stored documents are compared
// by it, so a change would make a re-crawl see every document as changed.
func TestHashIsStable(t *testing.T) {
	for _, c := range []struct{ name, content, want string }{
		{"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"plain", "hello world", "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"},
		{"whitespace runs collapse", " \thello \n\n world\r\n", "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"},
		{"unicode spaces", "héllo\u00a0wörld\u2003!", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			joined := strings.Join(strings.Fields(c.content), " ")
			sum := sha256.Sum256([]byte(joined))
			want := hex.EncodeToString(sum[:])
			if c.want != "" && want != c.want {
				t.Fatalf("test vector %q: sha256 is %s, table says %s", joined, want, c.want)
			}
			if got := Hash(c.content); got != want {
				t.Errorf("Hash(%q) = %s, want %s", c.content, got, want)
			}
		})
	}
}

func TestWords(t *testing.T) {
	for _, c := range []struct {
		content string
		want    int
	}{
		{"", 0},
		{"# Title\n\n- one two\n- 3", 4},
		{"--- *** ``` | :-: |", 0},
		{"naïve café, déjà-vu!", 3},
		{"日本語 ١٢٣ (x)", 3},
		{"\u00a0a\u2003b", 2},
	} {
		got := Words(c.content)
		if got != c.want {
			t.Errorf("Words(%q) = %d, want %d", c.content, got, c.want)
		}
		// Words as it was: a field counts when IndexFunc finds a letter or digit.
		ref := 0
		for _, f := range strings.Fields(c.content) {
			if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
				ref++
			}
		}
		if h, n := hashAndWords(c.content); h != Hash(c.content) || n != ref || got != ref {
			t.Errorf("hashAndWords(%q) = %s, %d; want %s, %d", c.content, h, n, Hash(c.content), ref)
		}
	}
}
