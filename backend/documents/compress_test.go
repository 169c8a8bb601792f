package documents

import (
	"bytes"
	stdgzip "compress/gzip"
	"strings"
	"testing"
)

// Raw bytes stored before the switch to klauspost/compress were written
// by compress/gzip; both must read back, and what is written now must
// stay readable by the standard library.
func TestCompressFormats(t *testing.T) {
	page := []byte("<html><body>" + strings.Repeat("<p>the same words again</p>", 200) + "</body></html>")
	std := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := stdgzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	for _, tc := range []struct {
		name string
		raw  []byte
	}{{"page", page}, {"one byte", []byte("x")}, {"binary", []byte{0, 0x1f, 0x8b, 0xff, 0}}} {
		t.Run(tc.name, func(t *testing.T) {
			z, err := compress(tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := decompress(z); err != nil || !bytes.Equal(got, tc.raw) {
				t.Fatalf("round trip: %q, %v", got, err)
			}
			zr, err := stdgzip.NewReader(bytes.NewReader(z))
			if err != nil {
				t.Fatalf("compress/gzip cannot read what is stored now: %v", err)
			}
			var got bytes.Buffer
			if _, err := got.ReadFrom(zr); err != nil || !bytes.Equal(got.Bytes(), tc.raw) {
				t.Fatalf("compress/gzip read %q, %v", got.Bytes(), err)
			}
			if got, err := decompress(std(tc.raw)); err != nil || !bytes.Equal(got, tc.raw) {
				t.Fatalf("reading compress/gzip output: %q, %v", got, err)
			}
		})
	}
	if z, _ := compress(page); len(z) >= len(page)/4 {
		t.Errorf("compressed %d bytes to %d: not compressing", len(page), len(z))
	}
	if _, err := decompress([]byte("not gzip")); err == nil {
		t.Error("decompress accepted bytes that are not gzip")
	}
}
