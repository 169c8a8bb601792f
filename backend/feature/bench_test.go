package feature

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestIndexThroughputBench compares the whole pipeline (clean, chunk, embed,
// write chunks + FTS + vectors in transactions) with bare api Embed calls on
// the same chunk texts and batch size, in the same run
// (DOPPEL_BENCH=1; scripts/bench-feature.sh).
func TestIndexThroughputBench(t *testing.T) {
	if os.Getenv("DOPPEL_BENCH") != "1" {
		t.Skip("set DOPPEL_BENCH=1 (scripts/bench-feature.sh)")
	}
	ctx := context.Background()
	emb := ollamaEmbedder(t)
	model := embedModel()
	var docs []fixtureDoc
	for _, d := range loadCorpus(t) {
		if d.Excluded == 0 && d.Kind != "article" {
			docs = append(docs, d)
		}
	}
	// The exact texts the pipeline embeds.
	var texts []string
	for _, d := range docs {
		for _, c := range ChunkDocument(d.Kind, d.Content, DefaultChunkSettings) {
			texts = append(texts, EmbedText(ChunkContext(d.Title, c.HeadingPath), c.Text))
		}
	}
	if _, err := emb.Embed(ctx, model, texts[:1]); err != nil { // load the model
		t.Fatal(err)
	}
	bare := func() time.Duration {
		t0 := time.Now()
		if _, err := emb.Embed(ctx, model, texts); err != nil {
			t.Fatal(err)
		}
		return time.Since(t0)
	}
	b1 := bare()
	db := openTestStore(t).DB
	for _, d := range docs {
		insertDoc(t, db, d)
	}
	ix := NewIndexer(db, emb)
	t0 := time.Now()
	res, err := ix.Run(ctx, model, nil)
	if err != nil {
		t.Fatal(err)
	}
	pipe := time.Since(t0)
	b2 := bare()
	if res.Chunks != len(texts) {
		t.Fatalf("pipeline wrote %d chunks, bare embedded %d", res.Chunks, len(texts))
	}
	bareAvg := (b1 + b2) / 2
	n := float64(len(texts))
	fmt.Printf("BENCH index chunks=%d bare_embed=%.1f chunks/s (runs %s, %s) pipeline=%.1f chunks/s (%s) ratio=%.2f\n",
		len(texts), n/bareAvg.Seconds(), b1.Round(time.Millisecond), b2.Round(time.Millisecond), n/pipe.Seconds(), pipe.Round(time.Millisecond), bareAvg.Seconds()/pipe.Seconds())
}
