package doppel

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/doppelhq/doppel/backend/dataset"
	"github.com/doppelhq/doppel/backend/train"
)

// KindTrain is the job kind of a training run.
const KindTrain = train.KindTrain

func init() {
	onOpen(func(ctx context.Context, a *App) error {
		a.Train = train.New(a.Store, a.Jobs, a.Models, a.Engine, a.Settings, a.DataDir)
		a.Train.ResolveDataset = a.datasetExport
		a.Train.DatasetVersion = func(ctx context.Context, ref string) (string, error) {
			if a.Datasets == nil {
				return "", fmt.Errorf("datasets are not available")
			}
			v, err := a.Datasets.Version(ctx, ref)
			if err != nil {
				return "", err
			}
			return v.ID, nil
		}
		a.Train.Register()
		return a.Train.Reconcile(ctx)
	})
}

// datasetExport turns a dataset version into the messages-format export
// folder the trainer reads. Versions are immutable, so an export made once
// (DATA/exports/<version>-messages) is reused.
func (a *App) datasetExport(ctx context.Context, version string) (string, error) {
	if a.Datasets == nil {
		return "", fmt.Errorf("datasets are not available")
	}
	v, err := a.Datasets.Version(ctx, version)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(a.DataDir, "exports", v.ID+"-messages")
	if _, err := os.Stat(filepath.Join(dir, "train.jsonl")); err == nil {
		return dir, nil
	}
	if _, err := a.Datasets.Export(ctx, v.ID, dataset.ExportRequest{Format: dataset.FormatMessages, Dir: dir, Force: true}); err != nil {
		return "", err
	}
	return dir, nil
}
