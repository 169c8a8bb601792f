package evaluate_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/evaluate"
	"github.com/doppelhq/doppel/backend/jobs"
	"github.com/doppelhq/doppel/backend/settings"
	"github.com/doppelhq/doppel/backend/testenv"
)

var fixtureExport = filepath.Join("..", "..", "models", "trainer", "testdata", "export")

// candidate registers an Ollama copy of the chat model as a trained version
// name (a train run on the fixture export, base = the chat model), the way
// training leaves a candidate behind.
func candidate(t *testing.T, a *doppel.App, name, datasetDir string) {
	t.Helper()
	ctx := context.Background()
	c, err := a.Engine.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Copy(ctx, &api.CopyRequest{Source: testenv.ChatModel(), Destination: name}); err != nil {
		t.Fatalf("copy %s to %s: %v", testenv.ChatModel(), name, err)
	}
	t.Cleanup(func() { _ = a.Models.Delete(context.Background(), name) })
	fam, ver, _ := strings.Cut(name, ":v")
	res, err := a.Store.DB.ExecContext(ctx, `INSERT INTO train_runs (status, name, base, base_path, dataset, dataset_dir, config, output_dir, model)
		VALUES ('succeeded', ?, ?, '', ?, ?, '{}', '', ?)`, fam, testenv.ChatModel(), datasetDir, datasetDir, name)
	if err != nil {
		t.Fatal(err)
	}
	run, _ := res.LastInsertId()
	if _, err := a.Store.DB.ExecContext(ctx, `INSERT INTO model_versions (name, family, version, run_id, base, dataset) VALUES (?,?,?,?,?,?)`,
		name, fam, ver, run, testenv.ChatModel(), datasetDir); err != nil {
		t.Fatal(err)
	}
}

func app(t *testing.T) *doppel.App {
	a := testenv.AppWithOllama(t)
	if err := a.Settings.Set(context.Background(), settings.EmbedModel, testenv.EmbedModel()); err != nil {
		t.Fatal(err)
	}
	return a
}

func byRole(ev *evaluate.Evaluation) map[string]evaluate.Score {
	m := map[string]evaluate.Score{}
	for _, s := range ev.Scores {
		m[s.Role] = s
	}
	return m
}

