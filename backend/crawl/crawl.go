// Package crawl is the site crawler of the data collection stage: it finds
// a site's pages through robots.txt, sitemaps, RSS/Atom feeds and same-site
// links, fetches them politely with gocolly/colly, extracts the main text
// of each article as Markdown and stores it in the document store.
//
// Every URL's outcome is kept in crawl_pages, which makes a crawl killed
// half-way resumable (handled URLs are not fetched again) and a re-crawl
// cheap (conditional requests with the stored ETag / Last-Modified).
package crawl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/doppelhq/doppel/backend/documents"
)

// UserAgent identifies Doppel's crawler.
const UserAgent = "DoppelBot/0.1 (+https://github.com/doppelhq/doppel; personal archive)"

// DefaultDelay is the politeness delay between requests to a remote host.
const DefaultDelay = 500 * time.Millisecond

// DefaultMaxBody is the body size cap; larger bodies are skipped.
const DefaultMaxBody = 10 << 20

// Options tune a crawl. Zero values take the defaults.
type Options struct {
	// Delay between requests to the site; nil means DefaultDelay for remote
	// hosts and none for loopback. A robots.txt Crawl-delay that is longer wins.
	Delay *time.Duration
	// MaxPages caps the URLs fetched in one run (default 5000).
	MaxPages int
	// MaxDepth caps the link distance from the start URL (default 10).
	MaxDepth int
	// MaxBody caps a response body in bytes (default 10 MB).
	MaxBody int
	// Parallelism is the number of concurrent requests when there is no
	// delay (default 4; with a delay requests are sequential).
	Parallelism int
	// Retries of 429/5xx answers and connection errors (default 3), with
	// exponential Backoff (default 1s) capped at MaxRetryWait (default 30s).
	Retries      int
	Backoff      time.Duration
	MaxRetryWait time.Duration
	// Timeout of one request (default 30s).
	Timeout time.Duration
	// Transport replaces http.DefaultTransport (tests).
	Transport http.RoundTripper
	// UserAgent replaces UserAgent.
	UserAgent string
	// Platform names the platform of stored documents ("" = detect from
	// the host and the generator).
	Platform string
	// FeedFullText stores feed items that carry their full text straight
	// from the feed instead of fetching their pages (Medium, whose pages
	// are script-heavy and often refuse crawlers).
	FeedFullText bool
}

