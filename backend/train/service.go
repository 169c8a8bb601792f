// Package train fine-tunes the user's twin: it runs the Python trainer
// (models/trainer) as a child process, streams its JSON-line metrics into the
// store, cancels and resumes it, records crashes with their reason and log
// tail, and turns the merged result into a versioned Ollama model.
package train

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/doppelhq/doppel/backend/jobs"
	"github.com/doppelhq/doppel/backend/llm"
	"github.com/doppelhq/doppel/backend/settings"
	"github.com/doppelhq/doppel/backend/store"
	"github.com/doppelhq/doppel/models"
)

// KindTrain is the job kind of a training run (payload: JobPayload).
const KindTrain = "train"

// Request starts a run.
type Request struct {
	// Dataset is an export folder (train.jsonl, test.jsonl) or a dataset version.
	Dataset string `json:"dataset"`
	// Base is a catalog model name, GGUF file or model folder; empty = the
	// catalog's default for this machine's device.
	Base string `json:"base,omitempty"`
	// Backend is auto, peft, unsloth or mlx.
	Backend string `json:"backend,omitempty"`
	// Name is the model family the run produces (Ollama name:vN); default "doppel".
	Name     string  `json:"name,omitempty"`
	MaxSteps int     `json:"max_steps,omitempty"`
	Epochs   float64 `json:"epochs,omitempty"`
	// Overrides are trainer config fields (batch_size, learning_rate, lora…).
	Overrides map[string]any `json:"overrides,omitempty"`
	// NoImport skips the Ollama import after training.
	NoImport bool `json:"no_import,omitempty"`
	// Evaluate runs the evaluation (AfterImport) on the imported model in
	// the same job: export → train → import → evaluate, the one-click path.
	Evaluate bool `json:"evaluate,omitempty"`
}

// JobPayload is the payload of a train job.
type JobPayload struct {
	RunID int64 `json:"run_id"`
}

// Service runs and tracks training.
type Service struct {
	db       db
	Jobs     *jobs.Manager
	Models   *llm.Models
	Engine   *llm.Engine
	Settings *settings.Settings
	Env      *Env
	DataDir  string
	// ResolveDataset maps a dataset version to an export folder; nil means
	// only export folders are accepted (wired by the datasets capability).
	ResolveDataset func(ctx context.Context, version string) (string, error)
	// DatasetVersion checks a dataset version without exporting it and
	// returns its id. When set, a run on a version is exported by its job
	// (the "exporting" phase) rather than when the run is created.
	DatasetVersion func(ctx context.Context, version string) (string, error)
	// AfterImport evaluates a freshly imported model (wired by the
	// evaluation capability); it runs when the request asked to evaluate.
	AfterImport func(ctx context.Context, runID int64, model string, report func(jobs.Progress) error) (any, error)
	// Grace is how long a stopped trainer may take to checkpoint (default 2 min).
	Grace time.Duration
	// TrainerEnv is added to the trainer's environment (tests inject faults).
	TrainerEnv []string
}

// New returns the service over a store.
func New(st *store.Store, j *jobs.Manager, m *llm.Models, e *llm.Engine, s *settings.Settings, dataDir string) *Service {
	return &Service{db: db{st.DB}, Jobs: j, Models: m, Engine: e, Settings: s, Env: &Env{DataDir: dataDir}, DataDir: dataDir}
}

// Register adds the train job kind.
func (s *Service) Register() {
	s.Jobs.Register(KindTrain, func(payload json.RawMessage) (jobs.Func, error) {
		var p JobPayload
		if err := json.Unmarshal(payload, &p); err != nil || p.RunID <= 0 {
			return nil, fmt.Errorf("train payload %s: want {\"run_id\": N}", payload)
		}
		return func(ctx context.Context, report func(jobs.Progress) error) (any, error) {
			return s.execute(ctx, p.RunID, report)
		}, nil
	})
}

func (s *Service) runsDir() string { return filepath.Join(s.DataDir, "training", "runs") }

