package rag

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/doppelhq/doppel/backend/search"
)

// Retriever is the part of the search service that RAG uses.
type Retriever interface {
	Search(ctx context.Context, q search.Query) ([]search.Hit, error)
}

// Expander writes alternative phrasings of a question for query expansion
// (an LLM call in production).
type Expander interface {
	Expand(ctx context.Context, question string, n int) ([]string, error)
}

// Options choose how sources are retrieved.
type Options struct {
	// K is the number of chunks to keep (default 5).
	K int `json:"k,omitempty"`
	// Mode is the search mode ("" = the search service's default).
	Mode search.Mode `json:"mode,omitempty"`
	// Expand asks the Expander for this many extra queries (0 = off).
	Expand int `json:"expand,omitempty"`
	// SelfQuery takes platform and date filters from the question.
	SelfQuery bool `json:"self_query,omitempty"`
	// Filter is applied to every query (merged with self-query filters).
	Filter search.Filter `json:"filter,omitzero"`
}

// Retrieval reports what was searched and found.
type Retrieval struct {
	// Queries are the search texts run (the question first).
	Queries []string `json:"queries"`
	// Filter is the filter used (from Options and self-query).
	Filter search.Filter `json:"filter,omitzero"`
	Hits   []search.Hit  `json:"-"`
	// Warnings say what did not work (expansion failed, ...).
	Warnings []string      `json:"warnings,omitempty"`
	Took     time.Duration `json:"-"`
}

// DefaultK is the number of chunks kept when Options.K is 0 (the reference
// design keeps 3 to 5).
const DefaultK = 5

// Retrieve searches for question with r. Expansion runs extra queries and
// merges the results by chunk (best score wins); a failed expansion is a
// warning, a failed search an error.
func Retrieve(ctx context.Context, r Retriever, x Expander, question string, o Options) (*Retrieval, error) {
	start := time.Now()
	k := o.K
	if k <= 0 {
		k = DefaultK
	}
	res := &Retrieval{Queries: []string{question}, Filter: o.Filter}
	if o.SelfQuery {
		f := SelfQuery(question, time.Now())
		res.Filter = mergeFilter(res.Filter, f)
	}
	if o.Expand > 0 && x != nil {
		alts, err := x.Expand(ctx, question, o.Expand)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return nil, err
			}
			res.Warnings = append(res.Warnings, "query expansion failed: "+err.Error())
		}
		for _, a := range alts {
			a = strings.TrimSpace(a)
			if a != "" && !containsFold(res.Queries, a) {
				res.Queries = append(res.Queries, a)
			}
		}
	}
	best := map[int64]search.Hit{}
	for _, q := range res.Queries {
		hits, err := r.Search(ctx, search.Query{Text: q, K: k, Mode: o.Mode, Filter: res.Filter})
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", q, err)
		}
		for _, h := range hits {
			if old, ok := best[h.ChunkID]; !ok || h.Score > old.Score {
				best[h.ChunkID] = h
			}
		}
	}
	for _, h := range best {
		res.Hits = append(res.Hits, h)
	}
	sort.SliceStable(res.Hits, func(i, j int) bool {
		if res.Hits[i].Score != res.Hits[j].Score {
			return res.Hits[i].Score > res.Hits[j].Score
		}
		return res.Hits[i].ChunkID < res.Hits[j].ChunkID
	})
	if len(res.Hits) > k {
		res.Hits = res.Hits[:k]
	}
	res.Took = time.Since(start)
	return res, nil
}

func containsFold(xs []string, s string) bool {
	for _, x := range xs {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func mergeFilter(a, b search.Filter) search.Filter {
	for _, p := range b.Platforms {
		if !containsFold(a.Platforms, p) {
			a.Platforms = append(a.Platforms, p)
		}
	}
	if a.After.IsZero() || (!b.After.IsZero() && b.After.After(a.After)) {
		if !b.After.IsZero() {
			a.After = b.After
		}
	}
	if a.Before.IsZero() || (!b.Before.IsZero() && b.Before.Before(a.Before)) {
		if !b.Before.IsZero() {
			a.Before = b.Before
		}
	}
	return a
}

// ParseExpansion reads an LLM's list of alternative queries: one per line,
// bullets and numbering removed, at most n.
func ParseExpansion(text string, n int) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		line = strings.TrimLeft(line, "-*•0123456789.) \t")
		line = strings.Trim(strings.TrimSpace(line), `"`)
		if len(line) < 3 || containsFold(out, line) {
			continue
		}
		out = append(out, line)
		if len(out) == n {
			break
		}
	}
	return out
}

// ExpansionPrompt is the instruction sent to the model for query expansion.
func ExpansionPrompt(question string, n int) string {
	return fmt.Sprintf("Write %d different search queries that would find passages answering the question below. "+
		"One query per line, no numbering, no other text.\n\nQuestion: %s", n, question)
}
