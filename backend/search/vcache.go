package search

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// The vector cache answers KNN without scanning the vec0 table: an
// in-memory copy of the active index holds, per vector, its sign bits (one
// bit per dimension) and an int8 copy of the normalized vector, plus the
// filter metadata. A query
//
//  1. scores every vector passing the filters by the query's dot product
//     with the vector's signs (asymmetric: the query stays in float, kept
//     as a 16-bit table per byte of signs), keeping the best ScanCandidates;
//  2. re-scores those with the int8 copies, keeping 2k+10;
//  3. reads their float32 vectors from the flat mirror by rowid and ranks
//     them by exact cosine distance, as vec0 would.
//
// Only step 3 touches float32 vectors, so memory is dims+dims/8+~24 bytes
// per vector (~45 MB for 100k x 384) instead of 4*dims.
//
// The copy is tied to the vector generation (see ensureGeneration): every
// query reads the counter (one indexed row) and reloads the copy when it
// moved, whichever process or connection wrote.

// vecSnapshot is an immutable in-memory copy of one vector index.
type vecSnapshot struct {
	indexID, gen int64
	dims, nb     int // dimensions; bytes of signs per vector
	ids          []int64
	signs        []byte    // nb per vector: bit j set when x_j > 0
	codes        []int8    // dims per vector: round(127 x_j / max|x|), x normalized
	scale        []float32 // per vector: max|x| / 127 (0 for a zero vector)
	// kind, platform and published are ids into names.
	kind, platform, published []uint32
	names                     []string
}

func (s *vecSnapshot) len() int { return len(s.ids) }

// vecCache holds the current snapshot; reloads are serialized.
type vecCache struct {
	mu   sync.Mutex
	snap *vecSnapshot
}

// errNoCache means the index has no flat mirror or generation counter yet
// (made by an older version): search scans vec0 instead.
type errNoCache struct{ why string }

func (e errNoCache) Error() string { return "no vector cache: " + e.why }

