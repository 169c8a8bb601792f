package evaluate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// Evaluation is one evaluation of a candidate with its scores, and (from
// Get) the samples with every model's answers.
type Evaluation struct {
	ID         int64           `json:"id"`
	Model      string          `json:"model"`
	RunID      *int64          `json:"run_id,omitempty"`
	Status     string          `json:"status"`
	JobID      *int64          `json:"job_id,omitempty"`
	DatasetDir string          `json:"dataset_dir"`
	Config     json.RawMessage `json:"config"`
	// Style is the style profile of the author's text.
	Style      json.RawMessage `json:"style"`
	Gate       Gate            `json:"gate"`
	Error      string          `json:"error,omitempty"`
	CreatedAt  string          `json:"created_at"`
	FinishedAt *string         `json:"finished_at,omitempty"`
	Scores     []Score         `json:"scores"`
	Samples    []Sample        `json:"samples,omitempty"`
}

// Score is one model's aggregate result in an evaluation. A nil metric was
// not measured; Notes says why.
type Score struct {
	Role          string          `json:"role"`
	Model         string          `json:"model"`
	Loss          *float64        `json:"loss,omitempty"`
	Perplexity    *float64        `json:"perplexity,omitempty"`
	Similarity    *float64        `json:"similarity,omitempty"`
	RougeL        *float64        `json:"rouge_l,omitempty"`
	StyleDistance *float64        `json:"style_distance,omitempty"`
	Style         json.RawMessage `json:"style"`
	JudgeAccuracy *float64        `json:"judge_accuracy,omitempty"`
	JudgeStyle    *float64        `json:"judge_style,omitempty"`
	Answered      int             `json:"answered"`
	Notes         []string        `json:"notes"`
}

// Sample is a test question, the author's answer and each model's answer.
type Sample struct {
	Sample    int      `json:"sample"`
	System    string   `json:"system,omitempty"`
	Prompt    string   `json:"prompt"`
	Reference string   `json:"reference"`
	Answers   []Answer `json:"answers,omitempty"`
}

// Answer is one model's answer to a sample with its scores.
type Answer struct {
	Sample        int      `json:"sample"`
	Role          string   `json:"role"`
	Answer        string   `json:"answer"`
	Similarity    *float64 `json:"similarity,omitempty"`
	RougeL        float64  `json:"rouge_l"`
	JudgeAccuracy *int     `json:"judge_accuracy,omitempty"`
	JudgeStyle    *int     `json:"judge_style,omitempty"`
	JudgeReason   string   `json:"judge_reason,omitempty"`
}

const evalCols = `id, model, run_id, status, job_id, dataset_dir, config, style, gate, error, created_at, finished_at`

func scanEval(sc interface{ Scan(...any) error }) (*Evaluation, error) {
	var e Evaluation
	var cfg, style, gate string
	if err := sc.Scan(&e.ID, &e.Model, &e.RunID, &e.Status, &e.JobID, &e.DatasetDir, &cfg, &style, &gate, &e.Error, &e.CreatedAt, &e.FinishedAt); err != nil {
		return nil, err
	}
	e.Config, e.Style = json.RawMessage(cfg), json.RawMessage(style)
	_ = json.Unmarshal([]byte(gate), &e.Gate)
	return &e, nil
}

