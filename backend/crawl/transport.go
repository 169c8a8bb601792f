package crawl

import (
	"compress/gzip"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryTransport retries 429 and 5xx answers and connection errors with
// exponential backoff (honouring Retry-After up to maxWait), and
// decompresses gzip bodies itself, lazily, so a gzip bomb is cut at the
// body cap by the reader above it instead of filling memory.
type retryTransport struct {
	next    http.RoundTripper
	retries int
	backoff time.Duration
	maxWait time.Duration
}

func retryable(code int) bool { return code == http.StatusTooManyRequests || code >= 500 }

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var resp *http.Response
	var err error
	for attempt := 0; ; attempt++ {
		resp, err = t.next.RoundTrip(req)
		if err == nil && !retryable(resp.StatusCode) {
			break
		}
		if attempt >= t.retries || req.Context().Err() != nil || (req.Body != nil && req.GetBody == nil) {
			break
		}
		wait := t.backoff << attempt
		wait += time.Duration(rand.Int64N(int64(wait)/4 + 1))
		if err == nil {
			if s, perr := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); perr == nil && s >= 0 {
				wait = time.Duration(s) * time.Second
			}
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		wait = min(wait, t.maxWait)
		select {
		case <-req.Context().Done():
			return nil, req.Context().Err()
		case <-time.After(wait):
		}
	}
	if err != nil {
		return nil, err
	}
	if gz := strings.Contains(strings.ToLower(resp.Header.Get("Content-Encoding")), "gzip") ||
		strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "gzip") ||
		strings.HasSuffix(strings.ToLower(resp.Request.URL.Path), ".gz"); gz && !resp.Uncompressed {
		resp.Body = &lazyGunzip{src: resp.Body}
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	}
	return resp, nil
}

// lazyGunzip decompresses on first Read; a body that is not gzip after all
// is passed through unchanged.
type lazyGunzip struct {
	src io.ReadCloser
	r   io.Reader
}

func (g *lazyGunzip) Read(p []byte) (int, error) {
	if g.r == nil {
		br := &peekReader{r: g.src}
		head := br.peek(2)
		if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
			zr, err := gzip.NewReader(br)
			if err != nil {
				return 0, err
			}
			g.r = zr
		} else {
			g.r = br
		}
	}
	return g.r.Read(p)
}

func (g *lazyGunzip) Close() error { return g.src.Close() }

type peekReader struct {
	r   io.Reader
	buf []byte
}

func (p *peekReader) peek(n int) []byte {
	b := make([]byte, n)
	m, _ := io.ReadFull(p.r, b)
	p.buf = b[:m]
	return p.buf
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.buf) > 0 {
		n := copy(b, p.buf)
		p.buf = p.buf[n:]
		return n, nil
	}
	return p.r.Read(b)
}
