package feature

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ollama/ollama/api"

	"github.com/doppelhq/doppel/backend/search"
)

func TestIndexBM25OnlyIncremental(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	db := st.DB
	docs := insertCorpus(t, db)
	ix := NewIndexer(db, nil)
	res, err := ix.Run(ctx, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Documents != len(docs)-1 { // one fixture is excluded
		t.Fatalf("indexed %d documents, want %d", res.Documents, len(docs)-1)
	}
	checkInvariants(t, db)
	svc := newSearch(db, nil)
	hits, err := svc.Search(ctx, search.Query{Text: "studded tyres black ice", K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || !strings.Contains(hits[0].URL, "bike-commute-winter") {
		t.Fatalf("bm25 top hit %+v", hits)
	}
	if hits[0].Mode != search.BM25 || len(hits[0].Terms) == 0 {
		t.Errorf("hit mode %q terms %v", hits[0].Mode, hits[0].Terms)
	}
	// The excluded fixture is never searchable.
	if hits, _ := svc.Search(ctx, search.Query{Text: "salary negotiation", K: 5}); len(hits) != 0 {
		t.Fatalf("excluded document found: %+v", hits)
	}
	// A second run does nothing.
	res, err = ix.Run(ctx, "", nil)
	if err != nil || res.Documents != 0 || res.Chunks != 0 {
		t.Fatalf("second run re-indexed %d documents (%v)", res.Documents, err)
	}
	// A changed document is re-chunked, and only it.
	var wal int64
	db.QueryRow(`SELECT id FROM documents WHERE url LIKE '%sqlite-wal-mode'`).Scan(&wal)
	updateContent(t, db, wal, "# WAL\n\nNow this post is about zeppelins only.")
	res, err = ix.Run(ctx, "", nil)
	if err != nil || res.Documents != 1 {
		t.Fatalf("after one change re-indexed %d documents (%v)", res.Documents, err)
	}
	if hits, _ := svc.Search(ctx, search.Query{Text: "checkpoint cursor rollback journal", K: 40}); len(hits) > 0 {
		for _, h := range hits {
			if h.DocID == wal {
				t.Errorf("old text of a changed document still found: %+v", h)
			}
		}
	}
	if hits, _ := svc.Search(ctx, search.Query{Text: "zeppelins", K: 5}); len(hits) != 1 || hits[0].DocID != wal {
		t.Errorf("new text not found: %+v", hits)
	}
	// Excluding a document removes it; deleting one removes its chunks.
	db.Exec(`UPDATE documents SET excluded=1 WHERE id=?`, wal)
	if hits, _ := svc.Search(ctx, search.Query{Text: "zeppelins", K: 5}); len(hits) != 0 {
		t.Errorf("excluded document still searchable before re-index: %+v", hits)
	}
	res, err = ix.Run(ctx, "", nil)
	if err != nil || res.Removed != 1 {
		t.Fatalf("removed %d (%v)", res.Removed, err)
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM chunks WHERE document_id=?`, wal).Scan(&n)
	if n != 0 {
		t.Errorf("%d chunks of an excluded document left", n)
	}
	db.Exec(`DELETE FROM documents WHERE url LIKE '%sourdough%'`)
	checkInvariants(t, db)
	db.QueryRow(`SELECT count(*) FROM chunks c LEFT JOIN documents d ON d.id=c.document_id WHERE d.id IS NULL`).Scan(&n)
	if n != 0 {
		t.Errorf("%d chunks of a deleted document left", n)
	}
	// Changing the chunk settings re-chunks everything.
	ix.Chunking = ChunkSettings{ArticleMin: 300, ArticleMax: 600, Overlap: 50, PostMax: 600, CodeMax: 600, CodeOverlap: 50}
	res, err = ix.Run(ctx, "", nil)
	if err != nil || res.Documents != len(docs)-3 {
		t.Fatalf("after a chunk size change re-indexed %d documents, want %d (%v)", res.Documents, len(docs)-3, err)
	}
	checkInvariants(t, db)
}

func TestIndexEmptyAndHugeDocuments(t *testing.T) {
	ctx := context.Background()
	db := openTestStore(t).DB
	insertDoc(t, db, fixtureDoc{URL: "e", Platform: "blog", Kind: "article", Content: ""})
	insertDoc(t, db, fixtureDoc{URL: "b", Platform: "blog", Kind: "post", Content: "Share this:\n\n\n"})
	var b strings.Builder
	for i := range 4000 {
		fmt.Fprintf(&b, "## Section %d\n\nParagraph %d about the huge document and its many words. ", i, i)
		if i%7 == 0 {
			b.WriteString("```\n" + strings.Repeat("code line\n", 30) + "```\n")
		}
		b.WriteString("\n\n")
	}
	huge := insertDoc(t, db, fixtureDoc{URL: "h", Platform: "blog", Kind: "article", Content: b.String()})
	ix := NewIndexer(db, nil)
	res, err := ix.Run(ctx, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Documents != 3 {
		t.Errorf("indexed %d documents, want 3 (empty ones are recorded with no chunks)", res.Documents)
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM chunks WHERE document_id=?`, huge).Scan(&n)
	if n < 100 {
		t.Errorf("huge document (%d bytes) gave %d chunks", b.Len(), n)
	}
	checkInvariants(t, db)
	if res, _ := ix.Run(ctx, "", nil); res.Documents != 0 {
		t.Errorf("empty documents are re-indexed every run")
	}
}

func TestSearchSanitizesFTSSyntax(t *testing.T) {
	ctx := context.Background()
	db := openTestStore(t).DB
	insertCorpus(t, db)
	if _, err := NewIndexer(db, nil).Run(ctx, "", nil); err != nil {
		t.Fatal(err)
	}
	svc := newSearch(db, nil)
	for _, q := range []string{`"`, `"unbalanced`, `NEAR(a b)`, `wal NEAR/2 mode`, `*`, `sqlite*`, `text:wal`, `col:`, `(`, `)`, `a AND OR NOT b`,
		`^start`, `-minus`, `{context text}: wal`, `'); DROP TABLE chunks; --`, `\x00`, strings.Repeat("wal ", 500), "𝐖𝐀𝐋", "é"} {
		hits, err := svc.Search(ctx, search.Query{Text: q, K: 5, Mode: search.BM25})
		if err != nil {
			t.Errorf("query %q: %v", q, err)
		}
		_ = hits
	}
	for _, q := range []string{"", "   "} {
		if _, err := svc.Search(ctx, search.Query{Text: q}); !errors.Is(err, search.ErrEmptyQuery) {
			t.Errorf("query %q: %v, want ErrEmptyQuery", q, err)
		}
	}
	if _, err := svc.Search(ctx, search.Query{Text: "wal", Mode: search.Hybrid}); !errors.Is(err, search.ErrNoEmbeddingModel) {
		t.Errorf("hybrid without a model: %v", err)
	}
	if _, err := svc.Search(ctx, search.Query{Text: "wal", Mode: "fuzzy"}); !errors.Is(err, search.ErrBadQuery) {
		t.Errorf("unknown mode: %v", err)
	}
	if _, err := svc.Search(ctx, search.Query{Text: "wal", K: 1000}); !errors.Is(err, search.ErrBadQuery) {
		t.Errorf("k=1000: %v", err)
	}
	hits, err := svc.Search(ctx, search.Query{Text: "sqlite", K: 10, Filter: search.Filter{Kinds: []string{"post"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		if h.Kind != "post" {
			t.Errorf("kind filter let %s (%s) through", h.URL, h.Kind)
		}
	}
}

func TestIndexWithOllama(t *testing.T) {
	ctx := context.Background()
	emb := ollamaEmbedder(t)
	db := openTestStore(t).DB
	docs := insertCorpus(t, db)
	ix := NewIndexer(db, emb)
	ix.BatchChunks = 16
	res, err := ix.Run(ctx, embedModel(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Dims != 384 || !res.Switched || res.Documents != len(docs)-1 || res.Embedded != res.Chunks {
		t.Fatalf("result %+v", res)
	}
	checkInvariants(t, db)
	svc := newSearch(db, emb)
	if m, _ := svc.DefaultMode(ctx); m != search.Hybrid {
		t.Errorf("default mode with an index: %s", m)
	}
	hits, err := svc.Search(ctx, search.Query{Text: "how do I keep my bread yeast culture healthy", K: 3, Mode: search.Vector})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, h := range hits {
		found = found || strings.Contains(h.URL, "sourdough")
	}
	if !found {
		t.Errorf("sourdough post not in the top 3 vector hits: %+v", hits)
	}
	f, err := os.Open("testdata/questions.tsv")
	if err != nil {
		t.Fatal(err)
	}
	qs, err := search.ReadQuestions(f, "questions.tsv")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	results, err := svc.Evaluate(ctx, qs, []search.Mode{search.BM25, search.Vector, search.Hybrid})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		t.Logf("%-7s recall@1 %.3f recall@5 %.3f MRR %.3f misses %q", r.Mode, r.RecallAt1, r.RecallAt5, r.MRR, r.Misses)
		if r.RecallAt5 < 0.7 {
			t.Errorf("%s recall@5 %.2f is below 0.7", r.Mode, r.RecallAt5)
		}
	}
	// The vector cache gives the exact ranking on real embeddings.
	exact := search.New(db, emb, func(context.Context) (string, error) { return "", nil }, search.Options{ExactVectors: true})
	compare := func(when string) {
		t.Helper()
		for _, q := range qs {
			for _, m := range []search.Mode{search.Vector, search.Hybrid} {
				c, err := svc.Search(ctx, search.Query{Text: q.Text, K: 10, Mode: m})
				if err != nil {
					t.Fatal(err)
				}
				e, err := exact.Search(ctx, search.Query{Text: q.Text, K: 10, Mode: m})
				if err != nil {
					t.Fatal(err)
				}
				sameHits(t, when+" "+string(m)+" "+q.Text, c, e)
			}
		}
	}
	compare("first index")
	// Nothing changed: nothing is embedded again.
	res, err = ix.Run(ctx, embedModel(), nil)
	if err != nil || res.Embedded != 0 || res.Documents != 0 {
		t.Fatalf("second run: %+v %v", res, err)
	}
	// The indexer rewrites a document: the cache sees the new vectors.
	var id int64
	db.QueryRow(`SELECT id FROM documents WHERE url LIKE '%sourdough%'`).Scan(&id)
	updateContent(t, db, id, "Notes on keeping a saltwater aquarium: test the salinity every week and top up with fresh water.")
	if res, err = ix.Run(ctx, embedModel(), nil); err != nil || res.Documents != 1 {
		t.Fatalf("run after a change: %+v %v", res, err)
	}
	checkInvariants(t, db)
	hits, err = svc.Search(ctx, search.Query{Text: "how salty should the aquarium water be", K: 1, Mode: search.Vector})
	if err != nil || len(hits) != 1 || hits[0].DocID != id {
		t.Fatalf("changed document not found by the cached search: %+v %v", hits, err)
	}
	compare("after a change")
}

func TestIndexRefusesChatModel(t *testing.T) {
	ctx := context.Background()
	emb := ollamaEmbedder(t)
	db := openTestStore(t).DB
	insertCorpus(t, db)
	_, err := NewIndexer(db, emb).Run(ctx, chatModel(), nil)
	if !errors.Is(err, ErrNotEmbeddingModel) || !strings.Contains(err.Error(), chatModel()) {
		t.Fatalf("indexing with %s: %v", chatModel(), err)
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM vector_indexes`).Scan(&n)
	if n != 0 {
		t.Errorf("a vector index was created for a chat model")
	}
	_, err = NewIndexer(db, emb).Run(ctx, "no-such-model:latest", nil)
	if !errors.Is(err, ErrModelNotFound) {
		t.Fatalf("missing model: %v", err)
	}
}

// TestModelDisappearsMidRun copies the embedding model to a new name in the
// real Ollama, and deletes the copy after the first batch is written.
func TestModelDisappearsMidRun(t *testing.T) {
	ctx := context.Background()
	emb := ollamaEmbedder(t)
	c, err := emb.src.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("doppel-test-vanishing-%d:latest", os.Getpid())
	if err := c.Copy(ctx, &api.CopyRequest{Source: embedModel(), Destination: name}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Delete(context.Background(), &api.DeleteRequest{Model: name}) })
	db := openTestStore(t).DB
	// Short posts only: the test Ollama on a shared CPU embeds slowly.
	var docs []fixtureDoc
	for _, d := range loadCorpus(t) {
		if d.Kind == "post" && len(docs) < 8 {
			docs = append(docs, d)
			insertDoc(t, db, d)
		}
	}
	ix := NewIndexer(db, &vanishing{OllamaEmbedder: emb, model: name, after: 4, del: func() error {
		return c.Delete(ctx, &api.DeleteRequest{Model: name})
	}})
	ix.BatchChunks = 1
	_, err = ix.Run(ctx, name, nil)
	if !errors.Is(err, ErrModelNotFound) {
		t.Fatalf("run with a vanishing model: %v", err)
	}
	checkInvariants(t, db)
	var indexed int
	db.QueryRow(`SELECT count(*) FROM indexed_documents`).Scan(&indexed)
	if indexed == 0 || indexed >= len(docs) {
		t.Errorf("%d documents indexed before the model vanished: want some, not all", indexed)
	}
	// With the model back, the next run finishes the rest.
	if err := c.Copy(ctx, &api.CopyRequest{Source: embedModel(), Destination: name}); err != nil {
		t.Fatal(err)
	}
	res, err := NewIndexer(db, emb).Run(ctx, name, nil)
	if err != nil || res.Documents != len(docs)-indexed {
		t.Fatalf("resume: %+v %v", res, err)
	}
	checkInvariants(t, db)
}

type vanishing struct {
	*OllamaEmbedder
	model string
	calls atomic.Int32
	after int32
	del   func() error
}

func (v *vanishing) Embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	if v.calls.Add(1) == v.after {
		if err := v.del(); err != nil {
			return nil, err
		}
	}
	return v.OllamaEmbedder.Embed(ctx, model, texts)
}

// hashEmbedder gives deterministic vectors of a size set per model name
// ("dims-8" → 8). It stands in for a second embedding model with another
// dimension, which the test Ollama does not have.
type hashEmbedder struct{ calls atomic.Int32 }

func (h *hashEmbedder) Check(ctx context.Context, model string) error { return nil }

func (h *hashEmbedder) Embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	h.calls.Add(1)
	var dims int
	if _, err := fmt.Sscanf(model, "dims-%d", &dims); err != nil {
		return nil, err
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, dims)
		var norm float64
		for j := range v {
			f := fnv.New32a()
			fmt.Fprintf(f, "%d:%s", j, t)
			v[j] = float32(f.Sum32()%1000)/500 - 1
			norm += float64(v[j] * v[j])
		}
		for j := range v {
			v[j] /= float32(math.Sqrt(norm))
		}
		out[i] = v
	}
	return out, nil
}

func TestModelSwitchNeverMixesDimensions(t *testing.T) {
	ctx := context.Background()
	db := openTestStore(t).DB
	docs := insertCorpus(t, db)
	emb := &hashEmbedder{}
	ix := NewIndexer(db, emb)
	ix.BatchChunks = 8
	if _, err := ix.Run(ctx, "dims-8", nil); err != nil {
		t.Fatal(err)
	}
	before, _ := search.ActiveIndex(ctx, db)
	// A failed switch (the new model errors halfway) keeps the old index.
	failing := &failAfter{Embedder: emb, n: 2}
	ix2 := NewIndexer(db, failing)
	ix2.BatchChunks = 8
	if _, err := ix2.Run(ctx, "dims-16", nil); err == nil {
		t.Fatal("want the injected failure")
	}
	cur, _ := search.ActiveIndex(ctx, db)
	if cur.ID != before.ID || cur.Dims != 8 {
		t.Fatalf("active index after a failed switch: %+v", cur)
	}
	all, _ := search.Indexes(ctx, db)
	if len(all) != 2 || all[1].State != "building" || all[1].Vectors == 0 {
		t.Fatalf("indexes after a failed switch: %+v", all)
	}
	checkInvariants(t, db)
	// Search keeps working on the old index meanwhile.
	svc := search.New(db, emb, func(context.Context) (string, error) { return "dims-16", nil }, search.Options{})
	if _, err := svc.Search(ctx, search.Query{Text: "sourdough", Mode: search.Hybrid}); err != nil {
		t.Fatal(err)
	}
	// The next run finishes the new index and switches.
	emb.calls.Store(0)
	res, err := ix.Run(ctx, "dims-16", nil)
	if err != nil || !res.Switched || res.Dims != 16 {
		t.Fatalf("switch: %+v %v", res, err)
	}
	all, _ = search.Indexes(ctx, db)
	if len(all) != 1 || all[0].Dims != 16 || all[0].State != "active" {
		t.Fatalf("indexes after the switch: %+v", all)
	}
	var chunks int64
	db.QueryRow(`SELECT count(*) FROM chunks`).Scan(&chunks)
	if all[0].Vectors != chunks {
		t.Errorf("%d vectors for %d chunks", all[0].Vectors, chunks)
	}
	checkInvariants(t, db)
	_ = docs
	// Without a model the vector index goes (BM25 only), never half-kept.
	if _, err := ix.Run(ctx, "", nil); err != nil {
		t.Fatal(err)
	}
	if all, _ := search.Indexes(ctx, db); len(all) != 0 {
		t.Errorf("vector indexes left after switching to BM25 only: %+v", all)
	}
}

type failAfter struct {
	Embedder
	n     int32
	calls atomic.Int32
}

func (f *failAfter) Embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	if f.calls.Add(1) > f.n {
		return nil, errors.New("injected embedding failure")
	}
	return f.Embedder.Embed(ctx, model, texts)
}