// Get returns an evaluation with its scores, samples and answers.
func (s *Service) Get(ctx context.Context, id int64) (*Evaluation, error) {
	e, err := scanEval(s.db.QueryRowContext(ctx, `SELECT `+evalCols+` FROM evaluations WHERE id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("evaluation %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("evaluation %d: %w", id, err)
	}
	if e.Scores, err = s.scores(ctx, id); err != nil {
		return nil, err
	}
	if e.Samples, err = s.storedSamples(ctx, id); err != nil {
		return nil, err
	}
	ans, err := s.answers(ctx, id)
	if err != nil {
		return nil, err
	}
	idx := map[int]int{}
	for i, sm := range e.Samples {
		idx[sm.Sample] = i
	}
	for _, a := range ans {
		if i, ok := idx[a.Sample]; ok {
			e.Samples[i].Answers = append(e.Samples[i].Answers, a)
		}
	}
	return e, nil
}

// List returns evaluations (of model, or all when ""), newest first, with
// their scores but without samples.
func (s *Service) List(ctx context.Context, model string, limit int) ([]Evaluation, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+evalCols+` FROM evaluations WHERE ?='' OR model=? ORDER BY id DESC LIMIT ?`, model, model, limit)
	if err != nil {
		return nil, fmt.Errorf("list evaluations: %w", err)
	}
	var out []Evaluation
	for rows.Next() {
		e, err := scanEval(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, *e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Scores, err = s.scores(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	if out == nil {
		out = []Evaluation{}
	}
	return out, nil
}

func (s *Service) scores(ctx context.Context, id int64) ([]Score, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT role, model, loss, perplexity, similarity, rouge_l, style_distance, style,
		judge_accuracy, judge_style, answered, notes FROM evaluation_scores WHERE evaluation_id=?
		ORDER BY CASE role WHEN 'candidate' THEN 0 WHEN 'accepted' THEN 1 ELSE 2 END`, id)
	if err != nil {
		return nil, fmt.Errorf("scores of evaluation %d: %w", id, err)
	}
	defer rows.Close()
	out := []Score{}
	for rows.Next() {
		var sc Score
		var style, notes string
		if err := rows.Scan(&sc.Role, &sc.Model, &sc.Loss, &sc.Perplexity, &sc.Similarity, &sc.RougeL, &sc.StyleDistance, &style,
			&sc.JudgeAccuracy, &sc.JudgeStyle, &sc.Answered, &notes); err != nil {
			return nil, err
		}
		sc.Style = json.RawMessage(style)
		_ = json.Unmarshal([]byte(notes), &sc.Notes)
		if sc.Notes == nil {
			sc.Notes = []string{}
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

func (s *Service) storedSamples(ctx context.Context, id int64) ([]Sample, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sample, system, prompt, reference FROM evaluation_samples WHERE evaluation_id=? ORDER BY sample`, id)
	if err != nil {
		return nil, fmt.Errorf("samples of evaluation %d: %w", id, err)
	}
	defer rows.Close()
	var out []Sample
	for rows.Next() {
		var sm Sample
		if err := rows.Scan(&sm.Sample, &sm.System, &sm.Prompt, &sm.Reference); err != nil {
			return nil, err
		}
		out = append(out, sm)
	}
	return out, rows.Err()
}

func (s *Service) answers(ctx context.Context, id int64) ([]Answer, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sample, role, answer, similarity, rouge_l, judge_accuracy, judge_style, judge_reason
		FROM evaluation_answers WHERE evaluation_id=? ORDER BY sample, CASE role WHEN 'candidate' THEN 0 WHEN 'accepted' THEN 1 ELSE 2 END`, id)
	if err != nil {
		return nil, fmt.Errorf("answers of evaluation %d: %w", id, err)
	}
	defer rows.Close()
	var out []Answer
	for rows.Next() {
		var a Answer
		if err := rows.Scan(&a.Sample, &a.Role, &a.Answer, &a.Similarity, &a.RougeL, &a.JudgeAccuracy, &a.JudgeStyle, &a.JudgeReason); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s *Service) answered(ctx context.Context, id int64, role string) (map[int]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sample FROM evaluation_answers WHERE evaluation_id=? AND role=?`, id, role)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[n] = true
	}
	return out, rows.Err()
}

func (s *Service) saveAnswer(ctx context.Context, id int64, a Answer) error {
	_, err := s.db.ExecContext(ctx, `INSERT OR REPLACE INTO evaluation_answers (evaluation_id, sample, role, answer, similarity, rouge_l,
		judge_accuracy, judge_style, judge_reason) VALUES (?,?,?,?,?,?,?,?,?)`,
		id, a.Sample, a.Role, a.Answer, a.Similarity, a.RougeL, a.JudgeAccuracy, a.JudgeStyle, a.JudgeReason)
	if err != nil {
		return fmt.Errorf("store answer of %s to sample %d: %w", a.Role, a.Sample, err)
	}
	return nil
}
