package doppel

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/doppelhq/doppel/backend/dataset"
	"github.com/doppelhq/doppel/backend/jobs"
	"github.com/doppelhq/doppel/backend/train"
)

// KindDatasetBuild is the job kind of a dataset build (payload:
// dataset.BuildConfig; result: dataset.BuildResult). Resuming the job
// continues where the killed or failed build stopped.
const KindDatasetBuild = "dataset.build"

func init() {
	onOpen(func(ctx context.Context, a *App) error {
		a.Datasets = dataset.New(a.Store.DB, func(ctx context.Context) (dataset.Chatter, error) {
			return a.Engine.Client(ctx)
		})
		// Model-generated versions count tokens with the tokenizer of the
		// base model training would pick on this machine.
		if base, err := train.DefaultBase(train.GuessDevice()); err == nil {
			a.Datasets.DefaultTokenizer = base.Name
		}
		a.Jobs.Register(KindDatasetBuild, func(payload json.RawMessage) (jobs.Func, error) {
			var cfg dataset.BuildConfig
			if err := json.Unmarshal(payload, &cfg); err != nil {
				return nil, fmt.Errorf("%s payload: %w", KindDatasetBuild, err)
			}
			if err := cfg.Normalize(); err != nil {
				return nil, err
			}
			return func(ctx context.Context, report func(jobs.Progress) error) (any, error) {
				jobID, _ := jobs.IDFrom(ctx)
				res, err := a.Datasets.Build(ctx, cfg, jobID, func(p dataset.Progress) error {
					return report(jobs.Progress{Done: int64(p.Done), Total: int64(p.Total), Message: p.Message})
				})
				if err != nil {
					return nil, err
				}
				return res, nil
			}, nil
		})
		return nil
	})
}