// TestEvaluateCandidateBaseAndAccepted answers the test split with real
// models: a candidate identical to its base must score exactly like it,
// pass the gate, be accepted in auto mode, and then be the "accepted"
// contender of the next candidate's evaluation.
func TestEvaluateCandidateBaseAndAccepted(t *testing.T) {
	a := app(t)
	ctx := context.Background()
	fam := fmt.Sprintf("evaltest%d", time.Now().UnixNano()%1_000_000)
	v1 := fam + ":v1"
	candidate(t, a, v1, fixtureExport)
	if err := a.Settings.Set(ctx, settings.EvalGate, "auto"); err != nil {
		t.Fatal(err)
	}
	ev, err := a.Evaluate.Create(ctx, evaluate.Options{Model: v1, Samples: 2, MaxTokens: 24, NoLoss: true, Judge: testenv.ChatModel()})
	if err != nil {
		t.Fatal(err)
	}
	var progress []jobs.Progress
	j, err := a.Evaluate.Execute(ctx, ev, func(p jobs.Progress) { progress = append(progress, p) })
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	if j.Kind != evaluate.KindEvaluate || j.Status != "succeeded" || len(progress) < 4 {
		t.Fatalf("job %+v, %d progress updates", j, len(progress))
	}
	ev, err = a.Evaluate.Get(ctx, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ev.JobID == nil || *ev.JobID != j.ID {
		t.Fatalf("evaluation records job %v, want %d", ev.JobID, j.ID)
	}
	sc := byRole(ev)
	if ev.Status != "succeeded" || len(ev.Scores) != 2 || len(ev.Samples) != 2 {
		t.Fatalf("evaluation %+v", ev)
	}
	cand, base := sc[evaluate.Candidate], sc[evaluate.Base]
	for _, s := range []evaluate.Score{cand, base} {
		if s.Answered != 2 || s.Similarity == nil || *s.Similarity <= 0 || *s.Similarity > 1.0001 || s.RougeL == nil || s.StyleDistance == nil {
			t.Fatalf("%s scores %+v", s.Role, s)
		}
		if s.Loss != nil || !strings.Contains(strings.Join(s.Notes, ";"), "loss not measured") {
			t.Fatalf("%s: loss must be missing with a reason: %+v", s.Role, s)
		}
	}
	// Same weights, greedy decoding: the same answers and the same scores.
	for _, sm := range ev.Samples {
		if len(sm.Answers) != 2 || sm.Answers[0].Answer != sm.Answers[1].Answer || sm.Reference == "" || sm.Prompt == "" {
			t.Fatalf("sample %d: %+v", sm.Sample, sm)
		}
		for _, an := range sm.Answers {
			judged := an.JudgeAccuracy != nil && *an.JudgeAccuracy >= 1 && *an.JudgeAccuracy <= 3 && an.JudgeStyle != nil
			if !judged && !strings.HasPrefix(an.JudgeReason, "no verdict") {
				t.Fatalf("answer neither judged nor explained: %+v", an)
			}
		}
	}
	if *cand.Similarity != *base.Similarity || *cand.StyleDistance != *base.StyleDistance {
		t.Fatalf("identical models scored differently: %+v vs %+v", cand, base)
	}
	if !ev.Gate.Passed || !ev.Gate.Accepted || ev.Gate.Against != evaluate.Base || ev.Gate.Mode != "auto" {
		t.Fatalf("gate %+v", ev.Gate)
	}
	twin, _ := a.Train.Twin(ctx)
	chat, _ := a.Settings.Get(ctx, settings.ChatModel)
	if twin != v1 || chat != v1 {
		t.Fatalf("gate accepted %s but twin=%q chat=%q", v1, twin, chat)
	}

	// The next candidate is compared with the accepted twin too; in "off"
	// mode the gate only advises.
	if err := a.Settings.Set(ctx, settings.EvalGate, "off"); err != nil {
		t.Fatal(err)
	}
	v2 := fam + ":v2"
	candidate(t, a, v2, fixtureExport)
	ev2, err := a.Evaluate.Create(ctx, evaluate.Options{Model: v2, Samples: 1, MaxTokens: 16, NoLoss: true, Judge: "none"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Evaluate.Run(ctx, ev2.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	sc2 := byRole(got)
	if len(got.Scores) != 3 || sc2[evaluate.Accepted].Model != v1 || sc2[evaluate.Candidate].JudgeAccuracy != nil {
		t.Fatalf("scores %+v", got.Scores)
	}
	if got.Gate.Against != evaluate.Accepted || !got.Gate.Passed || got.Gate.Accepted {
		t.Fatalf("gate %+v", got.Gate)
	}
	if twin, _ := a.Train.Twin(ctx); twin != v1 {
		t.Fatalf("off mode changed the twin to %s", twin)
	}
	list, err := a.Evaluate.List(ctx, v2, 0)
	if err != nil || len(list) != 1 || list[0].ID != ev2.ID || len(list[0].Scores) != 3 {
		t.Fatalf("list %+v %v", list, err)
	}
}

// TestEvaluateResumesAfterCancel stops an evaluation after its first answer
// and runs it again: the stored answer is kept, not asked again. No
// embedding model is set, so the catalog's installed one measures similarity.
func TestEvaluateResumesAfterCancel(t *testing.T) {
	a := testenv.AppWithOllama(t)
	ctx := context.Background()
	name := fmt.Sprintf("evalresume%d:v1", time.Now().UnixNano()%1_000_000)
	candidate(t, a, name, fixtureExport)
	ev, err := a.Evaluate.Create(ctx, evaluate.Options{Model: name, Samples: 3, MaxTokens: 12, NoLoss: true, Judge: "none"})
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	_, err = a.Evaluate.Run(cctx, ev.ID, func(p jobs.Progress) error {
		if p.Done >= 2 {
			cancel()
			return context.Canceled
		}
		return nil
	})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want cancelled, got %v", err)
	}
	mid, _ := a.Evaluate.Get(ctx, ev.ID)
	if mid.Status != "cancelled" {
		t.Fatalf("status %s", mid.Status)
	}
	first := map[string]string{}
	n := 0
	for _, sm := range mid.Samples {
		for _, an := range sm.Answers {
			first[fmt.Sprint(sm.Sample, an.Role)] = an.Answer
			n++
		}
	}
	if n != 1 {
		t.Fatalf("want 1 stored answer before the stop, got %d", n)
	}
	done, err := a.Evaluate.Run(ctx, ev.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, sm := range done.Samples {
		for _, an := range sm.Answers {
			total++
			if prev, ok := first[fmt.Sprint(sm.Sample, an.Role)]; ok && prev != an.Answer {
				t.Fatalf("answer of sample %d (%s) was redone", sm.Sample, an.Role)
			}
		}
	}
	if done.Status != "succeeded" || total != 6 {
		t.Fatalf("after resume: %s with %d answers", done.Status, total)
	}
	for _, sc := range done.Scores {
		if sc.Similarity == nil {
			t.Fatalf("%s: similarity not measured with the catalog's embedding model: %v", sc.Role, sc.Notes)
		}
	}
}

func TestEvaluateBadInput(t *testing.T) {
	a := testenv.App(t)
	ctx := context.Background()
	if _, err := a.Evaluate.Create(ctx, evaluate.Options{Model: "nope:v1"}); !errors.Is(err, evaluate.ErrNotFound) || !strings.Contains(err.Error(), "nope:v1") {
		t.Fatalf("unknown model: %v", err)
	}
	if _, err := a.Evaluate.Create(ctx, evaluate.Options{}); err == nil {
		t.Fatal("empty model accepted")
	}
	// A version whose dataset has no test split is refused up front.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "train.jsonl"), []byte(`{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := a.Store.DB.ExecContext(ctx, `INSERT INTO train_runs (status, name, base, base_path, dataset, dataset_dir, config, output_dir)
		VALUES ('succeeded','notest','smollm2:135m','',?,?,'{}','')`, dir, dir)
	if err != nil {
		t.Fatal(err)
	}
	run, _ := res.LastInsertId()
	if _, err := a.Store.DB.ExecContext(ctx, `INSERT INTO model_versions (name, family, version, run_id, base, dataset) VALUES ('notest:v1','notest',1,?,'smollm2:135m',?)`, run, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Evaluate.Create(ctx, evaluate.Options{Model: "notest:v1"}); err == nil || !strings.Contains(err.Error(), "test.jsonl") {
		t.Fatalf("missing test split: %v", err)
	}
}
