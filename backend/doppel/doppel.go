// Package doppel wires Doppel's backend services together over one data
// dir. The desktop app, the CLI and the server are thin front doors onto the
// *App it returns; no business logic lives in them.
package doppel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/doppelhq/doppel/backend/chat"
	"github.com/doppelhq/doppel/backend/datadir"
	"github.com/doppelhq/doppel/backend/dataset"
	"github.com/doppelhq/doppel/backend/documents"
	"github.com/doppelhq/doppel/backend/evaluate"
	"github.com/doppelhq/doppel/backend/feature"
	"github.com/doppelhq/doppel/backend/jobs"
	"github.com/doppelhq/doppel/backend/llm"
	"github.com/doppelhq/doppel/backend/search"
	"github.com/doppelhq/doppel/backend/settings"
	"github.com/doppelhq/doppel/backend/store"
	"github.com/doppelhq/doppel/backend/train"
)

// Version is the Doppel version, set at build time with
// -ldflags "-X github.com/doppelhq/doppel/backend/doppel.Version=…".
var Version = "0.1.0-dev"

// Config chooses the data dir.
type Config struct {
	// DataDir is the --data-dir flag value; empty falls back to DOPPEL_HOME,
	// then the OS user data dir.
	DataDir string
}

// App is the set of backend services over one data dir.
type App struct {
	DataDir  string
	Store    *store.Store
	Jobs     *jobs.Manager
	Settings *settings.Settings
	Engine   *llm.Engine
	Models   *llm.Models

	// Each capability adds its services below its own heading, in its own
	// file of this package (see onOpen), so capabilities do not collide.

	// Data collection (crawl, import, documents).
	Documents *documents.Store

	// Feature pipeline (chunks, embeddings, search).
	Embedder *feature.OllamaEmbedder
	Indexer  *feature.Indexer
	Search   *search.Service

	// Datasets.
	Datasets *dataset.Service

	// Training, registry, evaluation.
	Train    *train.Service
	Evaluate *evaluate.Service

	// Inference (chat, RAG, traces).
	Chat *chat.Service

	closers []func() error
}

// openHooks run at the end of Open, in registration order; each capability
// registers one from an init function in its own file of this package to
// build its services and register its job kinds.
var openHooks []func(ctx context.Context, a *App) error

func onOpen(fn func(ctx context.Context, a *App) error) { openHooks = append(openHooks, fn) }

// Job kinds registered by the foundation.
const (
	KindModelPull   = "model.pull"
	KindModelImport = "model.import"
)

// Open resolves the data dir, opens and migrates the store, marks jobs left
// running by a dead process as interrupted, and registers the job kinds.
func Open(ctx context.Context, cfg Config) (*App, error) {
	dir, err := datadir.Resolve(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, filepath.Join(dir, store.FileName))
	if err != nil {
		return nil, err
	}
	a := &App{DataDir: dir, Store: st, Jobs: jobs.New(st), Settings: settings.New(st)}
	a.Engine = llm.NewEngine(dir, func(ctx context.Context) string {
		u, _ := a.Settings.Get(ctx, settings.OllamaURL)
		return u
	})
	a.Models = llm.NewModels(a.Engine)
	a.closers = append(a.closers, a.Engine.Close, st.Close)
	if _, err := a.Jobs.RecoverInterrupted(ctx); err != nil {
		a.Close()
		return nil, err
	}
	a.registerJobs()
	for _, h := range openHooks {
		if err := h(ctx, a); err != nil {
			a.Close()
			return nil, err
		}
	}
	return a, nil
}

// OnClose adds a function that Close calls first (capabilities use it to
// stop their own background work).
func (a *App) OnClose(fn func() error) { a.closers = append([]func() error{fn}, a.closers...) }

// Close stops a managed Ollama and closes the store.
func (a *App) Close() error {
	var errs []error
	for _, c := range a.closers {
		if err := c(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// PullRequest is the payload of a model.pull job.
type PullRequest struct {
	// Name is the registry model name, e.g. "qwen2.5:0.5b".
	Name string `json:"name"`
}

func (a *App) registerJobs() {
	a.Jobs.Register(KindModelPull, func(payload json.RawMessage) (jobs.Func, error) {
		var req PullRequest
		if err := json.Unmarshal(payload, &req); err != nil {
			return nil, fmt.Errorf("model.pull payload: %w", err)
		}
		return func(ctx context.Context, report func(jobs.Progress) error) (any, error) {
			err := a.Models.Pull(ctx, req.Name, func(p llm.Progress) error {
				return report(jobs.Progress{Done: p.Completed, Total: p.Total, Message: p.Status})
			})
			return map[string]string{"model": req.Name}, err
		}, nil
	})
	a.Jobs.Register(KindModelImport, func(payload json.RawMessage) (jobs.Func, error) {
		var req llm.ImportRequest
		if err := json.Unmarshal(payload, &req); err != nil {
			return nil, fmt.Errorf("model.import payload: %w", err)
		}
		return func(ctx context.Context, report func(jobs.Progress) error) (any, error) {
			err := a.Models.Import(ctx, req, func(p llm.Progress) error {
				return report(jobs.Progress{Done: p.Completed, Total: p.Total, Message: p.Status})
			})
			return map[string]string{"model": req.Name}, err
		}, nil
	})
}

// Status is what `doppel status` and GET /api/v1/status report.
type Status struct {
	Version       string      `json:"version"`
	DataDir       string      `json:"data_dir"`
	SchemaVersion int         `json:"schema_version"`
	Ollama        llm.Status  `json:"ollama"`
	Models        []llm.Model `json:"models"`
	ModelsError   string      `json:"models_error,omitempty"`
}

// Status reports the data dir, schema and engine. When ensure is true a
// managed Ollama is started if none answers.
func (a *App) Status(ctx context.Context, ensure bool) (*Status, error) {
	v, err := a.Store.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	st := &Status{Version: Version, DataDir: a.DataDir, SchemaVersion: v, Models: []llm.Model{}}
	if ensure {
		if _, err := a.Engine.URL(ctx); err != nil {
			st.Ollama = a.Engine.Status(ctx)
			if st.Ollama.Error == "" || st.Ollama.Error == "not started" {
				st.Ollama.Error = err.Error()
			}
			return st, nil
		}
	}
	st.Ollama = a.Engine.Status(ctx)
	if st.Ollama.Reachable {
		ms, err := a.Models.List(ctx)
		if err != nil {
			st.ModelsError = err.Error()
		} else {
			st.Models = ms
		}
	}
	return st, nil
}
