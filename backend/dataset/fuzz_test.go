package dataset

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzExtracts(f *testing.F) {
	for _, d := range []string{
		"", "# Title\n\nBody.", "```go\n# not a heading\n```\n\n## Real\n\ntext",
		strings.Repeat("A sentence that goes on. ", 200), strings.Repeat("word ", 900),
		"## H\n\n" + strings.Repeat("x", 5000), "Je viens de terminer. Merci!",
	} {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, md string) {
		exs := Extracts(Document{ID: 1, Kind: "article", Content: md})
		if strings.TrimSpace(md) != "" && len(exs) == 0 && len(Sections(md)) > 0 {
			t.Fatalf("no extracts from %q", md)
		}
		for i, ex := range exs {
			if ex.Index != i || strings.TrimSpace(ex.Text) == "" {
				t.Fatalf("extract %d: index %d, text %q", i, ex.Index, ex.Text)
			}
			// Only an unsplittable run (a code fence or a sentence-less
			// block) may exceed the maximum.
			if utf8.RuneCountInString(ex.Text) > MaxExtract && len(Sentences(ex.Text)) > 1 && !strings.Contains(ex.Text, "```") && !strings.Contains(ex.Text, "~~~") {
				t.Fatalf("extract %d has %d chars", i, utf8.RuneCountInString(ex.Text))
			}
		}
		_ = HeuristicInstruction(Document{ID: 1, Kind: "post", Title: md}, Extract{Text: md, First: true})
	})
}

func FuzzCompleteSentences(f *testing.F) {
	for _, s := range []string{"One. Two", "ends!", `"q." x`, "", "3.14", "a.b. C"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := CompleteSentences(s)
		if got == "" {
			return
		}
		if !strings.HasPrefix(strings.TrimSpace(s), got) {
			t.Fatalf("%q is not a prefix of %q", got, s)
		}
		if !strings.HasSuffix(got, "```") && !strings.ContainsAny(got[len(got)-1:]+lastRune(got), ".!?\"')]”’*_") {
			t.Fatalf("%q does not end a sentence", got)
		}
	})
}

func lastRune(s string) string {
	r, _ := utf8.DecodeLastRuneInString(s)
	return string(r)
}

func FuzzIsEcho(f *testing.F) {
	f.Add("Explain WAL.", "prompt <extract>x</extract>", "x")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, ins, prompt, extract string) {
		_ = IsEcho(ins, prompt, extract)
		_ = BoilerplateShare(ins)
		_, _ = DetectLanguage(ins)
	})
}
