// Package evaluate measures a trained twin against the accepted twin and its
// base on the test split of the dataset it was trained on: loss and
// perplexity on the author's own text (scored by the Python trainer), the
// similarity of each model's answers to the author's answers (embedding
// cosine and ROUGE-L), style statistics against the author's writing, and an
// optional judge model scoring accuracy and style 1–3. A gate can accept a
// candidate that beats the current twin.
package evaluate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/doppelhq/doppel/backend/jobs"
	"github.com/doppelhq/doppel/backend/llm"
	"github.com/doppelhq/doppel/backend/settings"
	"github.com/doppelhq/doppel/backend/store"
	"github.com/doppelhq/doppel/backend/train"
	"github.com/doppelhq/doppel/models"
)

// KindEvaluate is the job kind of an evaluation (payload: {"evaluation_id": N}).
const KindEvaluate = "evaluate"

// Roles of the models compared, in display order.
const (
	Candidate = "candidate"
	Accepted  = "accepted"
	Base      = "base"
)

// Defaults of Options.
const (
	DefaultSamples   = 12
	DefaultMaxTokens = 200
)

// ErrNotFound is returned for an unknown evaluation or model.
var ErrNotFound = errors.New("not found")

// Options chooses what an evaluation does.
type Options struct {
	// Model is the candidate: a model version made by training (name:vN).
	Model string `json:"model"`
	// Judge is a chat model that scores answers 1–3; "" = the eval_judge
	// setting, "none" = no judge.
	Judge string `json:"judge,omitempty"`
	// Samples is how many test samples are answered (default 12).
	Samples int `json:"samples,omitempty"`
	// MaxTokens caps each answer (default 200).
	MaxTokens int `json:"max_tokens,omitempty"`
	// NoLoss skips loss and perplexity (they need the trainer environment).
	NoLoss bool `json:"no_loss,omitempty"`
}

// Embedder embeds texts with an embedding model.
type Embedder interface {
	Embed(ctx context.Context, model string, texts []string) ([][]float32, error)
}

// Service runs and stores evaluations.
type Service struct {
	db       *sql.DB
	Jobs     *jobs.Manager
	Engine   *llm.Engine
	Train    *train.Service
	Settings *settings.Settings
	Embedder Embedder
	DataDir  string
}

// New returns the service over a store.
func New(st *store.Store, j *jobs.Manager, e *llm.Engine, t *train.Service, s *settings.Settings, emb Embedder, dataDir string) *Service {
	return &Service{db: st.DB, Jobs: j, Engine: e, Train: t, Settings: s, Embedder: emb, DataDir: dataDir}
}

type payload struct {
	EvaluationID int64 `json:"evaluation_id"`
}

// Register adds the evaluate job kind.
func (s *Service) Register() {
	s.Jobs.Register(KindEvaluate, func(p json.RawMessage) (jobs.Func, error) {
		var pl payload
		if err := json.Unmarshal(p, &pl); err != nil || pl.EvaluationID <= 0 {
			return nil, fmt.Errorf("evaluate payload %s: want {\"evaluation_id\": N}", p)
		}
		return func(ctx context.Context, report func(jobs.Progress) error) (any, error) {
			ev, err := s.Run(ctx, pl.EvaluationID, report)
			if ev != nil {
				return map[string]any{"evaluation_id": ev.ID, "model": ev.Model, "gate": ev.Gate}, err
			}
			return nil, err
		}, nil
	})
}

// Create records a queued evaluation of opts.Model.
func (s *Service) Create(ctx context.Context, opts Options) (*Evaluation, error) {
	name := strings.TrimSpace(opts.Model)
	if name == "" {
		return nil, errors.New("evaluate: a model is required (a version made by training, e.g. doppel:v1)")
	}
	run, err := s.runOf(ctx, name)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(run.DatasetDir, "test.jsonl")); err != nil {
		return nil, fmt.Errorf("evaluate %s: its dataset %s has no test split (test.jsonl): %w", name, run.DatasetDir, err)
	}
	if opts.Samples <= 0 {
		opts.Samples = DefaultSamples
	}
	if opts.MaxTokens <= 0 {
		opts.MaxTokens = DefaultMaxTokens
	}
	if opts.Judge == "" && s.Settings != nil {
		opts.Judge, _ = s.Settings.Get(ctx, settings.EvalJudge)
	}
	if opts.Judge == "none" {
		opts.Judge = ""
	}
	opts.Model = name
	cfg, _ := json.Marshal(opts)
	res, err := s.db.ExecContext(ctx, `INSERT INTO evaluations (model, run_id, status, dataset_dir, config) VALUES (?,?,'queued',?,?)`,
		name, run.ID, run.DatasetDir, string(cfg))
	if err != nil {
		return nil, fmt.Errorf("record evaluation of %s: %w", name, err)
	}
	id, _ := res.LastInsertId()
	return s.Get(ctx, id)
}

