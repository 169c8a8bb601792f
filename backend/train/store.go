package train

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Status is a run's state.
type Status string

// Run states.
const (
	Queued    Status = "queued"
	Running   Status = "running"
	Succeeded Status = "succeeded"
	Failed    Status = "failed"
	Cancelled Status = "cancelled"
)

// Finished reports whether the status is terminal.
func (s Status) Finished() bool { return s == Succeeded || s == Failed || s == Cancelled }

// ErrNotFound is returned for an unknown run or model version.
var ErrNotFound = errors.New("not found")

// Metric is one point of a run's curves.
type Metric struct {
	Kind         string   `json:"kind"` // train | eval
	Phase        string   `json:"phase"`
	Step         int64    `json:"step"`
	Loss         *float64 `json:"loss,omitempty"`
	LearningRate *float64 `json:"learning_rate,omitempty"`
	GradNorm     *float64 `json:"grad_norm,omitempty"`
	TokensPerS   *float64 `json:"tokens_per_s,omitempty"`
	Memory       *int64   `json:"memory,omitempty"`
	EtaS         *float64 `json:"eta_s,omitempty"`
	At           string   `json:"at"`
}

// Run is one training run with everything needed to compare or repeat it.
type Run struct {
	ID             int64           `json:"id"`
	Status         Status          `json:"status"`
	JobID          *int64          `json:"job_id,omitempty"`
	Name           string          `json:"name"`
	Base           string          `json:"base"`
	BasePath       string          `json:"base_path"`
	Dataset        string          `json:"dataset"`
	DatasetDir     string          `json:"dataset_dir"`
	DatasetHash    string          `json:"dataset_hash"`
	Backend        string          `json:"backend"`
	Config         json.RawMessage `json:"config"`
	Settings       json.RawMessage `json:"settings"`
	Hardware       json.RawMessage `json:"hardware"`
	OutputDir      string          `json:"output_dir"`
	Step           int64           `json:"step"`
	TotalSteps     int64           `json:"total_steps"`
	Loss           *float64        `json:"loss,omitempty"`
	EvalLoss       *float64        `json:"eval_loss,omitempty"`
	TokensPerS     *float64        `json:"tokens_per_s,omitempty"`
	Phase          string          `json:"phase"`
	LastCheckpoint string          `json:"last_checkpoint,omitempty"`
	Error          string          `json:"error,omitempty"`
	ErrorKind      string          `json:"error_kind,omitempty"`
	LogTail        string          `json:"log_tail,omitempty"`
	Artifacts      json.RawMessage `json:"artifacts"`
	Model          string          `json:"model,omitempty"`
	RerunOf        *int64          `json:"rerun_of,omitempty"`
	Attempts       int             `json:"attempts"`
	DurationS      float64         `json:"duration_s"`
	FirstStepS     *float64        `json:"first_step_s,omitempty"`
	CreatedAt      string          `json:"created_at"`
	StartedAt      *string         `json:"started_at,omitempty"`
	FinishedAt     *string         `json:"finished_at,omitempty"`
	UpdatedAt      string          `json:"updated_at"`
	// Metrics are filled by Get and List(withMetrics).
	Metrics []Metric `json:"metrics"`
}

const runCols = `id, status, job_id, name, base, base_path, dataset, dataset_dir, dataset_hash, backend, config, settings,
hardware, output_dir, step, total_steps, loss, eval_loss, tokens_per_s, phase, last_checkpoint, error, error_kind,
log_tail, artifacts, model, rerun_of, attempts, duration_s, first_step_s, created_at, started_at, finished_at, updated_at`

type scanner interface{ Scan(...any) error }

func scanRun(s scanner) (*Run, error) {
	var r Run
	var cfg, settings, hw, art string
	err := s.Scan(&r.ID, &r.Status, &r.JobID, &r.Name, &r.Base, &r.BasePath, &r.Dataset, &r.DatasetDir, &r.DatasetHash,
		&r.Backend, &cfg, &settings, &hw, &r.OutputDir, &r.Step, &r.TotalSteps, &r.Loss, &r.EvalLoss, &r.TokensPerS,
		&r.Phase, &r.LastCheckpoint, &r.Error, &r.ErrorKind, &r.LogTail, &art, &r.Model, &r.RerunOf, &r.Attempts,
		&r.DurationS, &r.FirstStepS, &r.CreatedAt, &r.StartedAt, &r.FinishedAt, &r.UpdatedAt)
	if err != nil {
		return nil, err
	}
	r.Config, r.Settings, r.Hardware, r.Artifacts = json.RawMessage(cfg), json.RawMessage(settings), json.RawMessage(hw), json.RawMessage(art)
	r.Metrics = []Metric{}
	return &r, nil
}

