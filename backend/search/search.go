package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// Errors callers branch on.
var (
	// ErrEmptyQuery is returned for a query with no text.
	ErrEmptyQuery = errors.New("the query is empty")
	// ErrNoEmbeddingModel is returned for vector or hybrid search when no
	// embedding model is configured.
	ErrNoEmbeddingModel = errors.New("no embedding model is configured: set one with `doppel index --embed-model NAME` (e.g. all-minilm, nomic-embed-text), or search with --mode bm25")
	// ErrNotIndexed is returned for vector or hybrid search when the
	// configured model has no complete vector index yet.
	ErrNotIndexed = errors.New("the chunks have no vectors yet: run `doppel index`")
	// ErrBadQuery is wrapped by errors about a malformed query.
	ErrBadQuery = errors.New("bad query")
)

// Embedder turns texts into vectors with a named model.
type Embedder interface {
	Embed(ctx context.Context, model string, texts []string) ([][]float32, error)
}

// Reranker reorders candidate hits (a cross-encoder, an LLM judge…). It may
// drop hits and must not invent them.
type Reranker interface {
	Rerank(ctx context.Context, query string, hits []Hit) ([]Hit, error)
}

// Options tune the service.
type Options struct {
	// VectorWeight and BM25Weight weigh the two ranked lists in reciprocal
	// rank fusion (default 1 each).
	VectorWeight, BM25Weight float64
	// RRFK is the rank constant of reciprocal rank fusion (default 60).
	RRFK float64
	// Candidates is how many hits each list contributes before fusion
	// (default max(4k, 40)).
	Candidates int
	// ExactVectors makes vector search scan the vec0 table (exact, ~160 ms
	// at 100k x 384 on 2 busy cores) instead of the in-memory vector cache
	// (see vcache.go). The cache's results are the exact cosine ranking of
	// its candidates; this switch is the reference it is measured against.
	ExactVectors bool
	// ScanCandidates is how many vectors the cache's first (sign bit) pass
	// keeps for the int8 pass (default max(100 x wanted, 4% of the index)).
	ScanCandidates int
	// Reranker, when set, reorders the fused candidates.
	Reranker Reranker
}

// Service answers search queries over the chunks index.
type Service struct {
	db         *sql.DB
	embed      Embedder
	configured func(ctx context.Context) (string, error)
	opts       Options
	cache      vecCache
}

// New returns a Service over db. configured returns the embedding model
// setting ("" for none).
func New(db *sql.DB, e Embedder, configured func(ctx context.Context) (string, error), opts Options) *Service {
	if opts.VectorWeight == 0 && opts.BM25Weight == 0 {
		opts.VectorWeight, opts.BM25Weight = 1, 1
	}
	if opts.RRFK <= 0 {
		opts.RRFK = 60
	}
	return &Service{db: db, embed: e, configured: configured, opts: opts}
}

// MaxK caps Query.K.
const MaxK = 100

// DefaultMode is the mode an empty Query.Mode means now: hybrid when there
// is an active vector index, else bm25.
func (s *Service) DefaultMode(ctx context.Context) (Mode, error) {
	_, err := ActiveIndex(ctx, s.db)
	switch {
	case err == nil:
		return Hybrid, nil
	case errors.Is(err, ErrNoIndex):
		return BM25, nil
	default:
		return "", err
	}
}