// Start creates an evaluation and runs it in the background (a job).
func (s *Service) Start(ctx context.Context, opts Options) (*Evaluation, *jobs.Job, error) {
	ev, err := s.Create(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	j, err := s.Jobs.Submit(ctx, KindEvaluate, title(ev), payload{ev.ID})
	if err != nil {
		return nil, nil, err
	}
	_, _ = s.db.ExecContext(ctx, `UPDATE evaluations SET job_id=? WHERE id=?`, j.ID, ev.ID)
	return ev, j, nil
}

// Execute runs a created evaluation in the calling goroutine (the CLI's way).
func (s *Service) Execute(ctx context.Context, ev *Evaluation, tap func(jobs.Progress)) (*jobs.Job, error) {
	return s.Jobs.Execute(ctx, KindEvaluate, title(ev), payload{ev.ID}, tap)
}

func title(ev *Evaluation) string { return fmt.Sprintf("Evaluate %s (evaluation %d)", ev.Model, ev.ID) }

// runOf returns the training run that made model version name.
func (s *Service) runOf(ctx context.Context, name string) (*train.Run, error) {
	var runID sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT run_id FROM model_versions WHERE name=?`, name).Scan(&runID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("model %s: %w (only versions made by `doppel train` can be evaluated; see `doppel models list`)", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("look up model %s: %w", name, err)
	}
	if !runID.Valid {
		return nil, fmt.Errorf("model %s: its training run was deleted, so its test split is unknown", name)
	}
	return s.Train.Get(ctx, runID.Int64)
}

// contender is one model of an evaluation.
type contender struct {
	role, model, path string // path: what the trainer loads for the loss ("" = none)
	notes             []string
}

// contenders are the candidate, the accepted twin (if another model) and the base.
func (s *Service) contenders(ctx context.Context, ev *Evaluation, run *train.Run) []*contender {
	cs := []*contender{{role: Candidate, model: ev.Model, path: mergedDir(run)}}
	if twin, err := s.Train.Twin(ctx); err == nil && twin != "" && twin != ev.Model {
		c := &contender{role: Accepted, model: twin}
		if tr, err := s.runOf(ctx, twin); err == nil {
			c.path = mergedDir(tr)
		}
		cs = append(cs, c)
	}
	return append(cs, &contender{role: Base, model: run.Base, path: run.BasePath})
}

func mergedDir(r *train.Run) string {
	var a struct {
		Merged string `json:"merged"`
	}
	_ = json.Unmarshal(r.Artifacts, &a)
	return a.Merged
}

// Run does evaluation id. It is resumable: samples and answers already
// stored are kept, so a killed or cancelled evaluation continues where it
// stopped.
func (s *Service) Run(ctx context.Context, id int64, report func(jobs.Progress) error) (*Evaluation, error) {
	if report == nil {
		report = func(jobs.Progress) error { return nil }
	}
	ev, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if ev.Status == "succeeded" {
		return ev, fmt.Errorf("evaluation %d already succeeded (start a new one to re-evaluate)", id)
	}
	var opts Options
	_ = json.Unmarshal(ev.Config, &opts)
	// The job running it: its own evaluate job, or the train job of the one-click path.
	var jobID *int64
	if j, ok := jobs.IDFrom(ctx); ok {
		jobID = &j
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE evaluations SET status='running', error='', job_id=COALESCE(?, job_id) WHERE id=?`,
		jobID, id); err != nil {
		return nil, err
	}
	finish := func(status string, cause error) (*Evaluation, error) {
		msg := ""
		if cause != nil {
			msg = cause.Error()
		}
		_, _ = s.db.ExecContext(context.WithoutCancel(ctx), `UPDATE evaluations SET status=?, error=?, finished_at=? WHERE id=?`,
			status, msg, now(), id)
		got, err := s.Get(context.WithoutCancel(ctx), id)
		if err != nil {
			return nil, err
		}
		return got, cause
	}
	fail := func(err error) (*Evaluation, error) {
		if ctx.Err() != nil {
			return finish("cancelled", context.Canceled)
		}
		return finish("failed", fmt.Errorf("evaluate %s: %w", ev.Model, err))
	}

	run, err := s.runOf(ctx, ev.Model)
	if err != nil {
		return fail(err)
	}
	samples, err := s.samples(ctx, ev, opts.Samples)
	if err != nil {
		return fail(err)
	}
	profile, err := authorStyle(ev.DatasetDir)
	if err != nil {
		return fail(err)
	}
	pj, _ := json.Marshal(profile)
	if _, err := s.db.ExecContext(ctx, `UPDATE evaluations SET style=? WHERE id=?`, string(pj), id); err != nil {
		return fail(err)
	}
	cs := s.contenders(ctx, ev, run)

	// Loss and perplexity, from the trainer (skipped for models already scored).
	losses := map[string]*train.Event{}
	if !opts.NoLoss {
		_ = report(jobs.Progress{Message: "scoring loss and perplexity on the test split"})
		losses, err = s.losses(ctx, ev, cs, opts.Samples)
		if ctx.Err() != nil {
			return fail(ctx.Err())
		}
		if err != nil {
			for _, c := range cs {
				c.notes = append(c.notes, "loss not measured: "+err.Error())
			}
		}
	} else {
		for _, c := range cs {
			c.notes = append(c.notes, "loss not measured (no_loss)")
		}
	}

	// Answers, compared with the author's.
	client, err := s.Engine.Client(ctx)
	if err != nil {
		return fail(err)
	}
	embedModel := s.embedModel(ctx, client)
	var refVecs [][]float32
	if embedModel == "" {
		for _, c := range cs {
			c.notes = append(c.notes, "similarity not measured: no embedding model is set in Settings or installed from the catalog")
		}
	} else if s.Embedder != nil {
		refs := make([]string, len(samples))
		for i, sm := range samples {
			refs[i] = sm.Reference
		}
		if refVecs, err = s.Embedder.Embed(ctx, embedModel, refs); err != nil {
			if ctx.Err() != nil {
				return fail(ctx.Err())
			}
			refVecs = nil
			for _, c := range cs {
				c.notes = append(c.notes, "similarity not measured: "+err.Error())
			}
		}
	}
	done, total := int64(0), int64(len(cs)*len(samples))
	for _, c := range cs {
		if err := checkModel(ctx, client, c.model); err != nil {
			if ctx.Err() != nil {
				return fail(ctx.Err())
			}
			c.notes = append(c.notes, "not answered: "+err.Error())
			done += int64(len(samples))
			continue
		}
		have, err := s.answered(ctx, id, c.role)
		if err != nil {
			return fail(err)
		}
		judgeErrs := 0
		for i, sm := range samples {
			done++
			if have[sm.Sample] {
				continue
			}
			if err := report(jobs.Progress{Done: done, Total: total, Message: fmt.Sprintf("%s %s answers sample %d/%d", c.role, c.model, i+1, len(samples))}); err != nil {
				return fail(err)
			}
			ans, err := answer(ctx, client, c.model, sm, opts.MaxTokens)
			if err != nil {
				return fail(err)
			}
			a := Answer{Sample: sm.Sample, Role: c.role, Answer: ans, RougeL: RougeL(ans, sm.Reference)}
			if refVecs != nil {
				if v, err := s.Embedder.Embed(ctx, embedModel, []string{nonEmpty(ans)}); err == nil {
					sim := Cosine(v[0], refVecs[i])
					a.Similarity = &sim
				} else if ctx.Err() != nil {
					return fail(ctx.Err())
				}
			}
			if opts.Judge != "" {
				if v, err := judge(ctx, client, opts.Judge, sm.Prompt, sm.Reference, ans); err == nil {
					a.JudgeAccuracy, a.JudgeStyle, a.JudgeReason = &v.Accuracy, &v.Style, v.Reason
				} else if ctx.Err() != nil {
					return fail(ctx.Err())
				} else {
					judgeErrs++
					a.JudgeReason = "no verdict: " + err.Error()
				}
			}
			if err := s.saveAnswer(ctx, id, a); err != nil {
				return fail(err)
			}
		}
		if judgeErrs > 0 {
			c.notes = append(c.notes, fmt.Sprintf("the judge gave no valid verdict for %d of %d answers", judgeErrs, len(samples)))
		}
	}
	_ = report(jobs.Progress{Done: total, Total: total, Message: "scoring"})
	if err := s.aggregate(ctx, id, cs, losses, profile); err != nil {
		return fail(err)
	}
	if err := s.applyGate(ctx, id); err != nil {
		return fail(err)
	}
	return finish("succeeded", nil)
}