// Create records a queued run with its exact trainer config.
func (s *Service) Create(ctx context.Context, req Request) (*Run, error) {
	ds := strings.TrimSpace(req.Dataset)
	if ds == "" {
		return nil, errors.New("train: a dataset is required (an export folder or a dataset version)")
	}
	dir, ok := ResolveDatasetDir(ds)
	hash := ""
	switch {
	case ok:
	case s.ResolveDataset == nil:
		return nil, fmt.Errorf("dataset %q: not an export folder with train.jsonl (export a version with `doppel dataset export VERSION --format messages --out DIR`)", ds)
	case s.DatasetVersion != nil:
		// The job exports it (dir stays empty until then).
		id, err := s.DatasetVersion(ctx, ds)
		if err != nil {
			return nil, fmt.Errorf("dataset %q: %w", ds, err)
		}
		ds = id
	default:
		d, err := s.ResolveDataset(ctx, ds)
		if err != nil {
			return nil, fmt.Errorf("dataset %q: %w", ds, err)
		}
		dir = d
	}
	if dir != "" {
		h, err := DatasetHash(dir)
		if err != nil {
			return nil, err
		}
		hash = h
	}
	baseName, basePath, _, err := ResolveBase(ctx, req.Base)
	if err != nil {
		return nil, err
	}
	backend := req.Backend
	if backend == "" {
		backend = "auto"
	}
	switch backend {
	case "auto", "peft", "unsloth", "mlx":
	default:
		return nil, fmt.Errorf("backend %q: want auto, unsloth, peft or mlx", backend)
	}
	name := req.Name
	if name == "" {
		name = "doppel"
	}
	if strings.ContainsAny(name, ": /") {
		return nil, fmt.Errorf("name %q: use letters, digits, - and _ (the version is added)", name)
	}
	cfg := map[string]any{}
	for k, v := range req.Overrides {
		cfg[k] = v
	}
	cfg["base_model"], cfg["base_name"], cfg["dataset_dir"], cfg["backend"] = basePath, baseName, dir, backend
	if _, ok := cfg["base_cache_dir"]; !ok {
		cfg["base_cache_dir"] = filepath.Join(s.DataDir, "training", "base-cache")
	}
	if req.MaxSteps > 0 {
		cfg["max_steps"] = req.MaxSteps
	}
	if req.Epochs > 0 {
		cfg["epochs"] = req.Epochs
	}
	if req.NoImport {
		cfg["doppel_no_import"] = true
	}
	if req.Evaluate {
		cfg["doppel_evaluate"] = true
	}
	return s.insert(ctx, &Run{Name: name, Base: baseName, BasePath: basePath, Dataset: ds, DatasetDir: dir, DatasetHash: hash, Backend: backend}, cfg)
}

func (s *Service) insert(ctx context.Context, r *Run, cfg map[string]any) (*Run, error) {
	var id int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO train_runs (status, name, base, base_path, dataset, dataset_dir, dataset_hash,
			backend, config, output_dir, rerun_of) VALUES ('queued',?,?,?,?,?,?,?,'{}','',?)`,
			r.Name, r.Base, r.BasePath, r.Dataset, r.DatasetDir, r.DatasetHash, r.Backend, r.RerunOf)
		if err != nil {
			return fmt.Errorf("record training run: %w", err)
		}
		id, _ = res.LastInsertId()
		out := filepath.Join(s.runsDir(), fmt.Sprint(id))
		cfg["output_dir"] = out
		b, err := json.Marshal(cfg)
		if err != nil {
			return fmt.Errorf("encode trainer config: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE train_runs SET config=?, output_dir=? WHERE id=?`, string(b), out, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.db.getRun(ctx, id, false)
}