func nowStr() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

type db struct{ *sql.DB }

func (d db) insertRun(ctx context.Context, r *Run) (int64, error) {
	res, err := d.ExecContext(ctx, `INSERT INTO train_runs (status, name, base, base_path, dataset, dataset_dir, dataset_hash,
		backend, config, output_dir, rerun_of) VALUES ('queued',?,?,?,?,?,?,?,?,?,?)`,
		r.Name, r.Base, r.BasePath, r.Dataset, r.DatasetDir, r.DatasetHash, r.Backend, string(r.Config), r.OutputDir, r.RerunOf)
	if err != nil {
		return 0, fmt.Errorf("record training run: %w", err)
	}
	return res.LastInsertId()
}

func (d db) getRun(ctx context.Context, id int64, withMetrics bool) (*Run, error) {
	r, err := scanRun(d.QueryRowContext(ctx, `SELECT `+runCols+` FROM train_runs WHERE id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("training run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read training run %d: %w", id, err)
	}
	if withMetrics {
		if r.Metrics, err = d.metrics(ctx, id); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (d db) listRuns(ctx context.Context, limit int, withMetrics bool) ([]*Run, error) {
	if limit <= 0 {
		limit = 200
	}
	rows, err := d.QueryContext(ctx, `SELECT `+runCols+` FROM train_runs ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list training runs: %w", err)
	}
	defer rows.Close()
	out := []*Run{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list training runs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if withMetrics {
		for _, r := range out {
			if r.Metrics, err = d.metrics(ctx, r.ID); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (d db) metrics(ctx context.Context, runID int64) ([]Metric, error) {
	rows, err := d.QueryContext(ctx, `SELECT kind, phase, step, loss, learning_rate, grad_norm, tokens_per_s, memory, eta_s, at
		FROM train_metrics WHERE run_id=? ORDER BY id`, runID)
	if err != nil {
		return nil, fmt.Errorf("read metrics of run %d: %w", runID, err)
	}
	defer rows.Close()
	out := []Metric{}
	for rows.Next() {
		var m Metric
		if err := rows.Scan(&m.Kind, &m.Phase, &m.Step, &m.Loss, &m.LearningRate, &m.GradNorm, &m.TokensPerS, &m.Memory, &m.EtaS, &m.At); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (d db) exec(ctx context.Context, q string, args ...any) error {
	if _, err := d.ExecContext(context.WithoutCancel(ctx), q, args...); err != nil {
		return fmt.Errorf("update training run: %w", err)
	}
	return nil
}

// ModelVersion is a model in Ollama made by a training run.
type ModelVersion struct {
	Name        string `json:"name"`
	Family      string `json:"family"`
	Version     int    `json:"version"`
	RunID       *int64 `json:"run_id,omitempty"`
	Base        string `json:"base"`
	Dataset     string `json:"dataset"`
	DatasetHash string `json:"dataset_hash"`
	Status      string `json:"status"`
	// Aliases are the aliases pointing at it ("twin" for the accepted one).
	Aliases   []string `json:"aliases"`
	CreatedAt string   `json:"created_at"`
	UpdatedAt string   `json:"updated_at"`
}

// TwinAlias names the accepted twin that chat uses.
const TwinAlias = "twin"

func (d db) versions(ctx context.Context) ([]ModelVersion, error) {
	rows, err := d.QueryContext(ctx, `SELECT v.name, v.family, v.version, v.run_id, v.base, v.dataset, v.dataset_hash, v.status,
		v.created_at, v.updated_at, COALESCE((SELECT group_concat(alias) FROM model_aliases a WHERE a.model=v.name), '')
		FROM model_versions v ORDER BY v.family, v.version DESC`)
	if err != nil {
		return nil, fmt.Errorf("list model versions: %w", err)
	}
	defer rows.Close()
	out := []ModelVersion{}
	for rows.Next() {
		var v ModelVersion
		var aliases string
		if err := rows.Scan(&v.Name, &v.Family, &v.Version, &v.RunID, &v.Base, &v.Dataset, &v.DatasetHash, &v.Status,
			&v.CreatedAt, &v.UpdatedAt, &aliases); err != nil {
			return nil, err
		}
		v.Aliases = []string{}
		if aliases != "" {
			v.Aliases = strings.Split(aliases, ",")
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
