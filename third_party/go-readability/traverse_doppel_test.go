package readability

import (
	"testing"

	"golang.org/x/net/html"
)

// doppel patch: counting text nodes through textStats must give exactly
// what Count gives rune by rune, whatever the texts and their order.
func FuzzTextStats(f *testing.F) {
	for _, s := range []string{"", " ", "a b", "  lead and trail  ", "tabs\t\tand\nnewlines\r\n", "nbsp\u00a0here\u0085", "日本語、テキスト，です", "commas, ، and ﹐", "bad \xff utf8"} {
		f.Add(s, "second part", "  ")
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		var want, got charCounter
		var wantCommas, gotCommas commaCounter
		var ps Parser
		for _, s := range []string{a, b, c, b} {
			for _, r := range s {
				want.Count(r)
				wantCommas.Count(r)
			}
			st := ps.textStats(&html.Node{Type: html.TextNode, Data: s})
			got.addText(st)
			gotCommas.Total += st.commas
		}
		if want != got || wantCommas != gotCommas {
			t.Fatalf("%q %q %q: Count gives %+v %+v, addText %+v %+v", a, b, c, want, wantCommas, got, gotCommas)
		}
	})
}

// The cache notices a text node whose text changed.
func TestTextStatsCache(t *testing.T) {
	var ps Parser
	n := &html.Node{Type: html.TextNode, Data: "one two"}
	if st := ps.textStats(n); st.nonSpace != 6 || st.gaps != 1 {
		t.Fatalf("%+v", st)
	}
	n.Data = "one, two, three"
	if st := ps.textStats(n); st.nonSpace != 13 || st.gaps != 2 || st.commas != 2 {
		t.Fatalf("stale stats after the text changed: %+v", st)
	}
}
