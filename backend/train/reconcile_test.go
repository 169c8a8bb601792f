package train_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/doppelhq/doppel/backend/testenv"
	"github.com/doppelhq/doppel/backend/train"
)

// A run whose Doppel process died mid-training shows as failed (interrupted)
// and can be resumed; a rerun copies its exact config. No trainer needed.
func TestReconcileDeadRunAndRerun(t *testing.T) {
	a := testenv.App(t)
	ctx := context.Background()
	base := t.TempDir()
	if err := os.WriteFile(filepath.Join(base, "config.json"), []byte(`{"architectures":["LlamaForCausalLM"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	req := train.Request{Dataset: fixture(t, 4), Base: base, Backend: "peft", MaxSteps: 5, Overrides: map[string]any{"learning_rate": 0.001}}
	r, err := a.Train.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Train.Create(ctx, train.Request{Dataset: t.TempDir(), Base: base}); err == nil {
		t.Fatal("a folder without train.jsonl was accepted as a dataset")
	}
	if _, err := a.Train.Create(ctx, train.Request{Dataset: req.Dataset, Base: base, Backend: "tpu"}); err == nil {
		t.Fatal("backend tpu accepted")
	}
	if _, err := a.Train.PrepareResume(ctx, r.ID); !errors.Is(err, train.ErrNotResumable) {
		t.Fatalf("resume of a queued run: %v", err)
	}
	j, err := a.Jobs.Create(ctx, train.KindTrain, "t", train.JobPayload{RunID: r.ID})
	if err != nil {
		t.Fatal(err)
	}
	// As if a process had started it and died: job interrupted, run still running.
	if _, err := a.Store.DB.Exec(`UPDATE jobs SET status='interrupted' WHERE id=?`, j.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.DB.Exec(`UPDATE train_runs SET status='running', job_id=? WHERE id=?`, j.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.Train.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := a.Train.Get(ctx, r.ID)
	if got.Status != train.Failed || got.ErrorKind != "interrupted" {
		t.Fatalf("after reconcile: %s %q", got.Status, got.ErrorKind)
	}
	if got, err = a.Train.PrepareResume(ctx, r.ID); err != nil || got.Status != train.Queued || got.Error != "" {
		t.Fatalf("prepare resume: %v %+v", err, got)
	}
	nr, err := a.Train.Rerun(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if nr.RerunOf == nil || *nr.RerunOf != r.ID || nr.OutputDir == r.OutputDir || nr.DatasetHash != r.DatasetHash {
		t.Fatalf("rerun %+v", nr)
	}
	var c1, c2 map[string]any
	_ = json.Unmarshal(r.Config, &c1)
	_ = json.Unmarshal(nr.Config, &c2)
	delete(c1, "output_dir")
	delete(c2, "output_dir")
	if !reflect.DeepEqual(c1, c2) || c2["learning_rate"] != 0.001 || c2["max_steps"] != float64(5) {
		t.Fatalf("rerun config %v, want %v", c2, c1)
	}
	rs, err := a.Train.List(ctx, 10, true)
	if err != nil || len(rs) != 2 || rs[0].ID != nr.ID {
		t.Fatalf("list %v %v", len(rs), err)
	}
}