// snapshot returns a current copy of idx, loading it when the generation
// moved. An errNoCache error means the fast path is not available.
func (c *vecCache) snapshot(ctx context.Context, db *sql.DB, idx VectorIndex) (*vecSnapshot, error) {
	gen, err := readGeneration(ctx, db, idx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.snap; s != nil && s.indexID == idx.ID && s.gen == gen && s.dims == idx.Dims {
		return s, nil
	}
	c.snap = nil // let the old copy go before the new one is built
	s, err := loadSnapshot(ctx, db, idx)
	if err != nil {
		return nil, err
	}
	c.snap = s
	return s, nil
}

func readGeneration(ctx context.Context, db *sql.DB, idx VectorIndex) (int64, error) {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('vector_generation', ?)`, idx.FlatTable()).Scan(&n); err != nil {
		return 0, fmt.Errorf("look for the vector cache tables: %w", err)
	}
	if n != 2 {
		return 0, errNoCache{"run `doppel index` once to add " + idx.FlatTable()}
	}
	var gen int64
	if err := db.QueryRowContext(ctx, `SELECT gen FROM vector_generation WHERE id = 1`).Scan(&gen); err != nil {
		return 0, fmt.Errorf("read the vector generation: %w", err)
	}
	return gen, nil
}

// loadSnapshot reads the flat mirror of idx in one statement, so the copy
// and the generation it records come from one consistent read.
func loadSnapshot(ctx context.Context, db *sql.DB, idx VectorIndex) (*vecSnapshot, error) {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+idx.FlatTable()).Scan(&n); err != nil {
		return nil, fmt.Errorf("count vectors in %s: %w", idx.FlatTable(), err)
	}
	n += n/64 + 16 // room for rows written between the two reads
	s := &vecSnapshot{
		indexID: idx.ID, dims: idx.Dims, nb: (idx.Dims + 7) / 8,
		ids: make([]int64, 0, n), scale: make([]float32, 0, n),
		kind: make([]uint32, 0, n), platform: make([]uint32, 0, n), published: make([]uint32, 0, n),
	}
	s.signs = make([]byte, 0, n*s.nb)
	s.codes = make([]int8, 0, n*s.dims)
	nameID := map[string]uint32{}
	intern := func(v string) uint32 {
		id, ok := nameID[v]
		if !ok {
			id = uint32(len(s.names))
			nameID[v] = id
			s.names = append(s.names, v)
		}
		return id
	}
	rows, err := db.QueryContext(ctx, `SELECT chunk_id, embedding, kind, platform, published,
		(SELECT gen FROM vector_generation WHERE id = 1) FROM `+idx.FlatTable())
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", idx.FlatTable(), err)
	}
	defer rows.Close()
	x := make([]float32, idx.Dims)
	for rows.Next() {
		var id int64
		var blob sql.RawBytes
		var kind, platform, published string
		if err := rows.Scan(&id, &blob, &kind, &platform, &published, &s.gen); err != nil {
			return nil, fmt.Errorf("load %s: %w", idx.FlatTable(), err)
		}
		if len(blob) != 4*idx.Dims {
			return nil, fmt.Errorf("load %s: chunk %d has a %d-byte vector, want %d-d", idx.FlatTable(), id, len(blob), idx.Dims)
		}
		for j := range x {
			x[j] = math.Float32frombits(binary.LittleEndian.Uint32(blob[4*j:]))
		}
		s.ids = append(s.ids, id)
		s.signs = appendSigns(s.signs, x, s.nb)
		var sc float32
		s.codes, sc = appendCodes(s.codes, x)
		s.scale = append(s.scale, sc)
		s.kind = append(s.kind, intern(kind))
		s.platform = append(s.platform, intern(platform))
		s.published = append(s.published, intern(published))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load %s: %w", idx.FlatTable(), err)
	}
	return s, nil
}

func appendSigns(dst []byte, x []float32, nb int) []byte {
	for b := 0; b < nb; b++ {
		var v byte
		for i := 0; i < 8 && 8*b+i < len(x); i++ {
			if x[8*b+i] > 0 {
				v |= 1 << i
			}
		}
		dst = append(dst, v)
	}
	return dst
}

// appendCodes appends the int8 codes of x normalized and returns the scale
// that turns codes back into the normalized vector.
func appendCodes(dst []int8, x []float32) ([]int8, float32) {
	var norm float64
	var maxAbs float32
	for _, v := range x {
		norm += float64(v) * float64(v)
		maxAbs = max(maxAbs, float32(math.Abs(float64(v))))
	}
	if norm == 0 || maxAbs == 0 || math.IsNaN(norm) || math.IsInf(norm, 0) {
		return append(dst, make([]int8, len(x))...), 0
	}
	k := 127 / float64(maxAbs)
	for _, v := range x {
		dst = append(dst, int8(math.Round(float64(v)*k)))
	}
	return dst, float32(float64(maxAbs) / math.Sqrt(norm) / 127)
}

// rowFilter is a Filter resolved against the snapshot's names.
type rowFilter struct {
	kind, platform, published []bool // allowed name ids; nil = any
}

func (s *vecSnapshot) resolve(f Filter) rowFilter {
	var rf rowFilter
	set := func(vals []string) []bool {
		if len(vals) == 0 {
			return nil
		}
		ok := make([]bool, len(s.names))
		for i, n := range s.names {
			ok[i] = slices.Contains(vals, n)
		}
		return ok
	}
	rf.kind, rf.platform = set(f.Kinds), set(f.Platforms)
	// The same comparisons as filterSQL over vecColumns (byte order of TEXT).
	if !f.After.IsZero() || !f.Before.IsZero() {
		after, before := f.After.UTC().Format("2006-01-02"), f.Before.UTC().Format("2006-01-02")
		rf.published = make([]bool, len(s.names))
		for i, n := range s.names {
			ok := true
			if !f.After.IsZero() && !(n >= after) {
				ok = false
			}
			if !f.Before.IsZero() && !(n < before && n != "") {
				ok = false
			}
			rf.published[i] = ok
		}
	}
	return rf
}

func (rf rowFilter) any() bool { return rf.kind != nil || rf.platform != nil || rf.published != nil }

func (rf rowFilter) pass(s *vecSnapshot, r int) bool {
	return (rf.kind == nil || rf.kind[s.kind[r]]) &&
		(rf.platform == nil || rf.platform[s.platform[r]]) &&
		(rf.published == nil || rf.published[s.published[r]])
}

type scored struct {
	score float32
	row   int32
}

// candidates returns the rows of up to want vectors nearest to q (passing
// f) by the two approximate passes, best first; scan is how many the sign
// pass keeps. It returns nil for a zero or non-finite query.
func (s *vecSnapshot) candidates(q []float32, f Filter, want, scan int) []int {
	var norm float64
	for _, v := range q {
		norm += float64(v) * float64(v)
	}
	if norm == 0 || math.IsNaN(norm) || math.IsInf(norm, 0) || s.len() == 0 {
		return nil
	}
	rf := s.resolve(f)
	// Pass 1: sum of the query's components where the vector's sign bit is
	// set (rank-equivalent to the dot product with the ±1 sign vector), by
	// a table of 256 partial sums per byte, in 16 bits.
	lut := make([][256]int16, s.nb)
	var maxByte float64
	for b := 0; b < s.nb; b++ {
		var sum float64
		for i := 0; i < 8 && 8*b+i < s.dims; i++ {
			sum += math.Abs(float64(q[8*b+i]))
		}
		maxByte = max(maxByte, sum)
	}
	// Entries are sums of rounded components: with 32000 (not 32767) as
	// the largest byte sum, the at most 8 roundings cannot overflow.
	k := 32000 / maxByte
	qr := make([]int16, s.nb*8)
	for i := 0; i < s.dims; i++ {
		qr[i] = int16(math.Round(float64(q[i]) * k))
	}
	for b := range lut {
		t := &lut[b]
		for v := 1; v < 256; v++ {
			low := v & -v // the lowest set bit, added to the entry without it
			t[v] = t[v&(v-1)] + qr[8*b+bits.TrailingZeros(uint(low))]
		}
	}
	scan = min(max(scan, want), s.len())
	buf := scoreBufs.Get().(*[]int32)
	defer scoreBufs.Put(buf)
	if cap(*buf) < s.len() {
		*buf = make([]int32, s.len())
	}
	scores := (*buf)[:s.len()]
	parts := min(runtime.GOMAXPROCS(0), max(1, s.len()/16384))
	var wg sync.WaitGroup
	for p := 0; p < parts; p++ {
		lo, hi := p*s.len()/parts, (p+1)*s.len()/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.signScan(lut, rf, lo, hi, scores[lo:hi])
		}()
	}
	wg.Wait()
	cand := topScores(scores, scan)
	// Pass 2: int8 dot products of the candidates, times their scales.
	var qmax float64
	for _, v := range q {
		qmax = max(qmax, math.Abs(float64(v)))
	}
	qc := make([]int8, s.dims)
	for j, v := range q {
		qc[j] = int8(math.Round(float64(v) * 127 / qmax))
	}
	for i, c := range cand {
		r := int(c.row)
		cand[i].score = float32(dotInt8(qc, s.codes[r*s.dims:(r+1)*s.dims])) * s.scale[r]
	}
	slices.SortFunc(cand, func(a, b scored) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.row, b.row)
	})
	if len(cand) > want {
		cand = cand[:want]
	}
	rows := make([]int, len(cand))
	for i, c := range cand {
		rows[i] = int(c.row)
	}
	return rows
}

// scoreBufs recycles the per-query score arrays (4 bytes per vector).
var scoreBufs = sync.Pool{New: func() any { return new([]int32) }}

// signScan writes the sign-table scores of rows [lo, hi) to out
// (math.MinInt32 for a row the filter drops).
func (s *vecSnapshot) signScan(lut [][256]int16, rf rowFilter, lo, hi int, out []int32) {
	filtered := rf.any()
	nb := s.nb
	for r := lo; r < hi; r++ {
		if filtered && !rf.pass(s, r) {
			out[r-lo] = math.MinInt32
			continue
		}
		v := s.signs[r*nb : r*nb+nb]
		v = v[:len(lut)]
		var a0, a1, a2, a3 int32
		b := 0
		for ; b+3 < len(lut); b += 4 {
			a0 += int32(lut[b][v[b]])
			a1 += int32(lut[b+1][v[b+1]])
			a2 += int32(lut[b+2][v[b+2]])
			a3 += int32(lut[b+3][v[b+3]])
		}
		for ; b < len(lut); b++ {
			a0 += int32(lut[b][v[b]])
		}
		out[r-lo] = a0 + a1 + a2 + a3
	}
}

// topScores returns the rows scoring at or above about the n-th best score
// (the cut falls on a histogram bucket: n to 2n rows), at least n of them when that many pass the filter (math.MinInt32 marks a row
// the filter dropped): a histogram finds the cut in two linear passes.
func topScores(scores []int32, n int) []scored {
	lo, hi := int64(math.MaxInt32), int64(math.MinInt32)
	for _, v := range scores {
		if v != math.MinInt32 {
			lo, hi = min(lo, int64(v)), max(hi, int64(v))
		}
	}
	if lo > hi {
		return nil
	}
	const buckets = 4096
	width := (hi-lo)/buckets + 1
	var hist [buckets]int
	for _, v := range scores {
		if v != math.MinInt32 {
			hist[(int64(v)-lo)/width]++
		}
	}
	cut, total := buckets-1, 0
	for ; cut > 0; cut-- {
		total += hist[cut]
		if total >= n {
			break
		}
	}
	floor := lo + int64(cut)*width
	out := make([]scored, 0, n+n/4)
	for r, v := range scores {
		if v != math.MinInt32 && int64(v) >= floor {
			out = append(out, scored{float32(v), int32(r)})
		}
	}
	if len(out) > 2*n {
		// A crowded last bucket: keep the best 2n.
		slices.SortFunc(out, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
		out = out[:2*n]
	}
	return out
}

func dotInt8(a, b []int8) int32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 int32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += int32(a[i]) * int32(b[i])
		s1 += int32(a[i+1]) * int32(b[i+1])
		s2 += int32(a[i+2]) * int32(b[i+2])
		s3 += int32(a[i+3]) * int32(b[i+3])
	}
	for ; i < len(a); i++ {
		s0 += int32(a[i]) * int32(b[i])
	}
	return s0 + s1 + s2 + s3
}

// cosineDistance is sqlite-vec's distance_cosine_float: float32 sums in
// order, the square roots in double, the result rounded to float32.
func cosineDistance(a, b []float32) float32 {
	var dot, am, bm float32
	b = b[:len(a)]
	for i := range a {
		dot += a[i] * b[i]
		am += a[i] * a[i]
		bm += b[i] * b[i]
	}
	return float32(1 - float64(dot)/(math.Sqrt(float64(am))*math.Sqrt(float64(bm))))
}

// knnCached is knn through the cache: the approximate passes pick the
// candidates, their exact cosine distances from the flat mirror rank them.
// It returns an errNoCache error when the index has no mirror yet.
func (s *Service) knnCached(ctx context.Context, idx VectorIndex, vec []float32, f Filter, limit int) (weighted, error) {
	snap, err := s.cache.snapshot(ctx, s.db, idx)
	if err != nil {
		return weighted{}, err
	}
	scan := s.opts.ScanCandidates
	if scan <= 0 {
		scan = max(100*limit, snap.len()/25)
	}
	rows := snap.candidates(vec, f, 2*limit+10, scan)
	if rows == nil {
		return weighted{}, errNoCache{"zero or non-finite query vector"}
	}
	if len(rows) == 0 {
		return weighted{}, nil
	}
	args := make([]any, len(rows))
	for i, r := range rows {
		args[i] = snap.ids[r]
	}
	res, err := s.db.QueryContext(ctx, `SELECT chunk_id, embedding FROM `+idx.FlatTable()+` WHERE chunk_id IN (`+
		strings.TrimSuffix(strings.Repeat("?,", len(args)), ",")+`)`, args...)
	if err != nil {
		return weighted{}, fmt.Errorf("re-rank in %s: %w", idx.FlatTable(), err)
	}
	defer res.Close()
	type exact struct {
		id   int64
		dist float32
	}
	var ex []exact
	x := make([]float32, idx.Dims)
	for res.Next() {
		var id int64
		var blob sql.RawBytes
		if err := res.Scan(&id, &blob); err != nil {
			return weighted{}, fmt.Errorf("re-rank in %s: %w", idx.FlatTable(), err)
		}
		if len(blob) != 4*len(x) {
			return weighted{}, fmt.Errorf("re-rank in %s: chunk %d has a %d-byte vector, want %d-d", idx.FlatTable(), id, len(blob), idx.Dims)
		}
		for j := range x {
			x[j] = math.Float32frombits(binary.LittleEndian.Uint32(blob[4*j:]))
		}
		ex = append(ex, exact{id, cosineDistance(vec, x)})
	}
	if err := res.Err(); err != nil {
		return weighted{}, fmt.Errorf("re-rank in %s: %w", idx.FlatTable(), err)
	}
	slices.SortFunc(ex, func(a, b exact) int {
		if c := cmp.Compare(a.dist, b.dist); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	var l weighted
	for _, e := range ex[:min(limit, len(ex))] {
		l.ids = append(l.ids, e.id)
		l.raw = append(l.raw, 1-float64(e.dist))
	}
	return l, nil
}
