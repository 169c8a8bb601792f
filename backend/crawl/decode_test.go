package crawl

import (
	"bytes"
	"testing"
)

var decodeCases = []struct {
	name, ct string
	body     []byte
	// fast: the UTF-8 fast path applies
	fast bool
}{
	{"utf-8 header", "text/html; charset=utf-8", []byte("<p>héllo wörld</p>"), true},
	{"no header, meta utf-8", "text/html", []byte(`<meta charset="utf-8"><p>héllo</p>`), true},
	{"no charset at all (sniffed)", "text/html", []byte("<p>héllo</p>"), true},
	{"utf-8 BOM", "text/html", []byte("\xef\xbb\xbf<p>héllo</p>"), true},
	{"utf-8 BOM, latin-1 header", "text/html; charset=iso-8859-1", []byte("\xef\xbb\xbf<p>héllo</p>"), true},
	{"invalid utf-8", "text/html; charset=utf-8", []byte("<p>h\xffllo \xc3</p>"), false},
	{"latin-1 header", "text/html; charset=iso-8859-1", []byte("<p>h\xe9llo</p>"), false},
	{"latin-1 meta", "text/html", []byte("<meta charset=\"iso-8859-1\"><p>h\xe9llo</p>"), false},
	{"windows-1252 meta after 1024 bytes", "text/html", append(bytes.Repeat([]byte(" "), 1100), []byte("<meta charset=\"windows-1252\"><p>caf\xe9</p>")...), false},
	{"shift_jis header", "text/html; charset=shift_jis", []byte("<p>\x82\xa0</p>"), false},
	{"utf-16 BOM", "text/html", []byte("\xff\xfe<\x00p\x00>\x00"), false},
	{"empty", "", nil, false},
	{"plain text", "text/plain", []byte("just text, ünïcode"), true},
}

// TestDecodeHTMLFastPath checks that skipping the transform for UTF-8
// changes nothing: DecodeHTML gives what decodeSlow (the charset
// transform) gives.
func TestDecodeHTMLFastPath(t *testing.T) {
	for _, c := range decodeCases {
		t.Run(c.name, func(t *testing.T) {
			if got, want := DecodeHTML(c.body, c.ct), decodeSlow(c.body, c.ct); got != want {
				t.Errorf("DecodeHTML = %q, want %q", got, want)
			}
			if got := isUTF8(c.body, c.ct); got != c.fast {
				t.Errorf("fast path %v, want %v", got, c.fast)
			}
		})
	}
}

func FuzzDecodeHTML(f *testing.F) {
	for _, c := range decodeCases {
		f.Add(c.body, c.ct)
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		if got, want := DecodeHTML(body, ct), decodeSlow(body, ct); got != want {
			t.Errorf("DecodeHTML(%q, %q) = %q, want %q", body, ct, got, want)
		}
	})
}
