package dataset

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// volumeDocs makes n short posts of four sentences each, drawn in a fixed
// pseudo-random order from the fixture corpus's articles and posts (the
// same recipe as frontend/e2e/seed-documents.py).
func volumeDocs(t testing.TB, n int) []fixtureDoc {
	split := regexp.MustCompile(`[.!?]\s+`)
	var sentences []string
	for _, d := range readCorpus(t, "testdata/corpus") {
		if d.Excluded || d.Platform == "medium" || (d.Kind != "article" && d.Kind != "post") {
			continue
		}
		for _, p := range strings.Split(d.Content, "\n\n") {
			if strings.HasPrefix(p, "#") || strings.HasPrefix(p, "`") {
				continue
			}
			for _, s := range split.Split(p, -1) {
				if len(s) > 40 {
					sentences = append(sentences, strings.TrimSpace(s)+".")
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(42, 42))
	out := make([]fixtureDoc, n)
	for i := range out {
		p := r.Perm(len(sentences))[:4]
		out[i] = fixtureDoc{Kind: "post", Platform: "mastodon", URL: fmt.Sprintf("https://hachyderm.io/@maralind/2%017d", i),
			Content: sentences[p[0]] + " " + sentences[p[1]] + " " + sentences[p[2]] + " " + sentences[p[3]]}
	}
	return out
}

// BenchmarkHeuristicBuild10k is the heuristic build of 10,000 documents
// (extracts, filters, split, storing the version), from a fresh database.
func BenchmarkHeuristicBuild10k(b *testing.B) {
	docs := volumeDocs(b, 10000)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := openStore(b)
		insertDocs(b, st.DB, docs)
		s := New(st.DB, nil)
		b.StartTimer()
		res, err := s.Build(context.Background(), BuildConfig{}, 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Train+res.Test), "samples")
	}
}

// BenchmarkExport50k exports a version of 50,000 samples as messages JSONL.
func BenchmarkExport50k(b *testing.B) {
	st := openStore(b)
	s := New(st.DB, nil)
	id := storeVolumeVersion(b, s, 50000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dir := filepath.Join(b.TempDir(), "export")
		res, err := s.Export(context.Background(), id, ExportRequest{Format: FormatMessages, Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Bytes)/1e6, "MB")
		os.RemoveAll(dir)
	}
}

// storeVolumeVersion stores a version of n samples made from volume posts
// (without filters, so the count is exact).
func storeVolumeVersion(t testing.TB, s *Service, n int) string {
	docs := volumeDocs(t, n)
	ids := insertDocs(t, s.db, docs)
	samples := make([]Sample, n)
	for i, d := range docs {
		doc := Document{ID: ids[i], Kind: d.Kind, Content: d.Content}
		ex := Extract{DocumentID: ids[i], Text: d.Content, First: true}
		samples[i] = Sample{Kind: KindInstruct, DocumentID: ids[i], DocKind: "post", Platform: "mastodon", System: DefaultSystem,
			Instruction: HeuristicInstruction(doc, ex), Output: d.Content, Split: "train", Status: "pending"}
		if i%10 == 0 {
			samples[i].Split = "test"
		}
		samples[i].computeHash()
	}
	id, _, err := s.storeVersion(context.Background(), newVersion{Kind: KindInstruct, Generator: GenHeuristic, Config: []byte(`{"volume":true}`), Samples: samples})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
