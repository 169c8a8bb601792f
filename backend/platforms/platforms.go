// Package platforms collects the user's writing from platform APIs that
// serve it as data rather than pages: dev.to articles, Mastodon statuses,
// Bluesky posts, GitHub repositories (READMEs, Markdown docs, code),
// Hashnode publications (GraphQL) and WordPress sites (REST API).
// Each adapter pages through the public API, turns every item into a
// document and stores it; base URLs are configurable so that tests (and
// self-hosted instances) can point elsewhere.
package platforms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/doppelhq/doppel/backend/crawl"
	"github.com/doppelhq/doppel/backend/documents"
)

// Source kinds handled here.
const (
	KindDevTo    = "devto"
	KindMastodon = "mastodon"
	KindBluesky  = "bluesky"
	KindGitHub   = "github"
	KindHashnode = "hashnode"
)

// Config holds the API base URLs and credentials.
type Config struct {
	DevTo     string // https://dev.to
	Bluesky   string // https://public.api.bsky.app
	GitHubAPI string // https://api.github.com
	Hashnode  string // https://gql.hashnode.com (the GraphQL endpoint)
	// GitHubToken, when set, raises GitHub's rate limit (60 requests an hour
	// without one).
	GitHubToken string
	// MaxItems caps the items taken from one account (default 5000).
	MaxItems int
	// Client replaces http.DefaultClient.
	Client *http.Client
}

// Defaults are the public endpoints.
func Defaults() Config {
	return Config{DevTo: "https://dev.to", Bluesky: "https://public.api.bsky.app", GitHubAPI: "https://api.github.com",
		Hashnode: "https://gql.hashnode.com"}
}

func (c Config) withDefaults() Config {
	d := Defaults()
	if c.DevTo == "" {
		c.DevTo = d.DevTo
	}
	if c.Bluesky == "" {
		c.Bluesky = d.Bluesky
	}
	if c.GitHubAPI == "" {
		c.GitHubAPI = d.GitHubAPI
	}
	if c.Hashnode == "" {
		c.Hashnode = d.Hashnode
	}
	if c.MaxItems <= 0 {
		c.MaxItems = 5000
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 30 * time.Second}
	}
	return c
}

// Detect recognizes an account on a platform from what the user typed:
// https://dev.to/NAME, https://INSTANCE/@NAME or @NAME@INSTANCE (Mastodon),
// https://bsky.app/profile/HANDLE, https://github.com/NAME, a Hashnode
// blog (https://NAME.hashnode.dev or hashnode:HOST for a custom domain).
// ok is false for anything else (a site to crawl; Probe may still find it
// is a Hashnode or WordPress blog).
func Detect(raw string) (kind, location string, ok bool) {
	raw = strings.TrimSpace(raw)
	if h, found := strings.CutPrefix(raw, "hashnode:"); found {
		if hu, err := url.Parse("https://" + strings.TrimPrefix(strings.TrimPrefix(h, "https://"), "http://")); err == nil && hu.Host != "" && !strings.ContainsAny(hu.Host, " @") {
			return KindHashnode, "https://" + strings.ToLower(hu.Host), true
		}
		return "", "", false
	}
	if strings.HasPrefix(raw, "@") && strings.Count(raw, "@") == 2 {
		user, inst, _ := strings.Cut(raw[1:], "@")
		if user != "" && inst != "" && !strings.ContainsAny(inst, "/ ") {
			return KindMastodon, "https://" + strings.ToLower(inst) + "/@" + user, true
		}
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", "", false
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	segs := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
	base := u.Scheme + "://" + u.Host
	switch {
	case strings.HasSuffix(host, ".hashnode.dev") && host != ".hashnode.dev":
		return KindHashnode, "https://" + strings.ToLower(u.Host), true
	case host == "dev.to" && len(segs) == 1:
		return KindDevTo, base + "/" + segs[0], true
	case host == "bsky.app" && len(segs) == 2 && segs[0] == "profile":
		return KindBluesky, base + "/profile/" + segs[1], true
	case host == "github.com" && len(segs) == 1:
		return KindGitHub, base + "/" + segs[0], true
	case host != "medium.com" && !strings.HasSuffix(host, ".medium.com") && len(segs) == 1 && strings.HasPrefix(segs[0], "@") && len(segs[0]) > 1:
		return KindMastodon, base + "/" + segs[0], true
	}
	return "", "", false
}

// account is the last path segment of a location ("ada" of https://dev.to/ada).
func account(location string) string {
	i := strings.LastIndex(strings.TrimSuffix(location, "/"), "/")
	return strings.TrimPrefix(strings.TrimSuffix(location, "/")[i+1:], "@")
}

// Syncer stores a platform account's items in the document store.
type Syncer struct {
	docs *documents.Store
	cfg  Config
}

// New returns a Syncer over docs.
func New(docs *documents.Store, cfg Config) *Syncer {
	return &Syncer{docs: docs, cfg: cfg.withDefaults()}
}

// syncRun is the state of one run.
type syncRun struct {
	*Syncer
	source int64
	sum    *crawl.Summary
	report func(crawl.Progress) error
}

// Sync fetches every item of the account at location (a kind from Detect)
// and stores it. Failures of single items are recorded in the summary; a
// failure to list the account is returned.
func (s *Syncer) Sync(ctx context.Context, source int64, kind, location string, report func(crawl.Progress) error) (*crawl.Summary, error) {
	began := time.Now()
	r := &syncRun{Syncer: s, source: source, sum: &crawl.Summary{SourceID: source, Site: location, Errors: []crawl.URLError{}}, report: report}
	var err error
	switch kind {
	case KindDevTo:
		err = r.devto(ctx, account(location))
	case KindMastodon:
		err = r.mastodon(ctx, location)
	case KindBluesky:
		err = r.bluesky(ctx, account(location))
	case KindGitHub:
		err = r.github(ctx, account(location))
	case KindHashnode:
		err = r.hashnode(ctx, location)
	case KindWordPress:
		err = r.wordpress(ctx, location)
	default:
		err = fmt.Errorf("unknown platform %q", kind)
	}
	r.sum.Elapsed = time.Since(began).Round(time.Millisecond).String()
	return r.sum, err
}

// getJSON fetches u into v, counting the request.
func (r *syncRun) getJSON(ctx context.Context, u string, hdr http.Header, v any) (http.Header, error) {
	_, h, err := r.doJSON(ctx, http.MethodGet, u, nil, hdr, v)
	return h, err
}

// httpError is an answer other than 200 OK.
type httpError struct {
	Method, URL string
	Status      int
	Body        string
}

func (e *httpError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.URL, e.Status, e.Body)
}

