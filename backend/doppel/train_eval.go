package doppel

import (
	"context"

	"github.com/doppelhq/doppel/backend/evaluate"
	"github.com/doppelhq/doppel/backend/jobs"
)

// KindEvaluate is the job kind of a model evaluation.
const KindEvaluate = evaluate.KindEvaluate

func init() {
	// Runs after train.go's hook (files initialise in name order): it needs
	// a.Train, and a.Embedder from the feature pipeline.
	onOpen(func(ctx context.Context, a *App) error {
		a.Evaluate = evaluate.New(a.Store, a.Jobs, a.Engine, a.Train, a.Settings, a.Embedder, a.DataDir)
		a.Evaluate.Register()
		// The one-click path (train with Evaluate) evaluates the imported
		// model inside the training job, with the default options.
		a.Train.AfterImport = func(ctx context.Context, runID int64, model string, report func(jobs.Progress) error) (any, error) {
			ev, err := a.Evaluate.Create(ctx, evaluate.Options{Model: model})
			if err != nil {
				return nil, err
			}
			got, err := a.Evaluate.Run(ctx, ev.ID, report)
			if got == nil {
				return map[string]any{"id": ev.ID}, err
			}
			return map[string]any{"id": got.ID, "status": got.Status, "gate": got.Gate}, err
		}
		return nil
	})
}