// embedModel is the embedding model of Settings, else the first catalog
// embedding model installed in Ollama, else "".
func (s *Service) embedModel(ctx context.Context, c *api.Client) string {
	if s.Settings != nil {
		if m, _ := s.Settings.Get(ctx, settings.EmbedModel); m != "" {
			return m
		}
	}
	cat, err := models.Catalog()
	if err != nil {
		return ""
	}
	for _, e := range cat {
		if e.Kind == "embedding" && checkModel(ctx, c, e.Name) == nil {
			return e.Name
		}
	}
	return ""
}

func nonEmpty(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(no answer)"
	}
	return s
}

// checkModel reports whether Ollama has model.
func checkModel(ctx context.Context, c *api.Client, model string) error {
	if _, err := c.Show(ctx, &api.ShowRequest{Model: model}); err != nil {
		return fmt.Errorf("%s is not in Ollama (pull or import it to compare with it): %w", model, err)
	}
	return nil
}

// answer asks model one sample's question, as the chat would (greedy).
func answer(ctx context.Context, c *api.Client, model string, sm Sample, maxTokens int) (string, error) {
	var msgs []api.Message
	if sm.System != "" {
		msgs = append(msgs, api.Message{Role: "system", Content: sm.System})
	}
	msgs = append(msgs, api.Message{Role: "user", Content: sm.Prompt})
	stream := false
	cctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	var sb strings.Builder
	err := c.Chat(cctx, &api.ChatRequest{Model: model, Messages: msgs, Stream: &stream,
		Options: map[string]any{"temperature": 0, "seed": 42, "num_predict": maxTokens}}, func(r api.ChatResponse) error {
		sb.WriteString(r.Message.Content)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("chat with %s: %w", model, err)
	}
	return strings.TrimSpace(sb.String()), nil
}

// samples stores (once) and returns the first n test samples of the dataset.
func (s *Service) samples(ctx context.Context, ev *Evaluation, n int) ([]Sample, error) {
	have, err := s.storedSamples(ctx, ev.ID)
	if err != nil || len(have) > 0 {
		return have, err
	}
	rows, err := train.ReadConversations(filepath.Join(ev.DatasetDir, "test.jsonl"), n)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no test samples", filepath.Join(ev.DatasetDir, "test.jsonl"))
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	for i, r := range rows {
		if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_samples (evaluation_id, sample, system, prompt, reference) VALUES (?,?,?,?,?)`,
			ev.ID, i, r.System, r.Prompt, r.Reference); err != nil {
			return nil, fmt.Errorf("store evaluation samples: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.storedSamples(ctx, ev.ID)
}

// authorStyle is the style profile of the author's own text in the export
// (the assistant turns of train and test, up to 2,000 samples).
func authorStyle(dir string) (Style, error) {
	var texts []string
	for _, f := range []string{"train.jsonl", "test.jsonl"} {
		rows, err := train.ReadConversations(filepath.Join(dir, f), 2000)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return Style{}, err
		}
		for _, r := range rows {
			texts = append(texts, r.Reference)
		}
	}
	st := StyleOf(texts...)
	if st.Words == 0 {
		return st, fmt.Errorf("%s: the export has no text of the author to compare styles with", dir)
	}
	return st, nil
}

// losses runs the trainer's --evaluate on the models that have weights to
// load and returns their model_loss events by role; a model it could not
// load gets a note.
func (s *Service) losses(ctx context.Context, ev *Evaluation, cs []*contender, n int) (map[string]*train.Event, error) {
	out := map[string]*train.Event{}
	var todo []map[string]string
	for _, c := range cs {
		if c.path == "" {
			c.notes = append(c.notes, "loss not measured: no weights on disk (the merged model of its run is gone)")
			continue
		}
		todo = append(todo, map[string]string{"role": c.role, "path": c.path})
	}
	if len(todo) == 0 {
		return out, nil
	}
	python, err := s.Train.Env.FindPython()
	if err != nil {
		return out, fmt.Errorf("the trainer environment is not set up (it is created by the first training run): %w", err)
	}
	src, err := s.Train.Env.Source()
	if err != nil {
		return out, err
	}
	dir := filepath.Join(s.DataDir, "evaluations", fmt.Sprint(ev.ID))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return out, err
	}
	cfg := map[string]any{"dataset_dir": ev.DatasetDir, "models": todo, "max_eval_samples": n,
		"base_cache_dir": filepath.Join(s.DataDir, "training", "base-cache")}
	b, _ := json.MarshalIndent(cfg, "", "  ")
	cfgPath := filepath.Join(dir, "loss-config.json")
	if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
		return out, err
	}
	p := &train.Process{Python: python, Source: src, Config: cfgPath, Flag: "--evaluate", LogPath: filepath.Join(dir, "loss.log"), Grace: 5 * time.Second}
	o, err := p.Run(ctx, func(e *train.Event) error {
		switch e.Event {
		case "model_loss":
			out[e.Role] = e
		case "model_error":
			for _, c := range cs {
				if c.role == e.Role {
					c.notes = append(c.notes, "loss not measured: "+e.Message)
				}
			}
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	if o.Done == nil && !o.Cancelled {
		_, msg := o.Reason()
		return out, fmt.Errorf("%s (log: %s)", msg, p.LogPath)
	}
	return out, nil
}

// aggregate stores each model's mean scores.
func (s *Service) aggregate(ctx context.Context, id int64, cs []*contender, losses map[string]*train.Event, profile Style) error {
	ans, err := s.answers(ctx, id)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.ExecContext(ctx, `DELETE FROM evaluation_scores WHERE evaluation_id=?`, id); err != nil {
		return err
	}
	for _, c := range cs {
		var sim, rouge, acc, sty mean
		var texts []string
		for _, a := range ans {
			if a.Role != c.role {
				continue
			}
			texts = append(texts, a.Answer)
			rouge.add(&a.RougeL)
			sim.add(a.Similarity)
			acc.addInt(a.JudgeAccuracy)
			sty.addInt(a.JudgeStyle)
		}
		var loss, ppl, dist *float64
		if e := losses[c.role]; e != nil && e.Loss != nil {
			loss, ppl = e.Loss, e.Perplexity
		}
		var styleJSON []byte
		if len(texts) > 0 {
			st := StyleOf(texts...)
			d := StyleDistance(st, profile)
			dist = &d
			styleJSON, _ = json.Marshal(st)
		} else {
			styleJSON = []byte("{}")
		}
		notes := c.notes
		if notes == nil {
			notes = []string{}
		}
		nj, _ := json.Marshal(notes)
		if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_scores (evaluation_id, role, model, loss, perplexity, similarity, rouge_l,
			style_distance, style, judge_accuracy, judge_style, answered, notes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			id, c.role, c.model, loss, ppl, sim.value(), rouge.value(), dist, string(styleJSON), acc.value(), sty.value(), len(texts), string(nj)); err != nil {
			return fmt.Errorf("store scores of %s: %w", c.model, err)
		}
	}
	return tx.Commit()
}

type mean struct {
	sum float64
	n   int
}

func (m *mean) add(v *float64) {
	if v != nil && !math.IsNaN(*v) {
		m.sum += *v
		m.n++
	}
}

func (m *mean) addInt(v *int) {
	if v != nil {
		f := float64(*v)
		m.add(&f)
	}
}

func (m *mean) value() *float64 {
	if m.n == 0 {
		return nil
	}
	v := m.sum / float64(m.n)
	return &v
}

func now() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }
