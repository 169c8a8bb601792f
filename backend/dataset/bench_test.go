package dataset

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
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

// recorder remembers the chat requests the pipeline makes, to replay them.
type recorder struct {
	Chatter
	mu   sync.Mutex
	reqs []api.ChatRequest
}

func (r *recorder) Chat(ctx context.Context, req *api.ChatRequest, fn api.ChatResponseFunc) error {
	r.mu.Lock()
	r.reqs = append(r.reqs, *req)
	r.mu.Unlock()
	return r.Chatter.Chat(ctx, req, fn)
}

// BenchmarkLLMThroughput compares the llm generator (DOPPEL_BENCH_N
// extracts, default 4, at the default concurrency) with a bare loop of
// concurrent api Chat calls sending the very same requests, in the same
// run, against the harness's Ollama: bare, pipeline, bare again (the shared
// dev Ollama is busy with other work, so the pipeline is compared with the
// mean of the runs around it). It reports calls and pairs per minute.
func BenchmarkLLMThroughput(b *testing.B) {
	u := os.Getenv("DOPPEL_TEST_OLLAMA_URL")
	if u == "" {
		b.Skip("set DOPPEL_TEST_OLLAMA_URL")
	}
	pu, _ := url.Parse(u)
	client := api.NewClient(pu, http.DefaultClient)
	model := os.Getenv("DOPPEL_TEST_CHAT_MODEL")
	if model == "" {
		model = "smollm2:135m"
	}
	n := 4
	if v, err := strconv.Atoi(os.Getenv("DOPPEL_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	conc := DefaultConcurrency()
	ctx := context.Background()
	docs := volumeDocs(b, n)
	// The requests the pipeline makes first (one per extract, first
	// attempt), built by a dry run against a recorder that answers nothing.
	stream := false
	if err := client.Chat(ctx, &api.ChatRequest{Model: model, Stream: &stream, Messages: []api.Message{{Role: "user", Content: "Hi"}},
		Options: map[string]any{"num_predict": 1}}, func(api.ChatResponse) error { return nil }); err != nil {
		b.Fatal(err)
	}
	cfg := BuildConfig{Generator: GenLLM, Model: model}
	cfg.Normalize()
	var reqs []api.ChatRequest
	for i, d := range docs {
		rec := &recorder{Chatter: refuse{}}
		g := &LLM{Client: rec, Model: model, Pairs: 1, Prompts: cfg.Prompts, Attempts: 1}
		g.Generate(ctx, Document{ID: int64(i + 1), Kind: d.Kind, Content: d.Content}, Extract{DocumentID: int64(i + 1), Text: d.Content, First: true})
		reqs = append(reqs, rec.reqs[0])
	}
	bareRun := func() (calls int, pairs int, dur time.Duration) {
		var okPairs, done atomic.Int64
		next := make(chan int)
		var wg sync.WaitGroup
		t1 := time.Now()
		for w := 0; w < conc; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range next {
					req := reqs[j]
					var out strings.Builder
					if err := client.Chat(ctx, &req, func(r api.ChatResponse) error { out.WriteString(r.Message.Content); return nil }); err != nil {
						b.Error(err)
						continue
					}
					done.Add(1)
					var v struct {
						Instructions []string `json:"instructions"`
					}
					if json.Unmarshal([]byte(out.String()), &v) == nil && len(v.Instructions) > 0 {
						okPairs.Add(1)
					}
				}
			}()
		}
		for j := range reqs {
			next <- j
		}
		close(next)
		wg.Wait()
		return int(done.Load()), int(okPairs.Load()), time.Since(t1)
	}
	for i := 0; i < b.N; i++ {
		c1, p1, d1 := bareRun()
		st := openStore(b)
		insertDocs(b, st.DB, docs)
		rec := &recorder{Chatter: client}
		s := New(st.DB, func(context.Context) (Chatter, error) { return rec, nil })
		t0 := time.Now()
		res, err := s.Build(ctx, BuildConfig{Generator: GenLLM, Model: model, Concurrency: conc}, 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		pipe := time.Since(t0)
		var pipePairs int
		rows, _ := st.DB.Query(`SELECT result FROM dataset_build_extracts`)
		for rows.Next() {
			var r string
			rows.Scan(&r)
			var o Outcome
			json.Unmarshal([]byte(r), &o)
			pipePairs += len(o.Pairs)
		}
		rows.Close()
		c2, p2, d2 := bareRun()
		bareCalls := float64(c1+c2) / (d1 + d2).Minutes()
		barePairs := float64(p1+p2) / (d1 + d2).Minutes()
		pipeCalls := float64(len(rec.reqs)) / pipe.Minutes()
		pipePairsMin := float64(pipePairs) / pipe.Minutes()
		b.ReportMetric(pipeCalls, "pipeline_calls/min")
		b.ReportMetric(bareCalls, "bare_calls/min")
		b.ReportMetric(pipeCalls/bareCalls, "calls_ratio")
		b.ReportMetric(pipePairsMin, "pipeline_pairs/min")
		b.ReportMetric(barePairs, "bare_json_replies/min")
		b.ReportMetric(pipePairsMin/barePairs, "pairs_ratio")
		b.Logf("%d extracts, concurrency %d: bare %d calls in %s; pipeline %d calls, %d pairs kept in %s (dropped %v); bare again %d calls in %s",
			n, conc, c1, d1.Round(time.Second), len(rec.reqs), pipePairs, pipe.Round(time.Second), res.Dropped, c2, d2.Round(time.Second))
	}
}

// refuse is a Chatter that fails every call (for recording requests).
type refuse struct{}

func (refuse) Chat(context.Context, *api.ChatRequest, api.ChatResponseFunc) error {
	return errors.New("recording only")
}

// BenchmarkHeuristicBaseline10k is the bare floor of a heuristic build:
// read the same 10,000 documents and cut them into extracts, nothing else.
func BenchmarkHeuristicBaseline10k(b *testing.B) {
	docs := volumeDocs(b, 10000)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := openStore(b)
		insertDocs(b, st.DB, docs)
		b.StartTimer()
		ds, err := LoadDocuments(context.Background(), st.DB)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, d := range ds {
			n += len(Extracts(d))
		}
		b.ReportMetric(float64(n), "extracts")
	}
}

// BenchmarkExportBaseline50k is the bare floor of an export: select the
// same 50,000 rows and write them as JSON lines, nothing else.
func BenchmarkExportBaseline50k(b *testing.B) {
	st := openStore(b)
	s := New(st.DB, nil)
	id := storeVolumeVersion(b, s, 50000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.Create(filepath.Join(b.TempDir(), "bare.jsonl"))
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		rows, err := st.DB.Query(`SELECT s.system, s.instruction, s.output FROM dataset_version_samples m JOIN dataset_samples s ON s.id = m.sample_id WHERE m.version_id = ? ORDER BY m.ord`, id)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var sys, ins, out string
			rows.Scan(&sys, &ins, &out)
			line, _ := json.Marshal([]string{sys, ins, out})
			w.Write(line)
			w.WriteByte('\n')
		}
		rows.Close()
		w.Flush()
		f.Close()
	}
}
