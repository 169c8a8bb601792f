package evaluate

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/doppelhq/doppel/backend/settings"
)

// Gate is the accept gate's decision on a candidate: it passes when it is
// at least as good as the accepted twin (or, with none, the base) on every
// metric both were measured on. In "auto" mode a passing candidate is
// accepted, which switches chat to it; in "off" mode the decision is only
// advice and the user accepts or rejects by hand.
type Gate struct {
	Mode     string   `json:"mode"`              // off | auto
	Against  string   `json:"against,omitempty"` // the role compared with
	Passed   bool     `json:"passed"`
	Reasons  []string `json:"reasons"`
	Accepted bool     `json:"accepted"` // the gate accepted the candidate
}

// Tolerances: differences smaller than these are noise on a dozen samples.
const (
	similarityTolerance = 0.01
	styleTolerance      = 0.02
)

// Decide compares candidate with other (the accepted twin or the base).
func Decide(candidate, other Score) (passed bool, reasons []string) {
	compared := 0
	check := func(ok bool, format string, args ...any) {
		compared++
		verdict := "worse"
		if ok {
			verdict = "ok"
		} else {
			passed = false
		}
		reasons = append(reasons, fmt.Sprintf(format, args...)+": "+verdict)
	}
	passed = true
	if candidate.Loss != nil && other.Loss != nil {
		check(*candidate.Loss <= *other.Loss, "loss %.3f vs %.3f", *candidate.Loss, *other.Loss)
	}
	if candidate.Similarity != nil && other.Similarity != nil {
		check(*candidate.Similarity >= *other.Similarity-similarityTolerance, "similarity %.3f vs %.3f", *candidate.Similarity, *other.Similarity)
	}
	if candidate.StyleDistance != nil && other.StyleDistance != nil {
		check(*candidate.StyleDistance <= *other.StyleDistance+styleTolerance, "style distance %.3f vs %.3f", *candidate.StyleDistance, *other.StyleDistance)
	}
	if candidate.JudgeAccuracy != nil && other.JudgeAccuracy != nil && candidate.JudgeStyle != nil && other.JudgeStyle != nil {
		c, o := (*candidate.JudgeAccuracy+*candidate.JudgeStyle)/2, (*other.JudgeAccuracy+*other.JudgeStyle)/2
		check(c >= o, "judge %.2f vs %.2f", c, o)
	}
	if compared == 0 {
		return false, []string{"no metric was measured for both models"}
	}
	return passed, reasons
}

// applyGate records the gate's decision and, in auto mode, accepts a
// candidate that passed.
func (s *Service) applyGate(ctx context.Context, id int64) error {
	scores, err := s.scores(ctx, id)
	if err != nil {
		return err
	}
	g := Gate{Mode: "off", Reasons: []string{}}
	if s.Settings != nil {
		if m, _ := s.Settings.Get(ctx, settings.EvalGate); m == "auto" {
			g.Mode = "auto"
		}
	}
	by := map[string]Score{}
	for _, sc := range scores {
		by[sc.Role] = sc
	}
	cand, ok := by[Candidate]
	if !ok {
		return fmt.Errorf("evaluation %d has no candidate scores", id)
	}
	other, ok := by[Accepted]
	g.Against = Accepted
	if !ok {
		other, g.Against = by[Base], Base
	}
	g.Passed, g.Reasons = Decide(cand, other)
	if g.Mode == "auto" && g.Passed {
		if _, err := s.Train.Accept(ctx, cand.Model); err != nil {
			return fmt.Errorf("gate: accept %s: %w", cand.Model, err)
		}
		g.Accepted = true
	}
	b, _ := json.Marshal(g)
	_, err = s.db.ExecContext(ctx, `UPDATE evaluations SET gate=? WHERE id=?`, string(b), id)
	return err
}
