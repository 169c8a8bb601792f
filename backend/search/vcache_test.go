package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/doppelhq/doppel/backend/store"
)

// modelEmbedder answers every text with the query vector set for the model.
type modelEmbedder map[string][]float32

func (m modelEmbedder) Embed(_ context.Context, model string, texts []string) ([][]float32, error) {
	v, ok := m[model]
	if !ok {
		return nil, fmt.Errorf("no query vector for model %s", model)
	}
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = v
	}
	return out, nil
}

var (
	kinds     = []string{"article", "post", "note", "code"}
	platforms = []string{"blog", "x", "mastodon", "linkedin", "github"}
)

// fillMeta writes n documents of one chunk each (ids from first) with
// varied metadata and random vectors in idx, in one transaction.
func fillMeta(t testing.TB, db *sql.DB, idx VectorIndex, first, n int, rng *rand.Rand) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for i := first; i < first+n; i++ {
		kind, platform := kinds[rng.IntN(len(kinds))], platforms[rng.IntN(len(platforms))]
		pub := ""
		if rng.IntN(10) > 0 {
			pub = fmt.Sprintf("20%02d-%02d-01", 10+rng.IntN(15), 1+rng.IntN(12))
		}
		if _, err := tx.Exec(`INSERT INTO documents(id, platform, kind, url, content, content_hash, published_at) VALUES (?, ?, ?, ?, 'x', 'h', NULLIF(?, ''))`,
			i, platform, kind, fmt.Sprintf("https://t/%d", i), pub); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO chunks(id, document_id, position, start, "end", text) VALUES (?, ?, 0, 0, 1, ?)`, i, i, fmt.Sprintf("chunk %d", i)); err != nil {
			t.Fatal(err)
		}
		if err := InsertVector(ctx, tx, idx, int64(i), randVec(rng, idx.Dims), kind, platform, pub); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func newIndex(t testing.TB, db *sql.DB, model string, dims int) VectorIndex {
	t.Helper()
	idx, err := EnsureIndex(context.Background(), db, model, dims)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

// knnBoth returns the cached and the exact KNN lists; the cached one must
// not have fallen back to the vec0 scan.
func knnBoth(t testing.TB, db *sql.DB, vec []float32, f Filter, limit int) (cached, exact weighted) {
	t.Helper()
	ctx := context.Background()
	svc := New(db, nil, nil, Options{})
	idx, err := ActiveIndex(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	cached, err = svc.knnCached(ctx, idx, vec, f, limit)
	if err != nil {
		t.Fatalf("cached KNN: %v", err)
	}
	svc.opts.ExactVectors = true
	exact, err = svc.knn(ctx, idx, vec, f, limit)
	if err != nil {
		t.Fatalf("exact KNN: %v", err)
	}
	return cached, exact
}

func sameList(t testing.TB, what string, cached, exact weighted) {
	t.Helper()
	if len(cached.ids) != len(exact.ids) {
		t.Fatalf("%s: cached %d hits %v, exact %d %v", what, len(cached.ids), cached.ids, len(exact.ids), exact.ids)
	}
	for i := range exact.ids {
		if cached.ids[i] != exact.ids[i] || math.Abs(cached.raw[i]-exact.raw[i]) > 1e-6 {
			t.Fatalf("%s: rank %d cached %d (%.7f), exact %d (%.7f)", what, i+1, cached.ids[i], cached.raw[i], exact.ids[i], exact.raw[i])
		}
	}
}

func TestVectorCacheMatchesExact(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	filters := []struct {
		name string
		f    Filter
	}{
		{"none", Filter{}},
		{"kind", Filter{Kinds: []string{"post"}}},
		{"platforms", Filter{Platforms: []string{"x", "mastodon"}}},
		{"after", Filter{After: day("2020-03-01")}},
		{"before", Filter{Before: day("2014-06-01")}},
		{"all", Filter{Kinds: []string{"article", "note"}, Platforms: []string{"blog", "github", "x"}, After: day("2012-01-01"), Before: day("2022-01-01")}},
		{"nothing passes", Filter{Kinds: []string{"nope"}}},
	}
	for _, dims := range []int{20, 384} {
		db := openStore(t).DB
		rng := rand.New(rand.NewPCG(7, uint64(dims)))
		idx := newIndex(t, db, "m", dims)
		fillMeta(t, db, idx, 1, 3000, rng)
		if ok, err := Activate(context.Background(), db, idx); err != nil || !ok {
			t.Fatal(ok, err)
		}
		for _, f := range filters {
			for _, limit := range []int{1, 10, 40} {
				for qi := 0; qi < 3; qi++ {
					q := randVec(rng, dims)
					c, e := knnBoth(t, db, q, f.f, limit)
					sameList(t, fmt.Sprintf("%d-d filter %s k=%d query %d", dims, f.name, limit, qi), c, e)
				}
			}
		}
	}
}

func TestVectorCacheInvalidation(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), store.FileName)
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := st.DB
	// Another process's connection to the same file.
	other, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	idx := newIndex(t, db, "m", 16)
	fillMeta(t, db, idx, 1, 500, rng)
	if ok, err := Activate(ctx, db, idx); err != nil || !ok {
		t.Fatal(ok, err)
	}
	q16, q8 := randVec(rng, 16), randVec(rng, 8)
	emb := modelEmbedder{"m": q16, "m2": q8}
	svc := New(db, emb, func(context.Context) (string, error) { return "m", nil }, Options{})
	top := func() int64 {
		t.Helper()
		hits, err := svc.Search(ctx, Query{Text: "q", K: 3, Mode: Vector})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 {
			return 0
		}
		return hits[0].ChunkID
	}
	top() // loads the cache
	addNear := func(db *sql.DB, idx VectorIndex, id int, q []float32) {
		t.Helper()
		mustExec(t, db, `INSERT INTO documents(id, platform, kind, url, content, content_hash) VALUES (?, 'blog', 'article', ?, 'x', 'h')`, id, fmt.Sprintf("https://t/%d", id))
		mustExec(t, db, `INSERT INTO chunks(id, document_id, position, start, "end", text) VALUES (?, ?, 0, 0, 1, 'near')`, id, id)
		if err := InsertVector(ctx, db, idx, int64(id), q, "article", "blog", ""); err != nil {
			t.Fatal(err)
		}
	}
	var idx2 VectorIndex
	steps := []struct {
		name  string
		write func()
		want  int64 // top hit afterwards
	}{
		{"this process stores a vector", func() { addNear(db, idx, 1001, q16) }, 1001},
		{"this process deletes its chunk", func() { mustExec(t, db, `DELETE FROM chunks WHERE id = 1001`) }, -1},
		{"another connection stores a vector", func() { addNear(other.DB, idx, 1002, q16) }, 1002},
		{"another connection deletes its document", func() { mustExec(t, other.DB, `DELETE FROM documents WHERE id = 1002`) }, -1},
		{"another connection switches to an 8-d model", func() {
			idx2 = newIndex(t, other.DB, "m2", 8)
			rows, err := other.DB.Query(`SELECT c.id, d.kind, d.platform FROM chunks c JOIN documents d ON d.id = c.document_id`)
			if err != nil {
				t.Fatal(err)
			}
			type row struct {
				id             int64
				kind, platform string
			}
			var all []row
			for rows.Next() {
				var r row
				rows.Scan(&r.id, &r.kind, &r.platform)
				all = append(all, r)
			}
			rows.Close()
			for _, r := range all {
				v := randVec(rng, 8)
				if r.id == 7 {
					v = q8
				}
				if err := InsertVector(ctx, other.DB, idx2, r.id, v, r.kind, r.platform, ""); err != nil {
					t.Fatal(err)
				}
			}
			if ok, err := Activate(ctx, other.DB, idx2); err != nil || !ok {
				t.Fatal(ok, err)
			}
		}, 7},
	}
	before := top()
	for _, s := range steps {
		s.write()
		got := top()
		want := s.want
		if want == -1 {
			want = before
		}
		if got != want {
			t.Fatalf("after %q: top hit %d, want %d", s.name, got, want)
		}
		cur, _ := ActiveIndex(ctx, db)
		c, e := knnBoth(t, db, emb[cur.Model], Filter{}, 20)
		sameList(t, "after "+s.name, c, e)
	}
	if svc.cache.snap == nil || svc.cache.snap.indexID != idx2.ID || svc.cache.snap.dims != 8 {
		t.Fatalf("the cache does not hold the 8-d index: %+v", svc.cache.snap)
	}
}

// An index made before the flat mirror existed is searched by the vec0 scan
// until the next index run adds the mirror.
func TestVectorCacheUpgrade(t *testing.T) {
	ctx := context.Background()
	db := openStore(t).DB
	rng := rand.New(rand.NewPCG(3, 4))
	idx := newIndex(t, db, "m", 32)
	fillMeta(t, db, idx, 1, 300, rng)
	if ok, err := Activate(ctx, db, idx); err != nil || !ok {
		t.Fatal(ok, err)
	}
	q := randVec(rng, 32)
	_, want := knnBoth(t, db, q, Filter{}, 10)
	// As an older version left it: no mirror, the old trigger.
	mustExec(t, db, `DROP TABLE `+idx.FlatTable())
	mustExec(t, db, `DROP TRIGGER `+idx.Table()+`_delete`)
	mustExec(t, db, `CREATE TRIGGER `+idx.Table()+`_delete AFTER DELETE ON chunks BEGIN DELETE FROM `+idx.Table()+` WHERE chunk_id = old.id; END`)
	svc := New(db, modelEmbedder{"m": q}, func(context.Context) (string, error) { return "m", nil }, Options{})
	var nc errNoCache
	if _, err := svc.knnCached(ctx, idx, q, Filter{}, 10); !errors.As(err, &nc) {
		t.Fatalf("cached KNN without a mirror: %v, want errNoCache", err)
	}
	hits, err := svc.Search(ctx, Query{Text: "q", K: 10, Mode: Vector})
	if err != nil || len(hits) != 10 || hits[0].ChunkID != want.ids[0] {
		t.Fatalf("fallback search: %v %+v", err, hits)
	}
	if _, err := EnsureIndex(ctx, db, "m", 32); err != nil {
		t.Fatal(err)
	}
	c, e := knnBoth(t, db, q, Filter{}, 10)
	sameList(t, "after the upgrade", c, e)
	sameList(t, "after the upgrade vs before", c, want)
	// The new trigger keeps the mirror in step.
	mustExec(t, db, `DELETE FROM documents WHERE id = ?`, want.ids[0])
	c, e = knnBoth(t, db, q, Filter{}, 10)
	sameList(t, "after a delete", c, e)
	if c.ids[0] == want.ids[0] {
		t.Fatal("a deleted chunk is still returned")
	}
}

func TestTopScores(t *testing.T) {
	const dropped = math.MinInt32
	cases := []struct {
		name   string
		scores []int32
		n      int
		want   int // rows returned (n to 2n)
		best   int32
	}{
		{"all pass", []int32{5, 1, 9, 3, 7}, 2, 2, 9},
		{"filtered", []int32{dropped, 4, dropped, 8}, 3, 2, 8},
		{"none pass", []int32{dropped, dropped}, 1, 0, 0},
		{"ties", []int32{3, 3, 3, 3}, 2, 4, 3},
		{"extremes", []int32{math.MaxInt32, math.MinInt32 + 1, 0}, 1, 1, math.MaxInt32},
	}
	for _, c := range cases {
		got := topScores(c.scores, c.n)
		if len(got) != c.want {
			t.Errorf("%s: %d rows %v, want %d", c.name, len(got), got, c.want)
			continue
		}
		best := false
		for _, g := range got {
			best = best || g.score == float32(c.best)
		}
		if len(got) > 0 && !best {
			t.Errorf("%s: best score %d missing from %v", c.name, c.best, got)
		}
	}
}

// The BM25 fast path (FTS5 ranking alone, then a document check) returns
// what the joined query returns, with exclusions and filters.
func TestBM25FastPathMatchesJoined(t *testing.T) {
	ctx := context.Background()
	db := openStore(t).DB
	rng := rand.New(rand.NewPCG(5, 6))
	idx := newIndex(t, db, "m", 8)
	fillMeta(t, db, idx, 1, 2000, rng)
	words := []string{"bread", "yeast", "river", "code", "paper", "sun", "tea", "salt"}
	for id := 1; id <= 2000; id++ {
		var w []string
		for j := 0; j < 3+rng.IntN(8); j++ {
			w = append(w, words[rng.IntN(len(words))])
		}
		mustExec(t, db, `UPDATE chunks SET text = ? WHERE id = ?`, fmt.Sprint(w), id)
	}
	mustExec(t, db, `UPDATE documents SET excluded = 1 WHERE id % 3 = 0`)
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	svc := New(db, nil, nil, Options{})
	for _, f := range []Filter{{}, {Kinds: []string{"code"}}, {Platforms: []string{"x"}, After: day("2019-01-01")}, {Before: day("2011-03-01")}, {Kinds: []string{"nope"}}} {
		for _, terms := range [][]string{{"bread"}, {"tea", "salt"}, {"river", "sun", "code"}, {"absent"}} {
			for _, limit := range []int{1, 10, 40, 400} {
				fast, err := svc.bm25(ctx, terms, f, limit)
				if err != nil {
					t.Fatal(err)
				}
				where, args := filterSQL(f, docColumns)
				joined, err := svc.bm25Joined(ctx, FTSQuery(terms), where, args, limit)
				if err != nil {
					t.Fatal(err)
				}
				sameList(t, fmt.Sprintf("bm25 %v %+v k=%d", terms, f, limit), fast, joined)
			}
		}
	}
}
