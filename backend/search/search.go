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
	// PrefilterAbove switches vector search to a binary-quantized first
	// pass with a float re-rank of the candidates once an index holds more
	// vectors than this (0 or negative: never, the default). Measured in
	// docs/bench/feature.md: inside vec0 it is not faster than the exact
	// scan at 100k chunks, so it is off unless asked for.
	PrefilterAbove int64
	// PrefilterFactor is how many binary candidates are re-ranked per wanted
	// hit (default 10, at least 100 candidates).
	PrefilterFactor int
	// Reranker, when set, reorders the fused candidates.
	Reranker Reranker
}

// Service answers search queries over the chunks index.
type Service struct {
	db         *sql.DB
	embed      Embedder
	configured func(ctx context.Context) (string, error)
	opts       Options
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
	if opts.PrefilterFactor <= 0 {
		opts.PrefilterFactor = 10
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
		idx, err := s.vectorIndex(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s search: %w", mode, err)
		}
		vecs, err := s.embed.Embed(ctx, idx.Model, []string{text})
		if err != nil {
			return nil, fmt.Errorf("%s search: embed the query with %s: %w", mode, idx.Model, err)
		}
		if len(vecs) != 1 || len(vecs[0]) != idx.Dims {
			return nil, fmt.Errorf("%s search: model %s gave a %d-d query vector, the index holds %d-d vectors: re-run `doppel index`", mode, idx.Model, lenFirst(vecs), idx.Dims)
		}
		vl, err := s.knn(ctx, idx, vecs[0], q.Filter, cand)
		if err != nil {
			return nil, err
		}
		if mode == Vector {
			vl.weight = 1
			fused = fuse(s.opts.RRFK, vl)
			break
		}
		bl, err := s.bm25(ctx, terms, q.Filter, cand)
		if err != nil {
			return nil, err
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
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM `+idx.Table()).Scan(&n); err != nil {
		return idx, fmt.Errorf("count vectors in %s: %w", idx.Table(), err)
	}
	idx.Vectors = n
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

// filterSQL builds the document filter over alias d.
func filterSQL(f Filter) (string, []any) {
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
	in("d.kind", f.Kinds)
	in("d.platform", f.Platforms)
	if !f.After.IsZero() {
		b.WriteString(" AND substr(d.published_at,1,10) >= ?")
		args = append(args, f.After.UTC().Format("2006-01-02"))
	}
	if !f.Before.IsZero() {
		b.WriteString(" AND substr(d.published_at,1,10) < ?")
		args = append(args, f.Before.UTC().Format("2006-01-02"))
	}
	return b.String(), args
}

func (s *Service) bm25(ctx context.Context, terms []string, f Filter, limit int) (weighted, error) {
	match := FTSQuery(terms)
	if match == "" {
		return weighted{bm25: true}, nil
	}
	where, args := filterSQL(f)
	q := `SELECT c.id, -bm25(chunks_fts, 2.0, 1.0) FROM chunks_fts
		JOIN chunks c ON c.id = chunks_fts.rowid
		JOIN documents d ON d.id = c.document_id
		WHERE chunks_fts MATCH ? AND d.excluded = 0` + where + `
		ORDER BY bm25(chunks_fts, 2.0, 1.0), c.id LIMIT ?`
	rows, err := s.db.QueryContext(ctx, q, append(append([]any{match}, args...), limit)...)
	if err != nil {
		return weighted{}, fmt.Errorf("bm25 search for %q: %w", match, err)
	}
	l, err := scanScored(rows)
	l.bm25 = true
	return l, err
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

// vecFilter builds the metadata constraints of a KNN query.
func vecFilter(f Filter) (string, []any) {
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
	in("kind", f.Kinds)
	in("platform", f.Platforms)
	if !f.After.IsZero() {
		b.WriteString(" AND published >= ?")
		args = append(args, f.After.UTC().Format("2006-01-02"))
	}
	if !f.Before.IsZero() {
		b.WriteString(" AND published < ? AND published != ''")
		args = append(args, f.Before.UTC().Format("2006-01-02"))
	}
	return b.String(), args
}

// knn returns the chunk ids nearest to vec, best first. Excluded documents
// are dropped later, in hydrate; the extra candidates leave room for them.
func (s *Service) knn(ctx context.Context, idx VectorIndex, vec []float32, f Filter, limit int) (weighted, error) {
	where, args := vecFilter(f)
	blob := VectorBlob(vec)
	if s.opts.PrefilterAbove > 0 && idx.Vectors > s.opts.PrefilterAbove {
		return s.knnPrefiltered(ctx, idx, vec, where, args, limit)
	}
	q := `SELECT chunk_id, 1 - distance FROM ` + idx.Table() + ` WHERE embedding MATCH ? AND k = ?` + where + ` ORDER BY distance`
	rows, err := s.db.QueryContext(ctx, q, append([]any{blob, limit}, args...)...)
	if err != nil {
		return weighted{}, fmt.Errorf("vector search in %s: %w", idx.Table(), err)
	}
	return scanScored(rows)
}

// knnPrefiltered scans the 1-bit copies (32x smaller) for candidates by
// Hamming distance, then re-ranks them by exact cosine distance.
func (s *Service) knnPrefiltered(ctx context.Context, idx VectorIndex, vec []float32, where string, args []any, limit int) (weighted, error) {
	n := max(limit*s.opts.PrefilterFactor, 100)
	q := `SELECT chunk_id, distance FROM ` + idx.Table() + ` WHERE embedding_bits MATCH vec_quantize_binary(?) AND k = ?` + where
	rows, err := s.db.QueryContext(ctx, q, append([]any{VectorBlob(padTo8(vec)), n}, args...)...)
	if err != nil {
		return weighted{}, fmt.Errorf("binary vector search in %s: %w", idx.Table(), err)
	}
	bin, err := scanScored(rows)
	if err != nil || len(bin.ids) == 0 {
		return bin, err
	}
	// Exact cosine distances for the candidates only: a KNN restricted to
	// their rowids.
	args = []any{VectorBlob(vec), min(limit, len(bin.ids))}
	for _, id := range bin.ids {
		args = append(args, id)
	}
	q = `SELECT chunk_id, 1 - distance FROM ` + idx.Table() + ` WHERE embedding MATCH ? AND k = ? AND chunk_id IN (` +
		strings.TrimSuffix(strings.Repeat("?,", len(bin.ids)), ",") + `) ORDER BY distance`
	rows, err = s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return weighted{}, fmt.Errorf("re-rank in %s: %w", idx.Table(), err)
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
