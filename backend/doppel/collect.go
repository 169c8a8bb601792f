package doppel

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/doppelhq/doppel/backend/crawl"
	"github.com/doppelhq/doppel/backend/documents"
	"github.com/doppelhq/doppel/backend/importer"
	"github.com/doppelhq/doppel/backend/jobs"
	"github.com/doppelhq/doppel/backend/platforms"
)

// Job kinds of the data collection stage.
const (
	KindCrawl  = "crawl"
	KindImport = "import"
)

// CrawlRequest is the payload of a crawl job.
type CrawlRequest struct {
	// URL is a site URL, a Medium profile URL or "medium:@handle", or a
	// platform account: https://dev.to/NAME, https://INSTANCE/@NAME
	// (Mastodon), https://bsky.app/profile/HANDLE, https://github.com/NAME,
	// https://NAME.hashnode.dev or hashnode:HOST. A site that turns out to
	// be WordPress (REST API) or Hashnode is read through its API.
	URL string `json:"url"`
	// DelayMS is the politeness delay in milliseconds; nil = the default
	// (500 ms for remote hosts, none for loopback).
	DelayMS *int64 `json:"delay_ms,omitempty"`
	// MaxPages caps the pages fetched (0 = 5000).
	MaxPages int `json:"max_pages,omitempty"`
	// MaxDepth caps the link depth (0 = 10).
	MaxDepth int `json:"max_depth,omitempty"`
}

// ImportRequest is the payload of an import job.
type ImportRequest struct {
	// Path is an export archive (.zip), an export folder, a single export
	// file (outbox.json, tweets.js, a CSV) or a folder of notes.
	Path string `json:"path"`
}

// RunResult is what a crawl or import job returns and what the source keeps
// as its last result.
type RunResult struct {
	SourceID int64             `json:"source_id"`
	Crawl    *crawl.Summary    `json:"crawl,omitempty"`
	Import   *importer.Summary `json:"import,omitempty"`
	// Error is why the run stopped early, if it did.
	Error string `json:"error,omitempty"`
}

func init() {
	onOpen(func(ctx context.Context, a *App) error {
		a.Documents = documents.New(a.Store)
		a.Jobs.Register(KindCrawl, a.crawlRunner)
		a.Jobs.Register(KindImport, a.importRunner)
		return nil
	})
}

// PlanCrawl adds (or finds) the source for a crawl request.
func (a *App) PlanCrawl(ctx context.Context, req CrawlRequest) (*documents.Source, error) {
	if kind, loc, ok := platforms.Detect(req.URL); ok {
		src, _, err := a.Documents.EnsureSource(ctx, kind, loc, "")
		return src, err
	}
	kind, loc, _, _, err := crawl.Plan(req.URL)
	if err != nil {
		return nil, err
	}
	src, _, err := a.Documents.EnsureSource(ctx, kind, loc, "")
	return src, err
}

// PlanImport checks the path and adds (or finds) its source.
func (a *App) PlanImport(ctx context.Context, req ImportRequest) (*documents.Source, error) {
	abs, err := filepath.Abs(req.Path)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", req.Path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("import %s: %w", req.Path, err)
	}
	kind, err := importer.Detect(abs)
	if err != nil {
		return nil, err
	}
	src, _, err := a.Documents.EnsureSource(ctx, kind, abs, filepath.Base(abs))
	return src, err
}