func (o Options) withDefaults(start *url.URL) Options {
	if o.Delay == nil {
		d := DefaultDelay
		if isLoopback(start.Hostname()) {
			d = 0
		}
		o.Delay = &d
	}
	if o.MaxPages <= 0 {
		o.MaxPages = 5000
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 10
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.Parallelism <= 0 {
		o.Parallelism = 4
	}
	if o.Retries == 0 {
		o.Retries = 3
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.MaxRetryWait <= 0 {
		o.MaxRetryWait = 30 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Transport == nil {
		// http.DefaultTransport keeps only 2 idle connections per host, so
		// with 4 requests in flight every other request dials a new one:
		// ~600 TCP connections for a 2,000-page site instead of a handful,
		// which costs the site as much as it costs us.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = max(o.Parallelism, 2)
		o.Transport = t
	}
	if o.UserAgent == "" {
		o.UserAgent = UserAgent
	}
	return o
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Progress is reported after every handled URL.
type Progress struct {
	Fetched int
	// Queued is the number of URLs known but not yet handled.
	Queued  int
	Message string
}

// URLError is one URL that failed or was skipped, with the reason.
type URLError struct {
	URL    string `json:"url"`
	Reason string `json:"reason"`
}

// Summary is the outcome of one crawl run.
type Summary struct {
	SourceID int64  `json:"source_id"`
	Site     string `json:"site"`
	// Fetched counts HTTP fetches in this run (304s included).
	Fetched int `json:"pages_fetched"`
	// Tally counts the pages stored by outcome: new, updated, unchanged,
	// duplicates, and skipped because the user deleted them.
	documents.Tally
	// NotModified counts 304 answers to conditional requests.
	NotModified int `json:"not_modified"`
	// Listings counts listing pages, feeds, sitemaps and redirect stubs
	// that were followed but not stored.
	Listings int `json:"listing_pages_skipped"`
	Skipped  int `json:"skipped"`
	Failed   int `json:"failed"`
	// Errors lists failed and skipped URLs with the reason (at most 200).
	Errors []URLError `json:"errors"`
	// Resumed is true when this run continued one that was interrupted.
	Resumed bool `json:"resumed"`
	// LimitReached is true when MaxPages stopped the crawl early.
	LimitReached bool   `json:"limit_reached"`
	Elapsed      string `json:"elapsed"`
	// Method says how a site was read when it was not a plain crawl
	// ("WordPress REST API"), or why the crawl was the fallback.
	Method string `json:"method,omitempty"`
}

// Crawler crawls sites into the document store.
type Crawler struct {
	docs *documents.Store
	opts Options
}

// New returns a Crawler storing into docs.
func New(docs *documents.Store, opts Options) *Crawler { return &Crawler{docs: docs, opts: opts} }

// ParseSiteURL checks a user-given site URL (adding https:// when the
// scheme is missing) and returns it normalized.
func ParseSiteURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw != "" && !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("bad site URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("bad site URL %q: want http(s)://host/...", raw)
	}
	n, _ := url.Parse(Normalize(u))
	return n, nil
}

// Crawl runs (or resumes) a crawl of the site at start for source id.
// Cancelling ctx stops it; the next Crawl of the source resumes it.
func (c *Crawler) Crawl(ctx context.Context, source int64, start string, report func(Progress) error) (*Summary, error) {
	startURL, err := ParseSiteURL(start)
	if err != nil {
		return nil, err
	}
	r := &run{c: c, opts: c.opts.withDefaults(startURL), start: startURL, seen: map[string]bool{}, hints: map[string]feedItem{},
		guessed: map[string]bool{}, report: report, began: time.Now()}
	r.sum.SourceID, r.sum.Site = source, startURL.String()
	r.sum.Errors = []URLError{}
	return r.crawl(ctx, source)
}

// run is the state of one crawl run.
type run struct {
	c      *Crawler
	opts   Options
	start  *url.URL
	robots *robots
	front  *frontier
	w      *writer
	col    *colly.Collector
	report func(Progress) error
	began  time.Time

	mu   sync.Mutex
	sum  Summary
	seen map[string]bool
	// known is every URL in the source's crawl record (queued or handled).
	known    map[string]bool
	hints    map[string]feedItem
	guessed  map[string]bool
	started  int
	handled  int
	queued   int
	fatal    error
	cancel   context.CancelFunc
	feedHost bool
}

func (r *run) crawl(ctx context.Context, source int64) (*Summary, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.cancel = cancel
	front, resumed, err := openRun(ctx, r.c.docs.DB(), source)
	if err != nil {
		return nil, err
	}
	r.front, r.sum.Resumed = front, resumed
	if n, err := front.handled(ctx); err == nil && resumed {
		r.started, r.handled = n, n
	}

	client := &http.Client{Transport: r.transport(), Timeout: r.opts.Timeout}
	rb, rerr := fetchRobots(ctx, client, r.start, r.opts.UserAgent)
	r.robots = rb
	if rerr != nil && ctx.Err() == nil {
		r.sum.Errors = append(r.sum.Errors, URLError{URL: r.start.ResolveReference(&url.URL{Path: "/robots.txt"}).String(), Reason: rerr.Error()})
	}
	delay := *r.opts.Delay
	if rb.delay > delay {
		delay = rb.delay
	}

	r.col = colly.NewCollector(colly.Async(true), colly.MaxBodySize(r.opts.MaxBody+1), colly.UserAgent(r.opts.UserAgent),
		colly.StdlibContext(ctx), colly.AllowURLRevisit(), colly.IgnoreRobotsTxt())
	r.col.WithTransport(r.transport())
	r.col.SetRequestTimeout(r.opts.Timeout)
	r.col.SetRedirectHandler(func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return fmt.Errorf("stopped after 10 redirects (a redirect loop?)")
		}
		return nil
	})
	par := r.opts.Parallelism
	if delay > 0 {
		par = 1
	}
	if err := r.col.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: par, Delay: delay}); err != nil {
		return nil, fmt.Errorf("crawl %s: %w", r.start, err)
	}
	r.col.OnResponseHeaders(r.onHeaders)
	r.col.OnResponse(r.onResponse)
	r.col.OnError(r.onError)

	seeds := []string{r.start.String()}
	for _, s := range rb.sitemaps {
		if u, err := url.Parse(s); err == nil && r.sameSite(u) {
			seeds = append(seeds, Normalize(u))
		}
	}
	if len(rb.sitemaps) == 0 {
		sm := r.start.ResolveReference(&url.URL{Path: "/sitemap.xml"}).String()
		r.guessed[sm] = true
		seeds = append(seeds, sm)
	}
	if _, err := front.add(ctx, seeds, 0); err != nil {
		return nil, err
	}
	queue, err := front.queued(ctx)
	if err != nil {
		return nil, err
	}
	if r.known, err = front.known(ctx); err != nil {
		return nil, err
	}
	if err := front.prepare(ctx); err != nil {
		return nil, err
	}
	if err := r.c.docs.Warm(ctx); err != nil {
		return nil, err
	}
	defer front.closeStmts()
	r.w = startWriter(r)
	r.mu.Lock()
	r.queued = r.handled + len(queue)
	r.mu.Unlock()
	for _, q := range queue {
		r.visit(ctx, q)
	}
	r.col.Wait()
	r.w.close() // a write error is r.fatal

	r.mu.Lock()
	defer r.mu.Unlock()
	r.sum.Elapsed = time.Since(r.began).Round(time.Millisecond).String()
	if r.fatal != nil {
		return &r.sum, r.fatal
	}
	if err := ctx.Err(); err != nil {
		return &r.sum, err
	}
	if err := front.close(context.WithoutCancel(ctx)); err != nil {
		return &r.sum, err
	}
	return &r.sum, nil
}

