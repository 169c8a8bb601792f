package feature

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite golden files")

// runeSlice returns content[start:end] in code points.
func runeSlice(s string, start, end int) string {
	r := []rune(s)
	return string(r[start:end])
}

// checkChunks verifies the properties every chunking must have.
func checkChunks(t *testing.T, kind, content string, chunks []Chunk, s ChunkSettings) {
	t.Helper()
	maxLen := s.ArticleMax + s.Overlap
	switch kind {
	case "code":
		maxLen = s.CodeMax + s.CodeOverlap
	case "post", "note":
		maxLen = max(s.PostMax+s.Overlap, s.PostMax)
	}
	prevEnd := 0
	for i, c := range chunks {
		if c.Position != i {
			t.Errorf("chunk %d has position %d", i, c.Position)
		}
		if c.Start < 0 || c.End > utf8.RuneCountInString(content) || c.Start >= c.End {
			t.Fatalf("chunk %d: bad range [%d,%d)", i, c.Start, c.End)
		}
		// The offsets point at the chunk: its text is that range, cleaned.
		if got := runeSlice(content, c.Start, c.End); got != content[c.ByteStart:c.ByteEnd] {
			t.Errorf("chunk %d: rune offsets and byte offsets disagree", i)
		}
		if want := CleanRange(kind, content, c.ByteStart, c.ByteEnd); c.Text != want {
			t.Errorf("chunk %d text %q != CleanRange %q", i, c.Text, want)
		}
		if n := utf8.RuneCountInString(content[c.ByteStart:c.ByteEnd]); n > maxLen {
			t.Errorf("chunk %d has %d characters, over %d", i, n, maxLen)
		}
		if c.Start > prevEnd {
			// A gap may only hold what cleaning drops.
			if gap := CleanRange(kind, content, byteOff(content, prevEnd), c.ByteStart); strings.TrimSpace(gap) != "" {
				t.Errorf("text between chunks %d and %d is in no chunk: %q", i-1, i, gap)
			}
		}
		prevEnd = c.End
	}
	if len(chunks) > 0 {
		if tail := CleanRange(kind, content, chunks[len(chunks)-1].ByteEnd, len(content)); strings.TrimSpace(tail) != "" {
			t.Errorf("text after the last chunk is in no chunk: %q", tail)
		}
	}
}

func byteOff(s string, runes int) int {
	i := 0
	for b := range s {
		if i == runes {
			return b
		}
		i++
	}
	return len(s)
}

func TestChunkKinds(t *testing.T) {
	s := DefaultChunkSettings
	long := strings.Repeat("This sentence is about write-ahead logs and checkpoints. ", 120) // ~6,800 chars, one paragraph
	tests := []struct {
		name, kind, content string
		wantChunks          int // -1: any
		wantPaths           []string
	}{
		{"empty", "article", "", 0, nil},
		{"only whitespace and boilerplate", "article", "\n\n  \nShare this:\nLoading...\n", 0, nil},
		{"short post whole", "post", "𝐁𝐨𝐥𝐝 claim.\n\nSecond line. #tag", 1, []string{""}},
		{"short article one chunk", "article", "# Title\n\nIntro.\n\n## Part\n\nBody.", 1, []string{"Title"}},
		{"sections split at headings", "article", "# T\n\n## A\n\n" + strings.Repeat("Alpha words here. ", 70) + "\n\n## B\n\n" + strings.Repeat("Beta words here. ", 70), 2, []string{"T > A", "T > B"}},
		{"one long paragraph by sentences", "article", long, -1, nil},
		{"huge word", "article", strings.Repeat("x", 5000), 3, nil},
		{"long post", "post", long, -1, nil},
		{"code by function", "code", "package p\n\n" + strings.Repeat("// F does things.\nfunc F() {\n"+strings.Repeat("\tx := 1\n", 60)+"}\n\n", 4), -1, nil},
		{"fenced code kept whole", "article", "# H\n\n```go\n" + strings.Repeat("a  :=  1\n", 300) + "```\n\nAfter.", -1, nil},
		{"multibyte", "article", strings.Repeat("Grüße aus Köln — 日本語のテキスト。 ", 200), -1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := ChunkDocument(tc.kind, tc.content, s)
			if tc.wantChunks >= 0 && len(cs) != tc.wantChunks {
				t.Fatalf("%d chunks, want %d: %+v", len(cs), tc.wantChunks, cs)
			}
			if tc.wantChunks < 0 && len(cs) < 2 {
				t.Fatalf("%d chunks, want several", len(cs))
			}
			for i, p := range tc.wantPaths {
				if cs[i].HeadingPath != p {
					t.Errorf("chunk %d heading path %q, want %q", i, cs[i].HeadingPath, p)
				}
			}
			checkChunks(t, tc.kind, tc.content, cs, s)
		})
	}
}

