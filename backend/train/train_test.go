package train_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/jobs"
	"github.com/doppelhq/doppel/backend/settings"
	"github.com/doppelhq/doppel/backend/testenv"
	"github.com/doppelhq/doppel/backend/train"
)

var baseCache string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "doppel-train-base-")
	if err != nil {
		panic(err)
	}
	baseCache = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// requireTrainer skips without the trainer environment or the SmolLM2 GGUF,
// and fails instead under the test harness (DOPPEL_REQUIRE_OLLAMA=1).
func requireTrainer(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("trains a model: not in -short")
	}
	missing := func(what string) {
		if os.Getenv(testenv.EnvRequire) == "1" {
			t.Fatalf("%s (scripts/setup.sh prepares it)", what)
		}
		t.Skipf("%s: run scripts/setup-trainer.sh and scripts/fetch-models.sh", what)
	}
	if _, err := (&train.Env{DataDir: t.TempDir()}).FindPython(); err != nil {
		missing(err.Error())
	}
	if _, _, _, err := train.ResolveBase(context.Background(), "smollm2:135m"); err != nil {
		missing(err.Error())
	}
}

// fixture writes the first n training samples of the committed export.
func fixture(t *testing.T, n int) string {
	t.Helper()
	src := filepath.Join("..", "..", "models", "trainer", "testdata", "export")
	dir := t.TempDir()
	f, err := os.Open(filepath.Join(src, "train.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(lines) < n {
		lines = append(lines, sc.Text())
	}
	if err := os.WriteFile(filepath.Join(dir, "train.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(src, "test.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "test.jsonl"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// request is a small, fast CPU fine-tune: 8 samples, batch 2 (4 steps an
// epoch), LoRA on the last 4 of SmolLM2's 30 layers.
func request(t *testing.T, steps int, name string) train.Request {
	return train.Request{
		Dataset: fixture(t, 8), Base: "smollm2:135m", Backend: "peft", Name: name, MaxSteps: steps,
		Overrides: map[string]any{
			"batch_size": 2, "grad_accum": 1, "max_length": 96, "learning_rate": 2e-3, "save_steps": 2,
			"seed": 7, "lora": map[string]any{"r": 8, "alpha": 16, "last_layers": 4}, "base_cache_dir": baseCache,
		},
	}
}

func trainLosses(r *train.Run) []float64 {
	var out []float64
	for _, m := range r.Metrics {
		if m.Kind == "train" && m.Loss != nil {
			out = append(out, *m.Loss)
		}
	}
	return out
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func TestFineTuneImportChatAccept(t *testing.T) {
	requireTrainer(t)
	a := testenv.AppWithOllama(t)
	ctx := context.Background()
	family := fmt.Sprintf("doppeltest%d", time.Now().UnixNano()%1_000_000)
	// The one-click path: train, import and evaluate in one job.
	if err := a.Settings.Set(ctx, settings.EmbedModel, testenv.EmbedModel()); err != nil {
		t.Fatal(err)
	}
	req := request(t, 16, family)
	req.Evaluate = true
	r, err := a.Train.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	var phases []string
	j, err := a.Train.Execute(ctx, r, func(p jobs.Progress) { phases = append(phases, p.Message) })
	if err != nil {
		got, _ := a.Train.Get(ctx, r.ID)
		t.Fatalf("train: %v\nlog tail:\n%s", err, got.LogTail)
	}
	if j.Kind != doppel.KindTrain || j.Status != "succeeded" {
		t.Fatalf("job %+v", j)
	}
	r, err = a.Train.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Models.Delete(context.Background(), r.Model) })
	if r.Status != train.Succeeded || r.Model != family+":v1" || r.Step != 16 || r.TotalSteps != 16 {
		t.Fatalf("run: status %s model %q step %d/%d error %s", r.Status, r.Model, r.Step, r.TotalSteps, r.Error)
	}
	losses := trainLosses(r)
	if len(losses) != 16 {
		t.Fatalf("want 16 loss points, got %d", len(losses))
	}
	first, last := mean(losses[:4]), mean(losses[12:])
	if !(last < 0.9*first) {
		t.Fatalf("loss did not fall: first epoch %.3f, last epoch %.3f", first, last)
	}
	if r.EvalLoss == nil || r.FirstStepS == nil || r.Attempts != 1 || r.DurationS <= 0 {
		t.Fatalf("run bookkeeping: eval %v first step %v attempts %d duration %v", r.EvalLoss, r.FirstStepS, r.Attempts, r.DurationS)
	}
	var art struct {
		Merged    string `json:"merged"`
		Adapter   string `json:"adapter"`
		SmokeChat struct {
			Prompt, Answer string
		} `json:"smoke_chat"`
	}
	if err := json.Unmarshal(r.Artifacts, &art); err != nil || art.Merged == "" || art.SmokeChat.Answer == "" {
		t.Fatalf("artifacts %s: %v", r.Artifacts, err)
	}
	var settingsSeen map[string]any
	_ = json.Unmarshal(r.Settings, &settingsSeen)
	if settingsSeen["batch_size"] != float64(2) || settingsSeen["backend"] != "peft" {
		t.Fatalf("settings %s", r.Settings)
	}

	// The imported model answers a chat through Ollama.
	c, err := a.Engine.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stream := false
	var answer string
	err = c.Chat(ctx, &api.ChatRequest{Model: r.Model, Stream: &stream, Options: map[string]any{"num_predict": 8},
		Messages: []api.Message{{Role: "user", Content: "How do you store bread?"}}}, func(cr api.ChatResponse) error {
		answer += cr.Message.Content
		return nil
	})
	if err != nil || strings.TrimSpace(answer) == "" {
		t.Fatalf("chat with %s: %q, %v", r.Model, answer, err)
	}

	// The evaluation ran in the same job: the candidate and its base
	// answered the test split, and the trainer scored both on it.
	if !slices.ContainsFunc(phases, func(m string) bool { return strings.HasPrefix(m, "evaluating "+r.Model) }) {
		t.Fatalf("no evaluating phase in %q", phases)
	}
	evs, err := a.Evaluate.List(ctx, r.Model, 0)
	if err != nil || len(evs) != 1 || evs[0].Status != "succeeded" || len(evs[0].Scores) != 2 {
		t.Fatalf("evaluations %+v, %v", evs, err)
	}
	for _, sc := range evs[0].Scores {
		if sc.Loss == nil || sc.Perplexity == nil || sc.Similarity == nil || sc.Answered != 4 || sc.StyleDistance == nil {
			t.Fatalf("%s scores %+v", sc.Role, sc)
		}
	}
	if cand, base := evs[0].Scores[0], evs[0].Scores[1]; cand.Role != "candidate" || base.Role != "base" || *cand.Loss == *base.Loss {
		t.Fatalf("candidate and base must both be scored, differently: %+v / %+v", cand, base)
	}
	if evs[0].JobID == nil || *evs[0].JobID != j.ID {
		t.Fatalf("the evaluation records job %v, want the train job %d", evs[0].JobID, j.ID)
	}
	if evs[0].Gate.Mode != "off" || evs[0].Gate.Accepted || len(evs[0].Gate.Reasons) == 0 {
		t.Fatalf("gate %+v", evs[0].Gate)
	}

	// Registry: a candidate with lineage, then the accepted twin.
	vs, err := a.Train.Versions(ctx)
	if err != nil || len(vs) != 1 || vs[0].Status != "candidate" || vs[0].RunID == nil || *vs[0].RunID != r.ID || vs[0].Base != "smollm2:135m" {
		t.Fatalf("versions %+v, %v", vs, err)
	}
	if _, err := a.Train.Accept(ctx, r.Model); err != nil {
		t.Fatal(err)
	}
	twin, _ := a.Train.Twin(ctx)
	chat, _ := a.Settings.Get(ctx, settings.ChatModel)
	if twin != r.Model || chat != r.Model {
		t.Fatalf("twin %q chat model %q, want %q", twin, chat, r.Model)
	}
	if _, err := a.Train.Accept(ctx, "nope:v9"); !errors.Is(err, train.ErrNotFound) {
		t.Fatalf("accept unknown: %v", err)
	}
}

func TestTrainerCrashMarksRunFailed(t *testing.T) {
	requireTrainer(t)
	for _, tc := range []struct {
		fault, kind, reason string
	}{
		{"abort@3", "crash", "signal aborted"},
		{"kill@3", "oom", "out-of-memory killer"},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			a := testenv.App(t)
			a.Train.TrainerEnv = []string{"DOPPEL_TRAINER_FAULT=" + tc.fault}
			ctx := context.Background()
			req := request(t, 6, "crash")
			req.NoImport = true
			r, err := a.Train.Create(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			j, err := a.Train.Execute(ctx, r, nil)
			if err == nil || j.Status != "failed" {
				t.Fatalf("want a failed job, got %v / %+v", err, j)
			}
			r, _ = a.Train.Get(ctx, r.ID)
			if r.Status != train.Failed || r.ErrorKind != tc.kind || !strings.Contains(r.Error, tc.reason) {
				t.Fatalf("run %s kind %q error %q", r.Status, r.ErrorKind, r.Error)
			}
			if !strings.Contains(r.LogTail, "injecting "+strings.Split(tc.fault, "@")[0]) || r.Step != 2 || r.LastCheckpoint == "" {
				t.Fatalf("step %d checkpoint %q log tail:\n%s", r.Step, r.LastCheckpoint, r.LogTail)
			}
		})
	}
}

func waitRun(t *testing.T, a *doppel.App, id int64, what string, ok func(*train.Run) bool) *train.Run {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		r, err := a.Train.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(r) {
			return r
		}
		time.Sleep(300 * time.Millisecond)
	}
	r, _ := a.Train.Get(context.Background(), id)
	t.Fatalf("timed out waiting for %s: run %s step %d error %q\n%s", what, r.Status, r.Step, r.Error, r.LogTail)
	return nil
}

func TestCancelThenResumeFromCheckpoint(t *testing.T) {
	requireTrainer(t)
	a := testenv.App(t)
	ctx := context.Background()
	req := request(t, 10, "cancel")
	req.NoImport = true
	r, _, err := a.Train.Start(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	waitRun(t, a, r.ID, "step 3", func(r *train.Run) bool { return r.Step >= 3 || r.Status.Finished() })
	if _, err := a.Train.Cancel(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	r = waitRun(t, a, r.ID, "cancelled", func(r *train.Run) bool { return r.Status != train.Running })
	if r.Status != train.Cancelled || r.LastCheckpoint == "" || r.Step >= 10 {
		t.Fatalf("after cancel: %s step %d checkpoint %q error %q", r.Status, r.Step, r.LastCheckpoint, r.Error)
	}
	if _, err := os.Stat(r.LastCheckpoint); err != nil {
		t.Fatal(err)
	}
	stoppedAt := r.Step
	if _, _, err := a.Train.Resume(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	r = waitRun(t, a, r.ID, "resumed run to finish", func(r *train.Run) bool { return r.Status == train.Succeeded || r.Status == train.Failed })
	if r.Status != train.Succeeded || r.Attempts != 2 || r.Step != 10 {
		t.Fatalf("after resume: %s attempts %d step %d error %q\n%s", r.Status, r.Attempts, r.Step, r.Error, r.LogTail)
	}
	// The resumed attempt continued after the checkpoint instead of restarting at step 1.
	var steps []int64
	for _, m := range r.Metrics {
		if m.Kind == "train" {
			steps = append(steps, m.Step)
		}
	}
	// Steps 1..10 each exactly once: a restart would have repeated 1..stoppedAt.
	want := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if fmt.Sprint(steps) != fmt.Sprint(want) {
		t.Fatalf("steps recorded %v (stopped at %d)", steps, stoppedAt)
	}
	if _, err := a.Train.Cancel(ctx, r.ID); !errors.Is(err, train.ErrNotCancellable) {
		t.Fatalf("cancel finished run: %v", err)
	}
}

// TestDatasetVersionIsExportedByTheJob: a run on a dataset version is
// recorded at once and exported by its job (the first phase of the
// one-click path), which records the folder and its hash before training.
func TestDatasetVersionIsExportedByTheJob(t *testing.T) {
	requireTrainer(t)
	a := testenv.App(t)
	ctx := context.Background()
	dir := fixture(t, 8)
	exported := 0
	a.Train.DatasetVersion = func(_ context.Context, ref string) (string, error) {
		if ref != "v-test" {
			return "", fmt.Errorf("no dataset version %s", ref)
		}
		return ref, nil
	}
	a.Train.ResolveDataset = func(_ context.Context, ref string) (string, error) {
		exported++
		return dir, nil
	}
	if _, err := a.Train.Create(ctx, train.Request{Dataset: "v-missing"}); err == nil || !strings.Contains(err.Error(), "v-missing") {
		t.Fatalf("unknown version: %v", err)
	}
	req := request(t, 2, "exportjob")
	req.Dataset, req.NoImport = "v-test", true
	// An unknown trainer field fails the run right after the export,
	// before any model is loaded.
	req.Overrides["no_such_field"] = 1
	r, err := a.Train.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if r.DatasetDir != "" || r.DatasetHash != "" || exported != 0 || r.Dataset != "v-test" {
		t.Fatalf("created run exported already: dir %q hash %q exports %d", r.DatasetDir, r.DatasetHash, exported)
	}
	if _, err := a.Train.Execute(ctx, r, nil); err == nil {
		t.Fatal("want the config error")
	}
	r, _ = a.Train.Get(ctx, r.ID)
	want, _ := train.DatasetHash(dir)
	var cfg map[string]any
	_ = json.Unmarshal(r.Config, &cfg)
	if exported != 1 || r.DatasetDir != dir || r.DatasetHash != want || cfg["dataset_dir"] != dir {
		t.Fatalf("after the job: exports %d dir %q hash %q (want %q) config dir %v", exported, r.DatasetDir, r.DatasetHash, want, cfg["dataset_dir"])
	}
	if r.Status != train.Failed || r.ErrorKind != "config" || !strings.Contains(r.Error, "no_such_field") {
		t.Fatalf("run %s %s: %s", r.Status, r.ErrorKind, r.Error)
	}
}
