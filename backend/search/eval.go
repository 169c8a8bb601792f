package search

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
)

// Question is one retrieval test: a question and the URL (or a part of it)
// of the document that answers it.
type Question struct {
	Text   string `json:"question"`
	Expect string `json:"expect"`
}

// ReadQuestions parses a TSV of question<TAB>expected URL part; blank lines
// and lines starting with # are skipped.
func ReadQuestions(r io.Reader, name string) ([]Question, error) {
	var out []Question
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		q, want, ok := strings.Cut(line, "\t")
		q, want = strings.TrimSpace(q), strings.TrimSpace(want)
		if !ok || q == "" || want == "" {
			return nil, fmt.Errorf("%s:%d: want `question<TAB>expected URL part`, got %q", name, n, line)
		}
		out = append(out, Question{Text: q, Expect: want})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no questions", name)
	}
	return out, nil
}

// EvalResult is the retrieval quality of one mode over a question set,
// measured on documents (a document's chunks count once, at their best rank).
type EvalResult struct {
	Mode      Mode    `json:"mode"`
	Questions int     `json:"questions"`
	RecallAt1 float64 `json:"recall_at_1"`
	RecallAt5 float64 `json:"recall_at_5"`
	// MRR is the mean reciprocal rank of the expected document within the
	// top 10 documents (0 when absent).
	MRR float64 `json:"mrr"`
	// Misses are the questions whose document was not in the top 5.
	Misses []string `json:"misses,omitempty"`
}

// Evaluate runs every question in each mode.
func (s *Service) Evaluate(ctx context.Context, qs []Question, modes []Mode) ([]EvalResult, error) {
	var out []EvalResult
	for _, m := range modes {
		r := EvalResult{Mode: m, Questions: len(qs)}
		for _, q := range qs {
			hits, err := s.Search(ctx, Query{Text: q.Text, K: 40, Mode: m})
			if err != nil {
				return nil, fmt.Errorf("%s: %q: %w", m, q.Text, err)
			}
			rank := 0
			seen := map[int64]bool{}
			for _, h := range hits {
				if seen[h.DocID] {
					continue
				}
				seen[h.DocID] = true
				if len(seen) > 10 {
					break
				}
				if strings.Contains(h.URL, q.Expect) {
					rank = len(seen)
					break
				}
			}
			if rank == 1 {
				r.RecallAt1++
			}
			if rank >= 1 && rank <= 5 {
				r.RecallAt5++
			} else {
				r.Misses = append(r.Misses, q.Text)
			}
			if rank > 0 {
				r.MRR += 1 / float64(rank)
			}
		}
		n := float64(len(qs))
		r.RecallAt1, r.RecallAt5, r.MRR = r.RecallAt1/n, r.RecallAt5/n, r.MRR/n
		out = append(out, r)
	}
	return out, nil
}