func (s *Service) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Start creates a run and trains it in the background (a job).
func (s *Service) Start(ctx context.Context, req Request) (*Run, *jobs.Job, error) {
	r, err := s.Create(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	j, err := s.submit(ctx, r)
	return r, j, err
}

func (s *Service) submit(ctx context.Context, r *Run) (*jobs.Job, error) {
	j, err := s.Jobs.Submit(ctx, KindTrain, s.title(r), JobPayload{RunID: r.ID})
	if err != nil {
		return nil, err
	}
	_ = s.db.exec(ctx, `UPDATE train_runs SET job_id=? WHERE id=?`, j.ID, r.ID)
	return j, nil
}

func (s *Service) title(r *Run) string {
	return fmt.Sprintf("Train %s on %s (run %d)", r.Base, filepath.Base(r.Dataset), r.ID)
}

// Execute trains a created run in the calling goroutine (the CLI's way).
func (s *Service) Execute(ctx context.Context, r *Run, tap func(jobs.Progress)) (*jobs.Job, error) {
	return s.Jobs.Execute(ctx, KindTrain, s.title(r), JobPayload{RunID: r.ID}, tap)
}

// Get returns a run with its metrics.
func (s *Service) Get(ctx context.Context, id int64) (*Run, error) { return s.db.getRun(ctx, id, true) }

// List returns runs, newest first.
func (s *Service) List(ctx context.Context, limit int, withMetrics bool) ([]*Run, error) {
	return s.db.listRuns(ctx, limit, withMetrics)
}

// ErrNotCancellable / ErrNotResumable are returned for runs in the wrong state.
var (
	ErrNotCancellable = errors.New("run is not queued or running")
	ErrNotResumable   = errors.New("only failed or cancelled runs can be resumed")
)

// Cancel stops a queued or running run (from any process on the data dir):
// the trainer checkpoints and exits, and the run becomes cancelled.
func (s *Service) Cancel(ctx context.Context, id int64) (*Run, error) {
	r, err := s.db.getRun(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if r.Status != Queued && r.Status != Running {
		return nil, fmt.Errorf("cancel run %d: %w (it is %s)", id, ErrNotCancellable, r.Status)
	}
	if r.JobID != nil {
		if err := s.Jobs.Cancel(ctx, *r.JobID); err != nil && !errors.Is(err, jobs.ErrFinished) {
			return nil, err
		}
	}
	if r.Status == Queued {
		if err := s.db.exec(ctx, `UPDATE train_runs SET status='cancelled', finished_at=?, updated_at=? WHERE id=? AND status='queued'`, nowStr(), nowStr(), id); err != nil {
			return nil, err
		}
	}
	return s.db.getRun(ctx, id, false)
}

// PrepareResume marks a failed or cancelled run queued again; its next
// attempt continues from the newest checkpoint in its output folder.
func (s *Service) PrepareResume(ctx context.Context, id int64) (*Run, error) {
	r, err := s.reconcile(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Status != Failed && r.Status != Cancelled {
		return nil, fmt.Errorf("resume run %d: %w (it is %s)", id, ErrNotResumable, r.Status)
	}
	if err := s.db.exec(ctx, `UPDATE train_runs SET status='queued', error='', error_kind='', finished_at=NULL, updated_at=? WHERE id=?`, nowStr(), id); err != nil {
		return nil, err
	}
	return s.db.getRun(ctx, id, false)
}

// Resume continues a failed or cancelled run in the background.
func (s *Service) Resume(ctx context.Context, id int64) (*Run, *jobs.Job, error) {
	r, err := s.PrepareResume(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	j, err := s.submit(ctx, r)
	return r, j, err
}

// reconcile marks a run whose job died with its process (status running, job
// interrupted) as failed, so it can be resumed.
func (s *Service) reconcile(ctx context.Context, id int64) (*Run, error) {
	r, err := s.db.getRun(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if (r.Status == Running || r.Status == Queued) && r.JobID != nil {
		if j, err := s.Jobs.Get(ctx, *r.JobID); err == nil && j.Status.Finished() {
			msg := "the Doppel process running it stopped (" + string(j.Status) + ")"
			if err := s.db.exec(ctx, `UPDATE train_runs SET status='failed', error=?, error_kind='interrupted', finished_at=?, updated_at=? WHERE id=?`,
				msg, nowStr(), nowStr(), id); err != nil {
				return nil, err
			}
			return s.db.getRun(ctx, id, false)
		}
	}
	return r, nil
}

// Reconcile marks every run left running by a Doppel process that died as
// failed (kind "interrupted"), so it shows as resumable. Called on open.
func (s *Service) Reconcile(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM train_runs WHERE status IN ('running','queued') AND job_id IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("reconcile training runs: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err == nil {
			ids = append(ids, id)
		}
	}
	rows.Close()
	for _, id := range ids {
		if _, err := s.reconcile(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// Rerun creates a new run with exactly the config of run id.
func (s *Service) Rerun(ctx context.Context, id int64) (*Run, error) {
	r, err := s.db.getRun(ctx, id, false)
	if err != nil {
		return nil, err
	}
	var cfg map[string]any
	if err := json.Unmarshal(r.Config, &cfg); err != nil {
		return nil, fmt.Errorf("run %d config: %w", id, err)
	}
	delete(cfg, "resume_from")
	nr := &Run{Name: r.Name, Base: r.Base, BasePath: r.BasePath, Dataset: r.Dataset, DatasetDir: r.DatasetDir,
		DatasetHash: r.DatasetHash, Backend: r.Backend, RerunOf: &r.ID}
	if r.DatasetDir == "" {
		// A dataset version never exported: the new run's job exports it.
		nr.DatasetHash = ""
	} else if h, err := DatasetHash(r.DatasetDir); err != nil || h != r.DatasetHash {
		return nil, fmt.Errorf("rerun of run %d: dataset %s changed or is gone since (hash %s, was %s)", id, r.DatasetDir, h, r.DatasetHash)
	}
	return s.insert(ctx, nr, cfg)
}

// RerunAndSubmit re-runs in the background.
func (s *Service) RerunAndSubmit(ctx context.Context, id int64) (*Run, *jobs.Job, error) {
	r, err := s.Rerun(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	j, err := s.submit(ctx, r)
	return r, j, err
}

// progressWriter turns setup log lines into job progress messages.
type progressWriter struct {
	report func(jobs.Progress) error
	buf    []byte
}

func (w *progressWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := strings.IndexByte(string(w.buf), '\n')
		if i < 0 {
			break
		}
		line := strings.TrimSpace(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
		if line != "" {
			_ = w.report(jobs.Progress{Message: "trainer setup: " + line})
		}
	}
	return len(p), nil
}

// execute is the train job: one trainer attempt for a run, then the import.
func (s *Service) execute(ctx context.Context, id int64, report func(jobs.Progress) error) (any, error) {
	r, err := s.db.getRun(ctx, id, false)
	if err != nil {
		return nil, err
	}
	var jobID *int64 // the job running this attempt
	if j, ok := jobs.IDFrom(ctx); ok {
		jobID = &j
	}
	switch r.Status {
	case Succeeded:
		return nil, fmt.Errorf("run %d already succeeded (re-run it with `doppel` or the Training page)", id)
	case Running:
		// Only a run whose previous job died may be taken over (e.g. `doppel jobs resume`).
		if r.JobID != nil && (jobID == nil || *r.JobID != *jobID) {
			if j, err := s.Jobs.Get(ctx, *r.JobID); err == nil && !j.Status.Finished() {
				return nil, fmt.Errorf("run %d is already running in job %d", id, j.ID)
			}
		}
	}
	attemptStart := time.Now()
	if err := s.db.exec(ctx, `UPDATE train_runs SET status='running', job_id=COALESCE(?, job_id), attempts=attempts+1,
		started_at=COALESCE(started_at, ?), phase='setup', updated_at=? WHERE id=?`, jobID, nowStr(), nowStr(), id); err != nil {
		return nil, err
	}
	fail := func(kind, msg, logTail string) (any, error) {
		_ = s.db.exec(ctx, `UPDATE train_runs SET status='failed', error=?, error_kind=?, log_tail=CASE WHEN ?='' THEN log_tail ELSE ? END,
			finished_at=?, updated_at=?, duration_s=duration_s+? WHERE id=?`, msg, kind, logTail, logTail, nowStr(), nowStr(),
			time.Since(attemptStart).Seconds(), id)
		return map[string]any{"run_id": id}, fmt.Errorf("training run %d failed (%s): %s", id, kind, msg)
	}
	if r.DatasetDir == "" {
		if r, err = s.export(ctx, r, report); err != nil {
			if ctx.Err() != nil {
				return s.cancelled(ctx, id, attemptStart)
			}
			return fail("data", err.Error(), "")
		}
	}
	_ = report(jobs.Progress{Message: "preparing the trainer environment"})
	python, err := s.Env.EnsurePython(ctx, &progressWriter{report: report})
	if err != nil {
		if ctx.Err() != nil {
			return s.cancelled(ctx, id, attemptStart)
		}
		return fail("environment", err.Error(), "")
	}
	src, err := s.Env.Source()
	if err != nil {
		return fail("environment", err.Error(), "")
	}
	var cfg map[string]any
	if err := json.Unmarshal(r.Config, &cfg); err != nil {
		return fail("config", fmt.Sprintf("stored config: %v", err), "")
	}
	noImport, _ := cfg["doppel_no_import"].(bool)
	evaluate, _ := cfg["doppel_evaluate"].(bool)
	delete(cfg, "doppel_no_import")
	delete(cfg, "doppel_evaluate")
	if err := os.MkdirAll(r.OutputDir, 0o755); err != nil {
		return fail("environment", err.Error(), "")
	}
	if hasCheckpoint(r.OutputDir) {
		cfg["resume_from"] = "last"
	}
	cfgPath := filepath.Join(r.OutputDir, fmt.Sprintf("config-attempt%d.json", r.Attempts+1))
	b, _ := json.MarshalIndent(cfg, "", "  ")
	if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
		return fail("environment", err.Error(), "")
	}

	proc := &Process{Python: python, Source: src, Config: cfgPath, LogPath: filepath.Join(r.OutputDir, "trainer.log"),
		Grace: s.Grace, ExtraEnv: s.TrainerEnv}
	firstStep := r.FirstStepS == nil
	created, _ := time.Parse("2006-01-02T15:04:05.000Z", r.CreatedAt)
	// Events after a stop request (the last step, its checkpoint) are still
	// recorded: the store writes must not share the cancelled context.
	recCtx := context.WithoutCancel(ctx)
	onEvent := func(ev *Event) error {
		return s.record(recCtx, id, ev, report, firstStep && r.Attempts == 0, created, &firstStep)
	}
	_ = report(jobs.Progress{Message: "starting the trainer"})
	out, err := proc.Run(ctx, onEvent)
	if err != nil && out == nil {
		return fail("crash", err.Error(), "")
	}
	elapsed := time.Since(attemptStart).Seconds()
	if out.Cancelled {
		_ = s.db.exec(ctx, `UPDATE train_runs SET log_tail=? WHERE id=?`, out.LogTail, id)
		return s.cancelled(ctx, id, attemptStart)
	}
	if out.Done == nil {
		kind, msg := out.Reason()
		return fail(kind, msg, out.LogTail)
	}
	_ = s.db.exec(ctx, `UPDATE train_runs SET log_tail=?, duration_s=duration_s+?, phase='trained', updated_at=? WHERE id=?`,
		out.LogTail, elapsed, nowStr(), id)
	if noImport || out.Done.MergedDir == "" {
		return s.succeed(ctx, id, "")
	}
	name, err := s.importModel(ctx, id, out.Done.MergedDir, report)
	if err != nil {
		if ctx.Err() != nil {
			return s.cancelled(ctx, id, time.Now())
		}
		return fail("import", err.Error(), "")
	}
	if evaluate && s.AfterImport != nil {
		_ = s.db.exec(ctx, `UPDATE train_runs SET phase='evaluation', updated_at=? WHERE id=?`, nowStr(), id)
		_ = report(jobs.Progress{Message: "evaluating " + name})
		res, err := s.AfterImport(ctx, id, name, report)
		if res != nil {
			_ = s.setArtifact(context.WithoutCancel(ctx), id, "evaluation", res)
		}
		if err != nil {
			// The model exists and is a candidate; only its evaluation is
			// missing, and it can be re-run from the Models page.
			_ = s.setArtifact(context.WithoutCancel(ctx), id, "evaluation_error", err.Error())
			_ = report(jobs.Progress{Message: "evaluation failed: " + err.Error()})
		}
	}
	return s.succeed(context.WithoutCancel(ctx), id, name)
}

// export writes the dataset version of a run to its export folder (the
// first phase of a run created on a version) and records folder and hash.
func (s *Service) export(ctx context.Context, r *Run, report func(jobs.Progress) error) (*Run, error) {
	if s.ResolveDataset == nil {
		return nil, fmt.Errorf("dataset %q: datasets are not available to export it", r.Dataset)
	}
	_ = s.db.exec(ctx, `UPDATE train_runs SET phase='exporting', updated_at=? WHERE id=?`, nowStr(), r.ID)
	_ = report(jobs.Progress{Message: "exporting dataset " + r.Dataset})
	dir, err := s.ResolveDataset(ctx, r.Dataset)
	if err != nil {
		return nil, fmt.Errorf("export dataset %s: %w", r.Dataset, err)
	}
	hash, err := DatasetHash(dir)
	if err != nil {
		return nil, err
	}
	if err := s.db.exec(ctx, `UPDATE train_runs SET dataset_dir=?, dataset_hash=?, config=json_set(config, '$.dataset_dir', ?), updated_at=? WHERE id=?`,
		dir, hash, dir, nowStr(), r.ID); err != nil {
		return nil, err
	}
	return s.db.getRun(ctx, r.ID, false)
}

func (s *Service) succeed(ctx context.Context, id int64, model string) (any, error) {
	if err := s.db.exec(ctx, `UPDATE train_runs SET status='succeeded', model=?, phase='done', finished_at=?, updated_at=? WHERE id=?`,
		model, nowStr(), nowStr(), id); err != nil {
		return nil, err
	}
	return map[string]any{"run_id": id, "model": model}, nil
}

func (s *Service) cancelled(ctx context.Context, id int64, attemptStart time.Time) (any, error) {
	_ = s.db.exec(ctx, `UPDATE train_runs SET status='cancelled', phase='stopped', finished_at=?, updated_at=?, duration_s=duration_s+? WHERE id=?`,
		nowStr(), nowStr(), time.Since(attemptStart).Seconds(), id)
	return map[string]any{"run_id": id}, context.Canceled
}

func hasCheckpoint(out string) bool {
	m, _ := filepath.Glob(filepath.Join(out, "checkpoints", "checkpoint-*"))
	return len(m) > 0
}

func fmtF(p *float64, format string) string {
	if p == nil {
		return "?"
	}
	return fmt.Sprintf(format, *p)
}

// record stores one trainer event and reports progress.
func (s *Service) record(ctx context.Context, id int64, ev *Event, report func(jobs.Progress) error, measureFirst bool, created time.Time, firstStep *bool) error {
	now := nowStr()
	switch ev.Event {
	case "start":
		return s.db.exec(ctx, `UPDATE train_runs SET settings=?, hardware=?, backend=?, phase='loading', updated_at=? WHERE id=?`,
			string(orEmpty(ev.Settings)), string(orEmpty(ev.Hardware)), ev.Backend, now, id)
	case "phase":
		_ = report(jobs.Progress{Done: ev.Step, Total: ev.TotalSteps, Message: ev.Phase})
		if ev.TotalSteps > 0 {
			return s.db.exec(ctx, `UPDATE train_runs SET phase=?, total_steps=?, updated_at=? WHERE id=?`, ev.Phase, ev.TotalSteps, now, id)
		}
		return s.db.exec(ctx, `UPDATE train_runs SET phase=?, updated_at=? WHERE id=?`, ev.Phase, now, id)
	case "step":
		if *firstStep && measureFirst && !created.IsZero() {
			*firstStep = false
			_ = s.db.exec(ctx, `UPDATE train_runs SET first_step_s=? WHERE id=?`, time.Since(created).Seconds(), id)
		}
		msg := fmt.Sprintf("step %d/%d · loss %s · %s tok/s", ev.Step, ev.TotalSteps, fmtF(ev.Loss, "%.3f"), fmtF(ev.TokensPerS, "%.0f"))
		if ev.EtaS != nil {
			msg += fmt.Sprintf(" · ETA %s", (time.Duration(*ev.EtaS) * time.Second).String())
		}
		_ = report(jobs.Progress{Done: ev.Step, Total: ev.TotalSteps, Message: msg})
		err := s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(context.WithoutCancel(ctx), `INSERT INTO train_metrics (run_id, kind, phase, step, loss, learning_rate, grad_norm, tokens_per_s, memory, eta_s)
				VALUES (?,?,?,?,?,?,?,?,?,?)`, id, "train", ev.Phase, ev.Step, ev.Loss, ev.LearningRate, ev.GradNorm, ev.TokensPerS, ev.Memory, ev.EtaS); err != nil {
				return err
			}
			_, err := tx.ExecContext(context.WithoutCancel(ctx), `UPDATE train_runs SET step=?, total_steps=?, loss=?, tokens_per_s=COALESCE(?, tokens_per_s), phase=?, updated_at=? WHERE id=?`,
				ev.Step, ev.TotalSteps, ev.Loss, ev.TokensPerS, ev.Phase, now, id)
			return err
		})
		if err != nil {
			return fmt.Errorf("record step of run %d: %w", id, err)
		}
	case "eval":
		if err := s.db.exec(ctx, `INSERT INTO train_metrics (run_id, kind, phase, step, loss) VALUES (?,?,?,?,?)`, id, "eval", ev.Phase, ev.Step, ev.EvalLoss); err != nil {
			return err
		}
		return s.db.exec(ctx, `UPDATE train_runs SET eval_loss=?, updated_at=? WHERE id=?`, ev.EvalLoss, now, id)
	case "checkpoint":
		return s.db.exec(ctx, `UPDATE train_runs SET last_checkpoint=?, updated_at=? WHERE id=?`, ev.Path, now, id)
	case "stopped":
		if ev.Checkpoint != "" {
			return s.db.exec(ctx, `UPDATE train_runs SET last_checkpoint=?, updated_at=? WHERE id=?`, ev.Checkpoint, now, id)
		}
	case "artifact":
		return s.setArtifact(ctx, id, ev.Kind, ev.Path)
	case "log":
		if ev.Level == "warning" {
			_ = report(jobs.Progress{Message: ev.Message})
		}
	}
	return nil
}

func orEmpty(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("{}")
	}
	return b
}

func (s *Service) setArtifact(ctx context.Context, id int64, key string, value any) error {
	v, err := json.Marshal(value)
	if err != nil {
		return err
	}
	return s.db.exec(ctx, `UPDATE train_runs SET artifacts=json_set(artifacts, '$.'||?, json(?)), updated_at=? WHERE id=?`, key, string(v), nowStr(), id)
}

// importModel creates name:vN in Ollama from the merged folder (with the
// base's chat template and stop words), chats with it once, and records the
// version as a candidate with its lineage.
func (s *Service) importModel(ctx context.Context, id int64, merged string, report func(jobs.Progress) error) (string, error) {
	r, err := s.db.getRun(ctx, id, false)
	if err != nil {
		return "", err
	}
	_ = s.db.exec(ctx, `UPDATE train_runs SET phase='importing', updated_at=? WHERE id=?`, nowStr(), id)
	var entry *models.Entry
	if e, ok := models.Lookup(r.Base); ok {
		entry = &e
	}
	tmpl, stop, err := chatTemplateFor(entry, merged)
	if err != nil {
		return "", err
	}
	var version int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version),0)+1 FROM model_versions WHERE family=?`, r.Name).Scan(&version); err != nil {
		return "", fmt.Errorf("next version of %s: %w", r.Name, err)
	}
	name := fmt.Sprintf("%s:v%d", r.Name, version)
	params := map[string]any{}
	if len(stop) > 0 {
		params["stop"] = stop
	}
	err = s.Models.Import(ctx, llm.ImportRequest{Name: name, Path: merged, Template: tmpl, Parameters: params}, func(p llm.Progress) error {
		return report(jobs.Progress{Done: p.Completed, Total: p.Total, Message: "import " + name + ": " + p.Status})
	})
	if err != nil {
		return "", fmt.Errorf("import %s into Ollama: %w", merged, err)
	}
	_ = report(jobs.Progress{Message: "chatting with " + name})
	answer, err := s.smokeChat(ctx, name, r.DatasetDir)
	if err != nil {
		return "", fmt.Errorf("model %s was imported but does not answer a chat: %w", name, err)
	}
	_ = s.setArtifact(ctx, id, "smoke_chat", answer)
	_ = s.setArtifact(ctx, id, "ollama_model", name)
	if _, err := s.db.ExecContext(context.WithoutCancel(ctx), `INSERT INTO model_versions (name, family, version, run_id, base, dataset, dataset_hash, status)
		VALUES (?,?,?,?,?,?,?,'candidate')`, name, r.Name, version, id, r.Base, r.Dataset, r.DatasetHash); err != nil {
		return "", fmt.Errorf("record model version %s: %w", name, err)
	}
	return name, nil
}

// SmokeChat is the question put to a freshly imported model and its answer.
type SmokeChat struct {
	System string `json:"system,omitempty"`
	Prompt string `json:"prompt"`
	Answer string `json:"answer"`
}

// smokeChat asks the model the first test question of its dataset (or a
// fixed one) and returns the answer; an empty answer is an error.
func (s *Service) smokeChat(ctx context.Context, name, datasetDir string) (*SmokeChat, error) {
	sc := &SmokeChat{Prompt: "Write two sentences about your week."}
	for _, f := range []string{"test.jsonl", "train.jsonl"} {
		if sys, user, ok := firstPrompt(filepath.Join(datasetDir, f)); ok {
			sc.System, sc.Prompt = sys, user
			break
		}
	}
	c, err := s.Engine.Client(ctx)
	if err != nil {
		return nil, err
	}
	msgs := []api.Message{}
	if sc.System != "" {
		msgs = append(msgs, api.Message{Role: "system", Content: sc.System})
	}
	msgs = append(msgs, api.Message{Role: "user", Content: sc.Prompt})
	stream := false
	cctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var sb strings.Builder
	err = c.Chat(cctx, &api.ChatRequest{Model: name, Messages: msgs, Stream: &stream,
		Options: map[string]any{"num_predict": 12, "temperature": 0}}, func(r api.ChatResponse) error {
		sb.WriteString(r.Message.Content)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("chat with %s: %w", name, err)
	}
	sc.Answer = strings.TrimSpace(sb.String())
	if sc.Answer == "" {
		return nil, fmt.Errorf("chat with %s: empty answer", name)
	}
	return sc, nil
}

func firstPrompt(path string) (system, user string, ok bool) {
	cs, err := ReadConversations(path, 1)
	if err != nil || len(cs) == 0 {
		return "", "", false
	}
	return cs[0].System, cs[0].Prompt, true
}

// Versions lists the model versions made by training.
func (s *Service) Versions(ctx context.Context) ([]ModelVersion, error) { return s.db.versions(ctx) }

// Accept makes name the accepted twin: the previous accepted version is
// archived, the "twin" alias points at name, and chat's default model
// becomes name.
func (s *Service) Accept(ctx context.Context, name string) (*ModelVersion, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var st string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM model_versions WHERE name=?`, name).Scan(&st); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("model %s: %w (only models made by `doppel train` can be accepted)", name, ErrNotFound)
			}
			return err
		}
		now := nowStr()
		if _, err := tx.ExecContext(ctx, `UPDATE model_versions SET status='archived', updated_at=? WHERE status='accepted' AND name<>?`, now, name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE model_versions SET status='accepted', updated_at=? WHERE name=?`, now, name); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO model_aliases (alias, model, updated_at) VALUES (?,?,?)
			ON CONFLICT(alias) DO UPDATE SET model=excluded.model, updated_at=excluded.updated_at`, TwinAlias, name, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.Settings != nil {
		if err := s.Settings.Set(ctx, settings.ChatModel, name); err != nil {
			return nil, err
		}
	}
	return s.version(ctx, name)
}

// Reject archives a candidate.
func (s *Service) Reject(ctx context.Context, name string) (*ModelVersion, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE model_versions SET status='archived', updated_at=? WHERE name=? AND status='candidate'`, nowStr(), name)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, fmt.Errorf("model %s: no candidate of that name: %w", name, ErrNotFound)
	}
	return s.version(ctx, name)
}

func (s *Service) version(ctx context.Context, name string) (*ModelVersion, error) {
	vs, err := s.Versions(ctx)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		if vs[i].Name == name {
			return &vs[i], nil
		}
	}
	return nil, fmt.Errorf("model %s: %w", name, ErrNotFound)
}

// Twin returns the accepted twin's model name ("" if none).
func (s *Service) Twin(ctx context.Context) (string, error) {
	var m string
	err := s.db.QueryRowContext(ctx, `SELECT model FROM model_aliases WHERE alias=?`, TwinAlias).Scan(&m)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return m, err
}