func TestChunkOverlap(t *testing.T) {
	var b strings.Builder
	for i := range 80 {
		fmt.Fprintf(&b, "Sentence number %d talks about chunk overlap. ", i)
	}
	cs := ChunkDocument("article", b.String(), DefaultChunkSettings)
	if len(cs) < 2 {
		t.Fatalf("%d chunks", len(cs))
	}
	for i := 1; i < len(cs); i++ {
		if cs[i].Start >= cs[i-1].End {
			t.Errorf("chunk %d starts at %d, after the end %d of the one before: no overlap", i, cs[i].Start, cs[i-1].End)
		}
		if ov := cs[i-1].End - cs[i].Start; ov > DefaultChunkSettings.Overlap {
			t.Errorf("overlap %d over %d", ov, DefaultChunkSettings.Overlap)
		}
		if !strings.HasPrefix(cs[i].Text, "Sentence number") {
			t.Errorf("chunk %d does not start at a sentence: %.40q", i, cs[i].Text)
		}
	}
	// Sizes are settings.
	small := ChunkSettings{ArticleMin: 200, ArticleMax: 400, Overlap: 50, PostMax: 400, CodeMax: 400, CodeOverlap: 20}
	if n := len(ChunkDocument("article", b.String(), small)); n <= len(cs) {
		t.Errorf("smaller settings gave %d chunks, not more than %d", n, len(cs))
	}
	if small.Hash() == DefaultChunkSettings.Hash() {
		t.Error("different settings hash the same")
	}
}

func TestChunkSettingsValidate(t *testing.T) {
	for _, s := range []ChunkSettings{
		{ArticleMin: 0, ArticleMax: 100, PostMax: 500, CodeMax: 500},
		{ArticleMin: 3000, ArticleMax: 2000, PostMax: 500, CodeMax: 500},
		{ArticleMin: 100, ArticleMax: 2000, Overlap: 1500, PostMax: 500, CodeMax: 500},
	} {
		if s.Validate() == nil {
			t.Errorf("%+v accepted", s)
		}
	}
	if err := DefaultChunkSettings.Validate(); err != nil {
		t.Error(err)
	}
}

// TestChunkCorpusGolden chunks every fixture document and compares a
// summary (position, heading path, offsets, first words) with a golden file.
func TestChunkCorpusGolden(t *testing.T) {
	var b strings.Builder
	for _, d := range loadCorpus(t) {
		cs := ChunkDocument(d.Kind, d.Content, DefaultChunkSettings)
		checkChunks(t, d.Kind, d.Content, cs, DefaultChunkSettings)
		fmt.Fprintf(&b, "%s (%s, %d chars)\n", d.URL, d.Kind, utf8.RuneCountInString(d.Content))
		for _, c := range cs {
			first := []rune(strings.Join(strings.Fields(c.Text), " "))
			fmt.Fprintf(&b, "  %d [%d,%d) %q %q\n", c.Position, c.Start, c.End, c.HeadingPath, string(first[:min(50, len(first))]))
		}
	}
	golden := "testdata/chunks.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("chunks differ from %s (run with -update after checking):\n%s", golden, b.String())
	}
}

func FuzzChunkDocument(f *testing.F) {
	f.Add("article", "# a\n\nb. c. d.")
	f.Add("code", "func a() {}\nfunc b() {}\n")
	f.Add("post", strings.Repeat("é ", 1500))
	f.Add("article", "```\n"+strings.Repeat("x", 3000))
	f.Fuzz(func(t *testing.T, kind, content string) {
		if !utf8.ValidString(content) {
			return
		}
		s := ChunkSettings{ArticleMin: 100, ArticleMax: 300, Overlap: 40, PostMax: 300, CodeMax: 300, CodeOverlap: 30}
		checkChunks(t, kind, content, ChunkDocument(kind, content, s), s)
	})
}