// Search answers q with up to q.K hits (default 5), best first.
func (s *Service) Search(ctx context.Context, q Query) ([]Hit, error) {
	text := strings.TrimSpace(q.Text)
	if text == "" {
		return nil, ErrEmptyQuery
	}
	k := q.K
	switch {
	case k == 0:
		k = 5
	case k < 0 || k > MaxK:
		return nil, fmt.Errorf("%w: k must be between 1 and %d, got %d", ErrBadQuery, MaxK, k)
	}
	mode := q.Mode
	if mode == "" {
		m, err := s.DefaultMode(ctx)
		if err != nil {
			return nil, err
		}
		mode = m
	}
	cand := s.opts.Candidates
	if cand <= 0 {
		cand = max(4*k, 40)
	}
	vw, bw := s.opts.VectorWeight, s.opts.BM25Weight
	if q.Weights != nil {
		vw, bw = q.Weights.Vector, q.Weights.BM25
		if vw < 0 || bw < 0 || vw+bw == 0 {
			return nil, fmt.Errorf("%w: weights must be non-negative and not both zero", ErrBadQuery)
		}
	}
	var fused []ranked
	terms := Terms(text)
	switch mode {
	case BM25:
		l, err := s.bm25(ctx, terms, q.Filter, cand)
		if err != nil {
			return nil, err
		}
		fused = fuse(s.opts.RRFK, l)
	case Vector, Hybrid:
		// In hybrid mode the BM25 list is computed while the query is
		// embedded and the vectors searched.
		var bl weighted
		var berr error
		done := make(chan struct{})
		if mode == Hybrid {
			go func() {
				defer close(done)
				bl, berr = s.bm25(ctx, terms, q.Filter, cand)
			}()
		} else {
			close(done)
		}
		vl, err := s.vectorList(ctx, mode, text, q.Filter, cand)
		<-done
		if err != nil {
			return nil, err
		}
		if mode == Vector {
			vl.weight = 1
			fused = fuse(s.opts.RRFK, vl)
			break
		}
		if berr != nil {
			return nil, berr
		}
		vl.weight, bl.weight = vw, bw
		fused = fuse(s.opts.RRFK, vl, bl)
	default:
		return nil, fmt.Errorf("%w: unknown mode %q (want bm25, vector or hybrid)", ErrBadQuery, mode)
	}
	hits, err := s.hydrate(ctx, fused, mode)
	if err != nil {
		return nil, err
	}
	for i := range hits {
		hits[i].Terms = matchedTerms(terms, hits[i].Text)
	}
	if s.opts.Reranker != nil && len(hits) > 1 {
		hits, err = s.opts.Reranker.Rerank(ctx, text, hits)
		if err != nil {
			return nil, fmt.Errorf("rerank: %w", err)
		}
	}
	if len(hits) > k {
		hits = hits[:k]
	}
	return hits, nil
}

// vectorList embeds the query and returns the nearest chunks.
func (s *Service) vectorList(ctx context.Context, mode Mode, text string, f Filter, cand int) (weighted, error) {
	idx, err := s.vectorIndex(ctx)
	if err != nil {
		return weighted{}, fmt.Errorf("%s search: %w", mode, err)
	}
	vecs, err := s.embed.Embed(ctx, idx.Model, []string{text})
	if err != nil {
		return weighted{}, fmt.Errorf("%s search: embed the query with %s: %w", mode, idx.Model, err)
	}
	if len(vecs) != 1 || len(vecs[0]) != idx.Dims {
		return weighted{}, fmt.Errorf("%s search: model %s gave a %d-d query vector, the index holds %d-d vectors: re-run `doppel index`", mode, idx.Model, lenFirst(vecs), idx.Dims)
	}
	return s.knn(ctx, idx, vecs[0], f, cand)
}

func lenFirst(v [][]float32) int {
	if len(v) == 0 {
		return 0
	}
	return len(v[0])
}

func (s *Service) vectorIndex(ctx context.Context) (VectorIndex, error) {
	idx, err := ActiveIndex(ctx, s.db)
	if errors.Is(err, ErrNoIndex) {
		model, cerr := s.configured(ctx)
		if cerr != nil {
			return idx, cerr
		}
		if model == "" {
			return idx, ErrNoEmbeddingModel
		}
		return idx, fmt.Errorf("model %s: %w", model, ErrNotIndexed)
	}
	if err != nil {
		return idx, err
	}
	if s.embed == nil {
		return idx, errors.New("no embedder is wired into the search service")
	}
	return idx, nil
}