func (r *run) transport() http.RoundTripper {
	return &retryTransport{next: r.opts.Transport, retries: r.opts.Retries, backoff: r.opts.Backoff, maxWait: r.opts.MaxRetryWait}
}

func trimWWW(h string) string { return strings.TrimPrefix(strings.ToLower(h), "www.") }

func (r *run) sameSite(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && trimWWW(u.Host) == trimWWW(r.start.Host)
}

// skipExt are links to files that are never pages.
var skipExt = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".webp": true, ".svg": true, ".ico": true,
	".css": true, ".js": true, ".mjs": true, ".pdf": true, ".zip": true, ".gz": false, ".tar": true, ".mp3": true, ".mp4": true,
	".webm": true, ".woff": true, ".woff2": true, ".ttf": true, ".avif": true, ".mov": true, ".dmg": true, ".exe": true}

// enqueue records links found on a page and visits the new same-site ones.
func (r *run) enqueue(ctx context.Context, links []string, depth int) {
	if depth > r.opts.MaxDepth {
		return
	}
	var added []string
	r.mu.Lock()
	for _, l := range links {
		if r.seen[l] || r.known[l] {
			continue
		}
		u, err := url.Parse(l)
		if err != nil || !r.sameSite(u) || skipExt[strings.ToLower(path.Ext(u.Path))] {
			continue
		}
		r.known[l] = true
		added = append(added, l)
	}
	r.queued += len(added)
	r.mu.Unlock()
	if len(added) == 0 {
		return
	}
	// Queued (in the writer's order) before any of them is fetched.
	r.w.send(writeOp{queue: added, depth: depth})
	for _, l := range added {
		r.visit(ctx, queuedPage{URL: l, Depth: depth})
	}
}

func (r *run) fail(err error) {
	r.mu.Lock()
	if r.fatal == nil && !errors.Is(err, context.Canceled) {
		r.fatal = err
	}
	r.mu.Unlock()
	r.cancel()
}

