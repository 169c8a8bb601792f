package doppel

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/doppelhq/doppel/backend/feature"
	"github.com/doppelhq/doppel/backend/jobs"
	"github.com/doppelhq/doppel/backend/search"
	"github.com/doppelhq/doppel/backend/settings"
)

// KindIndex is the job kind of an index run (clean, chunk, embed, index).
const KindIndex = "index"

// IndexRequest is the payload of an index job.
type IndexRequest struct {
	// EmbedModel, when set, becomes the embedding model setting (after a
	// check that it is an embedding model) before the run.
	EmbedModel string `json:"embed_model,omitempty"`
}

func init() {
	onOpen(func(ctx context.Context, a *App) error {
		a.Embedder = feature.NewOllamaEmbedder(a.Engine)
		a.Indexer = feature.NewIndexer(a.Store.DB, a.Embedder)
		a.Search = search.New(a.Store.DB, a.Embedder, func(ctx context.Context) (string, error) {
			return a.Settings.Get(ctx, settings.EmbedModel)
		}, search.Options{})
		a.Jobs.Register(KindIndex, func(payload json.RawMessage) (jobs.Func, error) {
			var req IndexRequest
			if err := json.Unmarshal(payload, &req); err != nil {
				return nil, fmt.Errorf("index payload: %w", err)
			}
			return func(ctx context.Context, report func(jobs.Progress) error) (any, error) {
				return a.Index(ctx, req, report)
			}, nil
		})
		return nil
	})
}

// Index runs the feature pipeline over the documents in the calling
// goroutine (jobs call it; so does `doppel index` through a job).
func (a *App) Index(ctx context.Context, req IndexRequest, report func(jobs.Progress) error) (*feature.Result, error) {
	if m := strings.TrimSpace(req.EmbedModel); m != "" {
		if err := a.Embedder.Check(ctx, m); err != nil {
			return nil, err
		}
		if err := a.Settings.Set(ctx, settings.EmbedModel, m); err != nil {
			return nil, err
		}
	}
	model, err := a.Settings.Get(ctx, settings.EmbedModel)
	if err != nil {
		return nil, err
	}
	res, err := a.Indexer.Run(ctx, model, report)
	return &res, err
}

// IndexStatus reports the chunks and vector indexes.
func (a *App) IndexStatus(ctx context.Context) (*feature.Status, error) {
	model, err := a.Settings.Get(ctx, settings.EmbedModel)
	if err != nil {
		return nil, err
	}
	return a.Indexer.Status(ctx, model)
}