// doJSON sends a request (with a JSON body when body is not nil) and
// decodes a 200 answer into v. It returns the raw body too (for parsers
// that need it); a non-200 answer is an *httpError.
func (r *syncRun) doJSON(ctx context.Context, method, u string, body []byte, hdr http.Header, v any) ([]byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", crawl.UserAgent)
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	resp, err := r.cfg.Client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	r.sum.Fetched++
	b, err := io.ReadAll(io.LimitReader(resp.Body, crawl.DefaultMaxBody+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, u, err)
	}
	if resp.StatusCode != http.StatusOK {
		msg := strings.ToValidUTF8(strings.TrimSpace(string(b)), "")
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return nil, resp.Header, &httpError{Method: method, URL: u, Status: resp.StatusCode, Body: msg}
	}
	if len(b) > crawl.DefaultMaxBody {
		return nil, nil, fmt.Errorf("%s %s: body over %d bytes", method, u, crawl.DefaultMaxBody)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			return nil, nil, fmt.Errorf("%s %s: malformed JSON: %w", method, u, err)
		}
	}
	return b, resp.Header, nil
}

// store saves one item and counts the outcome.
func (r *syncRun) store(ctx context.Context, in documents.Input) error {
	in.SourceID = r.source
	res, err := r.docs.Upsert(ctx, in)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.fail(in.URL, err)
		return nil
	}
	r.sum.Add(res.Outcome)
	if r.report != nil {
		return r.report(crawl.Progress{Fetched: r.sum.New + r.sum.Updated + r.sum.Unchanged + r.sum.Duplicates + r.sum.DeletedByYou, Message: "sync " + r.sum.Site})
	}
	return nil
}

func (r *syncRun) fail(u string, err error) {
	r.sum.Failed++
	if len(r.sum.Errors) < 200 {
		r.sum.Errors = append(r.sum.Errors, crawl.URLError{URL: u, Reason: err.Error()})
	}
}

func (r *syncRun) full() bool {
	return r.sum.New+r.sum.Updated+r.sum.Unchanged+r.sum.Duplicates+r.sum.DeletedByYou+r.sum.Failed >= r.cfg.MaxItems
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// ErrNotFound is returned when the account does not exist.
var ErrNotFound = errors.New("account not found")

// skip records an item left out on purpose, with the reason.
func (r *syncRun) skip(u, reason string) {
	r.sum.Skipped++
	if len(r.sum.Errors) < 200 {
		r.sum.Errors = append(r.sum.Errors, crawl.URLError{URL: u, Reason: reason})
	}
}