func (a *App) crawlRunner(payload json.RawMessage) (jobs.Func, error) {
	var req CrawlRequest
	if err := json.Unmarshal(payload, &req); err != nil {
		return nil, fmt.Errorf("crawl payload: %w", err)
	}
	return func(ctx context.Context, report func(jobs.Progress) error) (any, error) {
		defer boostGC()()
		src, err := a.PlanCrawl(ctx, req)
		if err != nil {
			return nil, err
		}
		progress := func(p crawl.Progress) error {
			return report(jobs.Progress{Done: int64(p.Fetched), Total: int64(p.Fetched + p.Queued), Message: p.Message})
		}
		if kind, loc, ok := platforms.Detect(req.URL); ok {
			cfg := platforms.Defaults()
			cfg.GitHubToken = cmp.Or(os.Getenv("DOPPEL_GITHUB_TOKEN"), os.Getenv("GITHUB_TOKEN"))
			cfg.MaxItems = req.MaxPages
			sum, err := platforms.New(a.Documents, cfg).Sync(ctx, src.ID, kind, loc, progress)
			return a.finishRun(ctx, src.ID, RunResult{SourceID: src.ID, Crawl: sum}, err)
		}
		kind, _, start, opts, err := crawl.Plan(req.URL)
		if err != nil {
			return nil, err
		}
		if req.DelayMS != nil {
			d := time.Duration(*req.DelayMS) * time.Millisecond
			opts.Delay = &d
		}
		opts.MaxPages, opts.MaxDepth = req.MaxPages, req.MaxDepth
		var sum *crawl.Summary
		if kind == crawl.KindSite {
			// A WordPress or Hashnode site is read through its API when it
			// has one; otherwise (or when the API is refused) crawled.
			cfg := platforms.Defaults()
			cfg.MaxItems = req.MaxPages
			sum, err = platforms.New(a.Documents, cfg).Site(ctx, src.ID, start, opts, progress)
		} else {
			sum, err = crawl.New(a.Documents, opts).Crawl(ctx, src.ID, start, progress)
		}
		return a.finishRun(ctx, src.ID, RunResult{SourceID: src.ID, Crawl: sum}, err)
	}, nil
}

func (a *App) importRunner(payload json.RawMessage) (jobs.Func, error) {
	var req ImportRequest
	if err := json.Unmarshal(payload, &req); err != nil {
		return nil, fmt.Errorf("import payload: %w", err)
	}
	return func(ctx context.Context, report func(jobs.Progress) error) (any, error) {
		defer boostGC()()
		src, err := a.PlanImport(ctx, req)
		if err != nil {
			return nil, err
		}
		sum, err := importer.New(a.Documents).Import(ctx, src.ID, src.Location, func(p importer.Progress) error {
			return report(jobs.Progress{Done: int64(p.Done), Total: int64(p.Total), Message: p.Message})
		})
		return a.finishRun(ctx, src.ID, RunResult{SourceID: src.ID, Import: sum}, err)
	}, nil
}

// finishRun records a run's result (and its error) on the source.
func (a *App) finishRun(ctx context.Context, source int64, res RunResult, err error) (any, error) {
	if err != nil {
		res.Error = err.Error()
	}
	if ferr := a.Documents.FinishRun(context.WithoutCancel(ctx), source, res); ferr != nil && err == nil {
		err = ferr
	}
	return res, err
}

// ExecuteCollect runs a crawl (payload CrawlRequest) or an import
// (ImportRequest) as a job in the calling goroutine, the CLI's way. Like
// the REST API, it first adds (or finds) the source and records the job
// as the source's last run, so the Sources page shows it while it runs.
func (a *App) ExecuteCollect(ctx context.Context, title string, payload any, tap func(jobs.Progress)) (*jobs.Job, error) {
	var src *documents.Source
	var kind string
	var runner jobs.Runner
	var err error
	switch p := payload.(type) {
	case CrawlRequest:
		kind, runner = KindCrawl, a.crawlRunner
		src, err = a.PlanCrawl(ctx, p)
	case ImportRequest:
		kind, runner = KindImport, a.importRunner
		src, err = a.PlanImport(ctx, p)
	default:
		return nil, fmt.Errorf("collect: unknown request %T", payload)
	}
	if err != nil {
		return nil, err
	}
	j, err := a.Jobs.Create(ctx, kind, title, payload)
	if err != nil {
		return nil, err
	}
	fn, err := runner(j.Payload)
	if err == nil {
		err = a.Documents.StartRun(ctx, src.ID, j.ID)
	}
	if err != nil {
		_ = a.Jobs.Cancel(context.WithoutCancel(ctx), j.ID)
		return nil, err
	}
	runErr := a.Jobs.Run(ctx, j.ID, fn, tap)
	done, err := a.Jobs.Get(context.WithoutCancel(ctx), j.ID)
	if err != nil {
		return nil, err
	}
	return done, runErr
}