// Terms are the words of a query as FTS5 sees them: letters, digits and
// marks; everything else (quotes, NEAR, *, :, parentheses, operators) is a
// separator. Lower-cased, deduplicated, at most 32.
func Terms(text string) []string {
	words := strings.FieldsFunc(text, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
	})
	seen := map[string]bool{}
	var out []string
	for _, w := range words {
		w = strings.ToLower(w)
		if seen[w] || len(out) == 32 {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

// FTSQuery turns terms into a safe FTS5 MATCH expression: each term quoted
// (so no FTS5 syntax survives), any of them matching; BM25 ranks chunks
// that match more and rarer terms first. Empty when there are no terms.
func FTSQuery(terms []string) string {
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	return strings.Join(q, " OR ")
}

func matchedTerms(terms []string, text string) []string {
	lower := strings.ToLower(text)
	var out []string
	for _, t := range terms {
		if strings.Contains(lower, t) {
			out = append(out, t)
		}
	}
	return out
}

// filterColumns names what a Filter constrains in one query: the kind and
// platform columns, an expression for the publication day (YYYY-MM-DD),
// and whether Before also leaves out rows without a day.
type filterColumns struct {
	kind, platform, day string
	beforeNeedsDay      bool
}

var (
	// docColumns: documents, alias d.
	docColumns = filterColumns{kind: "d.kind", platform: "d.platform", day: "substr(d.published_at,1,10)"}
	// vecColumns: the metadata columns of a vector table (KNN queries).
	vecColumns = filterColumns{kind: "kind", platform: "platform", day: "published", beforeNeedsDay: true}
)

// filterSQL builds the AND clauses of f over columns c, and their args.
func filterSQL(f Filter, c filterColumns) (string, []any) {
	var b strings.Builder
	var args []any
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		b.WriteString(" AND " + col + " IN (" + strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",") + ")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	in(c.kind, f.Kinds)
	in(c.platform, f.Platforms)
	if !f.After.IsZero() {
		b.WriteString(" AND " + c.day + " >= ?")
		args = append(args, f.After.UTC().Format("2006-01-02"))
	}
	if !f.Before.IsZero() {
		b.WriteString(" AND " + c.day + " < ?")
		if c.beforeNeedsDay {
			b.WriteString(" AND " + c.day + " != ''")
		}
		args = append(args, f.Before.UTC().Format("2006-01-02"))
	}
	return b.String(), args
}

// bm25 returns the best limit chunks by BM25 among those whose document
// passes the filter and is not excluded. It first ranks FTS5 matches alone
// (no per-row joins before the LIMIT: 5 ms instead of 24 ms for 10k matches
// at 100k chunks) and checks the top of that list against the documents;
// only when too few of them pass does it fall back to the joined query.
// Both orders are (bm25, chunk id), so the result is the same.
func (s *Service) bm25(ctx context.Context, terms []string, f Filter, limit int) (weighted, error) {
	match := FTSQuery(terms)
	if match == "" {
		return weighted{bm25: true}, nil
	}
	where, args := filterSQL(f, docColumns)
	n := limit + limit/2 + 4
	if where != "" {
		n = 8 * limit
	}
	rows, err := s.db.QueryContext(ctx, `SELECT rowid, -bm25(chunks_fts, 2.0, 1.0) FROM chunks_fts
		WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts, 2.0, 1.0), rowid LIMIT ?`, match, n)
	if err != nil {
		return weighted{}, fmt.Errorf("bm25 search for %q: %w", match, err)
	}
	top, err := scanScored(rows)
	if err != nil {
		return top, err
	}
	if len(top.ids) > 0 {
		ids := make([]any, len(top.ids))
		for i, id := range top.ids {
			ids[i] = id
		}
		rows, err := s.db.QueryContext(ctx, `SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id
			WHERE c.id IN (`+strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")+`) AND d.excluded = 0`+where, append(ids, args...)...)
		if err != nil {
			return weighted{}, fmt.Errorf("bm25 search for %q: filter: %w", match, err)
		}
		pass := map[int64]bool{}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return weighted{}, fmt.Errorf("bm25 search for %q: filter: %w", match, err)
			}
			pass[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return weighted{}, fmt.Errorf("bm25 search for %q: filter: %w", match, err)
		}
		var l weighted
		for i, id := range top.ids {
			if pass[id] && len(l.ids) < limit {
				l.ids = append(l.ids, id)
				l.raw = append(l.raw, top.raw[i])
			}
		}
		if len(l.ids) < limit && len(top.ids) == n {
			l, err = s.bm25Joined(ctx, match, where, args, limit)
		}
		l.bm25 = true
		return l, err
	}
	top.bm25 = true
	return top, nil
}

// bm25Joined ranks the matches that pass the filter in one joined query.
func (s *Service) bm25Joined(ctx context.Context, match, where string, args []any, limit int) (weighted, error) {
	q := `SELECT c.id, -bm25(chunks_fts, 2.0, 1.0) FROM chunks_fts
		JOIN chunks c ON c.id = chunks_fts.rowid
		JOIN documents d ON d.id = c.document_id
		WHERE chunks_fts MATCH ? AND d.excluded = 0` + where + `
		ORDER BY bm25(chunks_fts, 2.0, 1.0), c.id LIMIT ?`
	rows, err := s.db.QueryContext(ctx, q, append(append([]any{match}, args...), limit)...)
	if err != nil {
		return weighted{}, fmt.Errorf("bm25 search for %q: %w", match, err)
	}
	return scanScored(rows)
}

// scanScored reads (id, score) rows.
func scanScored(rows *sql.Rows) (weighted, error) {
	defer rows.Close()
	var l weighted
	for rows.Next() {
		var id int64
		var sc float64
		if err := rows.Scan(&id, &sc); err != nil {
			return l, fmt.Errorf("read search results: %w", err)
		}
		l.ids = append(l.ids, id)
		l.raw = append(l.raw, sc)
	}
	if err := rows.Err(); err != nil {
		return l, fmt.Errorf("read search results: %w", err)
	}
	return l, nil
}

// knn returns the chunk ids nearest to vec, best first. Excluded documents
// are dropped later, in hydrate; the extra candidates leave room for them.
// The in-memory cache answers when the index has its flat mirror; else (an
// index from an older version, a zero query vector) vec0 is scanned.
func (s *Service) knn(ctx context.Context, idx VectorIndex, vec []float32, f Filter, limit int) (weighted, error) {
	if !s.opts.ExactVectors {
		l, err := s.knnCached(ctx, idx, vec, f, limit)
		var nc errNoCache
		if !errors.As(err, &nc) {
			return l, err
		}
	}
	where, args := filterSQL(f, vecColumns)
	q := `SELECT chunk_id, 1 - distance FROM ` + idx.Table() + ` WHERE embedding MATCH ? AND k = ?` + where + ` ORDER BY distance`
	rows, err := s.db.QueryContext(ctx, q, append([]any{VectorBlob(vec), limit}, args...)...)
	if err != nil {
		return weighted{}, fmt.Errorf("vector search in %s: %w", idx.Table(), err)
	}
	return scanScored(rows)
}

type weighted struct {
	ids    []int64
	raw    []float64 // the list's own scores (higher is better)
	weight float64
	bm25   bool
}

type ranked struct {
	id                  int64
	score               float64
	bm25Rank, vectorRnk int
}

// fuse merges ranked lists by reciprocal rank fusion:
// score(c) = Σ weight / (k + rank), rank starting at 1.
func fuse(k float64, lists ...weighted) []ranked {
	by := map[int64]*ranked{}
	var order []int64
	for _, l := range lists {
		for i, id := range l.ids {
			r, ok := by[id]
			if !ok {
				r = &ranked{id: id}
				by[id] = r
				order = append(order, id)
			}
			r.score += l.weight / (k + float64(i+1))
			if l.bm25 {
				r.bm25Rank = i + 1
			} else {
				r.vectorRnk = i + 1
			}
		}
	}
	out := make([]ranked, 0, len(order))
	for _, id := range order {
		out = append(out, *by[id])
	}
	if len(lists) == 1 && len(lists[0].raw) == len(out) {
		// One list: keep its own, more telling, scores (same order).
		for i := range out {
			out[i].score = lists[0].raw[i]
		}
		return out
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	return out
}

// hydrate loads the chunks and their documents, keeping the fused order and
// dropping excluded documents.
func (s *Service) hydrate(ctx context.Context, fused []ranked, mode Mode) ([]Hit, error) {
	if len(fused) == 0 {
		return []Hit{}, nil
	}
	args := make([]any, len(fused))
	for i, r := range fused {
		args[i] = r.id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.document_id, c.heading_path, c.start, c."end", c.text,
			d.url, d.title, d.platform, d.kind, COALESCE(d.published_at, ''), d.excluded
		FROM chunks c JOIN documents d ON d.id = c.document_id
		WHERE c.id IN (`+strings.TrimSuffix(strings.Repeat("?,", len(args)), ",")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("load search hits: %w", err)
	}
	defer rows.Close()
	byID := map[int64]Hit{}
	for rows.Next() {
		var h Hit
		var excluded bool
		if err := rows.Scan(&h.ChunkID, &h.DocID, &h.HeadingPath, &h.Start, &h.End, &h.Text,
			&h.URL, &h.Title, &h.Platform, &h.Kind, &h.PublishedAt, &excluded); err != nil {
			return nil, fmt.Errorf("load search hits: %w", err)
		}
		if !excluded {
			byID[h.ChunkID] = h
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load search hits: %w", err)
	}
	hits := make([]Hit, 0, len(fused))
	for _, r := range fused {
		h, ok := byID[r.id]
		if !ok {
			continue // deleted or excluded since the ranking
		}
		h.Score = r.score
		h.Mode = mode
		h.BM25Rank, h.VectorRank = r.bm25Rank, r.vectorRnk
		hits = append(hits, h)
	}
	return hits, nil
}
