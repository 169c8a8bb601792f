package feature

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanRules(t *testing.T) {
	tests := []struct {
		rule, in, want string
	}{
		{"line-endings", "one\r\ntwo\r\n", "one\ntwo"},
		{"line-endings", "\ufeffTitle line", "Title line"},
		{"styled-letters", "𝐁𝐨𝐥𝐝 and 𝘪𝘵𝘢𝘭𝘪𝘤 and 𝙢𝙤𝙣𝙤 𝟏𝟐𝟑", "Bold and italic and mono 123"},
		{"styled-letters", "𝓈𝒸𝓇𝒾𝓅𝓉 ℍ𝕖𝕝𝕝𝕠 ｆｕｌｌｗｉｄｔｈ Ⓒⓘⓡⓒⓛⓔ ﬁne", "script Hello fullwidth Circle fine"},
		{"unicode-nfc", "cafe\u0301 x² ½", "café x² ½"},
		{"invisible-characters", "zero\u200bwidth soft\u00adhyphen", "zerowidth softhyphen"},
		{"invisible-characters", "family 👨\u200d👩\u200d👧", "family 👨\u200d👩\u200d👧"},
		{"spaces", "a\u00a0b\u2003c   d\t\te   ", "a b c d e"},
		{"spaces", "- item\n    - nested  item", "- item\n    - nested item"},
		{"boilerplate-lines", "Real text.\nShare this:\nClick to share on Twitter (Opens in new window)\nLike this:\nLoading...\nMore text.", "Real text.\nMore text."},
		{"boilerplate-lines", "Body.\n\n*Originally published at https://blog.example.com on May 1.*\n\nContinue reading →", "Body."},
		{"boilerplate-lines", "Body.\nTags: go, sqlite\nFollow me on Mastodon\nSubscribe", "Body."},
		{"boilerplate-lines", "I share this: the tests must stay real.\nSubscribe to the idea that tests matter.", "I share this: the tests must stay real.\nSubscribe to the idea that tests matter."},
		{"blank-lines", "\n\n\nA\n\n\n\nB\n\n", "A\n\nB"},
		{"code kept", "Text  here\n```go\nfunc  f() {\t\n\treturn 𝐁\n}\n```\nafter", "Text here\n```go\nfunc  f() {\t\n\treturn 𝐁\n}\n```\nafter"},
		{"code kept", "Use `a  𝐁  b` inline  now", "Use `a  𝐁  b` inline now"},
		{"math kept", "Energy $E  =  mc^2$ and \\(x\u00a0y\\)", "Energy $E  =  mc^2$ and \\(x\u00a0y\\)"},
		{"math kept", "$$\n\\mathbb{R}  ×  𝐱\n\n\n$$\nok", "$$\n\\mathbb{R}  ×  𝐱\n\n\n$$\nok"},
		{"code kept", "```\nShare this:\n\n\n\nLoading...\n```", "```\nShare this:\n\n\n\nLoading...\n```"},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			if got := Clean(tc.in); got != tc.want {
				t.Errorf("Clean(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRulesAreDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules {
		if r.Name == "" || r.Doc == "" || seen[r.Name] {
			t.Errorf("rule %+v: needs a unique name and a doc", r)
		}
		seen[r.Name] = true
	}
}

// CleanRange over consecutive ranges must agree with cleaning the whole
// document (up to the line breaks at the cuts).
func TestCleanRangeMatchesWhole(t *testing.T) {
	doc := "# T𝐢tle\n\nFirst  para.\nShare this:\n\n\n\n```\ncode  here\n```\nLast\u00a0line.\n"
	whole := Clean(doc)
	for cut := 0; cut <= len(doc); cut++ {
		if !utf8.RuneStart(doc[min(cut, len(doc)-1)]) && cut < len(doc) {
			continue
		}
		a := CleanRange("article", doc, 0, cut)
		b := CleanRange("article", doc, cut, len(doc))
		joined := strings.Join(strings.Fields(a+b), "")
		if want := strings.Join(strings.Fields(whole), ""); joined != want {
			t.Fatalf("cut %d: %q + %q != %q", cut, a, b, whole)
		}
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "```", "$$", "`a", "\\(", "𝐁\r\n", "# h\n\n\n", "\xff\xfe", "~~~\n```\n~~~"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Clean(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		if again := Clean(out); again != out && utf8.ValidString(s) {
			// Cleaning is idempotent on valid input.
			t.Fatalf("not idempotent: %q -> %q -> %q", s, out, again)
		}
	})
}