// visit starts fetching one queued URL (asynchronously).
func (r *run) visit(ctx context.Context, q queuedPage) {
	if ctx.Err() != nil {
		return
	}
	u, err := url.Parse(q.URL)
	if err != nil {
		r.done(ctx, q.URL, pageResult{State: StateSkipped, Reason: "malformed URL"}, true)
		return
	}
	if !r.robots.allowed(u) {
		r.done(ctx, q.URL, pageResult{State: StateSkipped, Reason: "disallowed by robots.txt"}, true)
		return
	}
	r.mu.Lock()
	if r.seen[q.URL] {
		r.mu.Unlock()
		return
	}
	if r.started >= r.opts.MaxPages {
		r.sum.LimitReached = true
		r.mu.Unlock()
		return
	}
	r.seen[q.URL] = true
	r.started++
	r.mu.Unlock()

	hdr := http.Header{}
	hdr.Set("User-Agent", r.opts.UserAgent)
	hdr.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml,application/atom+xml,*/*;q=0.5")
	if q.ETag != "" {
		hdr.Set("If-None-Match", q.ETag)
	}
	if q.LastModified != "" {
		hdr.Set("If-Modified-Since", q.LastModified)
	}
	cctx := colly.NewContext()
	cctx.Put("url", q.URL)
	cctx.Put("depth", q.Depth)
	if err := r.col.Request(http.MethodGet, q.URL, nil, cctx, hdr); err != nil {
		r.done(ctx, q.URL, pageResult{State: StateFailed, Reason: err.Error()}, true)
	}
}

func ctxURL(resp *colly.Response) string {
	if s, ok := resp.Ctx.GetAny("url").(string); ok {
		return s
	}
	return Normalize(resp.Request.URL)
}

func ctxDepth(resp *colly.Response) int {
	d, _ := resp.Ctx.GetAny("depth").(int)
	return d
}

// onHeaders refuses bodies over the cap and content that is neither HTML
// nor XML/feeds before they are downloaded.
func (r *run) onHeaders(resp *colly.Response) {
	if resp.StatusCode != http.StatusOK {
		return
	}
	ct := strings.ToLower(resp.Headers.Get("Content-Type"))
	if !acceptedType(ct) {
		resp.Ctx.Put("skip", "content type "+mediaType(ct)+" is not HTML or a feed")
		resp.Request.Abort()
		return
	}
	if cl := resp.Headers.Get("Content-Length"); cl != "" {
		var n int64
		if _, err := fmt.Sscan(cl, &n); err == nil && n > int64(r.opts.MaxBody) {
			resp.Ctx.Put("skip", fmt.Sprintf("body of %d bytes is over the %d-byte cap", n, r.opts.MaxBody))
			resp.Request.Abort()
		}
	}
}

func mediaType(ct string) string {
	m, _, _ := strings.Cut(ct, ";")
	if m = strings.TrimSpace(m); m == "" {
		return "(none)"
	}
	return m
}

func acceptedType(ct string) bool {
	m := mediaType(ct)
	if m == "(none)" {
		return true // sniffed later
	}
	return m == "text/html" || m == "application/xhtml+xml" || strings.Contains(m, "xml") || m == "application/feed+json" ||
		m == "application/json" || m == "text/plain" || strings.Contains(m, "gzip")
}

func (r *run) onError(resp *colly.Response, err error) {
	ctx := r.col.Context
	u := ctxURL(resp)
	if reason := resp.Ctx.Get("skip"); reason != "" {
		r.done(ctx, u, pageResult{State: StateSkipped, Reason: reason, Status: resp.StatusCode}, true)
		return
	}
	if ctx.Err() != nil {
		// Cancelled: leave the URL queued for the resume.
		r.mu.Lock()
		r.handled++
		r.mu.Unlock()
		return
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		r.mu.Lock()
		r.sum.Fetched++
		r.sum.NotModified++
		r.mu.Unlock()
		r.done(ctx, u, pageResult{State: StateUnchanged, Reason: "not modified", Status: 304}, false)
	case resp.StatusCode == http.StatusNotFound && r.guessed[u]:
		r.done(ctx, u, pageResult{State: StateSkipped, Reason: "no sitemap.xml", Status: 404}, false)
	case resp.StatusCode != 0:
		r.mu.Lock()
		r.sum.Fetched++
		r.mu.Unlock()
		r.done(ctx, u, pageResult{State: StateFailed, Reason: fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode)), Status: resp.StatusCode}, true)
	default:
		r.done(ctx, u, pageResult{State: StateFailed, Reason: errReason(err)}, true)
	}
}

func errReason(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout: " + err.Error()
	}
	return err.Error()
}

// done records the outcome of a URL (through the writer, which then calls
// finish).
func (r *run) done(_ context.Context, u string, res pageResult, listErr bool) {
	r.w.send(writeOp{url: u, res: res, listErr: listErr})
}

// finish counts a URL whose outcome is committed and reports progress.
func (r *run) finish(h handledPage) {
	u, res, listErr := h.url, h.res, h.listErr
	r.mu.Lock()
	r.handled++
	r.sum.Add(h.outcome)
	switch res.State {
	case StateListing:
		r.sum.Listings++
	case StateSkipped:
		if h.outcome != documents.Deleted {
			r.sum.Skipped++
		}
	case StateFailed:
		r.sum.Failed++
	}
	if listErr && (res.State == StateSkipped || res.State == StateFailed) && len(r.sum.Errors) < 200 {
		r.sum.Errors = append(r.sum.Errors, URLError{URL: u, Reason: res.Reason})
	}
	p := Progress{Fetched: r.handled, Queued: max(r.queued-r.handled, 0)}
	r.mu.Unlock()
	p.Message = "crawl " + r.start.Host
	if r.report != nil {
		if err := r.report(p); err != nil {
			r.fail(err)
		}
	}
}
