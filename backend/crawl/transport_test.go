package crawl

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/doppelhq/doppel/backend/crawl/benchsite"
)

// A crawl keeps its connections to the site open and reuses them: with
// http.DefaultTransport's 2 idle connections per host, 4 requests in
// flight dialled a new connection for every other page.
func TestCrawlReusesConnections(t *testing.T) {
	const posts = 120
	var dials atomic.Int64
	srv := httptest.NewUnstartedServer(benchsite.Handler(posts))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	sum, _ := crawlSite(t, openDocs(t), srv.URL+"/", Options{MaxPages: 10000})
	if sum.New != posts {
		t.Fatalf("stored %d posts, want %d: %+v", sum.New, posts, sum)
	}
	// The 4 crawl connections, and the one robots.txt was fetched on.
	if n := dials.Load(); n > 8 {
		t.Errorf("%d pages over %d connections; want them reused (at most 8)", sum.Fetched, n)
	}
}
