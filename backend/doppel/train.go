package doppel

import (
	"context"

	"github.com/doppelhq/doppel/backend/train"
)

// KindTrain is the job kind of a training run.
const KindTrain = train.KindTrain

func init() {
	onOpen(func(ctx context.Context, a *App) error {
		a.Train = train.New(a.Store, a.Jobs, a.Models, a.Engine, a.Settings, a.DataDir)
		a.Train.Register()
		return a.Train.Reconcile(ctx)
	})
}
