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
	"sort"
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

// recorder remembers the chat requests the pipeline makes (to replay them)
// and counts the tokens Ollama generated for it.
type recorder struct {
	Chatter
	mu     sync.Mutex
	reqs   []api.ChatRequest
	tokens atomic.Int64
	busy   atomic.Int64 // nanoseconds Ollama spent on prompts and replies
}

func (r *recorder) Chat(ctx context.Context, req *api.ChatRequest, fn api.ChatResponseFunc) error {
	r.mu.Lock()
	r.reqs = append(r.reqs, *req)
	r.mu.Unlock()
	return r.Chatter.Chat(ctx, req, func(resp api.ChatResponse) error {
		if resp.Done {
			r.tokens.Add(int64(resp.EvalCount))
			r.busy.Add(int64(resp.PromptEvalDuration + resp.EvalDuration))
		}
		return fn(resp)
	})
}

// Show passes model metadata requests through (the tokenizer).
func (r *recorder) Show(ctx context.Context, req *api.ShowRequest) (*api.ShowResponse, error) {
	sh, ok := r.Chatter.(Shower)
	if !ok {
		return nil, errors.New("recording only")
	}
	return sh.Show(ctx, req)
}

// benchRun is one timed run of the bare loop or the pipeline.
type benchRun struct {
	calls, pairs, tokens int
	// busy is the time Ollama reports spending on the run's prompts and
	// replies; busy/dur is how well the client kept it working.
	busy, dur time.Duration
	// attempts counts the pipeline's extracts by calls made and outcome.
	attempts map[string]int
}

func (r benchRun) perMin(n int) float64 { return float64(n) / r.dur.Minutes() }

func (r benchRun) String() string {
	return fmt.Sprintf("%3d calls %3d pairs %5d tokens in %6.1fs: %5.1f calls/min %5.1f pairs/min %6.0f tokens/min, Ollama busy %.0f%%",
		r.calls, r.pairs, r.tokens, r.dur.Seconds(), r.perMin(r.calls), r.perMin(r.pairs), r.perMin(r.tokens), 100*r.busy.Seconds()/r.dur.Seconds())
}

// median returns the median of xs and its range.
func median(xs []float64) (med, lo, hi float64) {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := len(s) / 2
	med = s[m]
	if len(s)%2 == 0 {
		med = (s[m-1] + s[m]) / 2
	}
	return med, s[0], s[len(s)-1]
}

// BenchmarkLLMThroughput compares the llm generator with a bare loop of
// concurrent api Chat calls on the same prompts, against the harness's
// Ollama. The bare loop sends, for each of DOPPEL_BENCH_N extracts (default
// 32), the request the pipeline sends first (same prompt, JSON-schema
// format, options and seed), with the same concurrency, decodes the reply
// and counts the pairs that pass the same checks; it never retries. The
// pipeline is a full Build (fresh store each run: extracts, generation with
// retries, per-extract progress records, filters, split, the version).
//
// The dev Ollama is shared, so the runs are interleaved in
// DOPPEL_BENCH_ROUNDS rounds (default 3) in ABBA order (bare, pipeline;
// pipeline, bare; ...) after a warm-up call, and every round gives its own
// ratio; the benchmark reports the median and the range.
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
	envInt := func(k string, def int) int {
		if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v > 0 {
			return v
		}
		return def
	}
	n, rounds := envInt("DOPPEL_BENCH_N", 12), envInt("DOPPEL_BENCH_ROUNDS", 4)
	attempts := envInt("DOPPEL_BENCH_ATTEMPTS", 3) // the pipeline's calls per extract at most
	conc := DefaultConcurrency()
	ctx := context.Background()
	docs := volumeDocs(b, n)
	cfg := BuildConfig{Generator: GenLLM, Model: model}
	if err := cfg.Normalize(); err != nil {
		b.Fatal(err)
	}
	// The requests the pipeline makes first (one per extract, first
	// attempt), built by a dry run against a recorder that answers nothing.
	type first struct {
		req     api.ChatRequest
		extract string
	}
	var reqs []first
	for i, d := range docs {
		rec := &recorder{Chatter: refuse{}}
		g := &LLM{Client: rec, Model: model, Pairs: 1, Prompts: cfg.Prompts, Attempts: 1}
		ex := Extract{DocumentID: int64(i + 1), Text: d.Content, First: true}
		g.Generate(ctx, Document{ID: int64(i + 1), Kind: d.Kind, Content: d.Content}, ex)
		reqs = append(reqs, first{rec.reqs[0], d.Content})
	}
	// Warm-up: load the model and its prompt cache before anything is timed.
	if err := client.Chat(ctx, &reqs[0].req, func(api.ChatResponse) error { return nil }); err != nil {
		b.Fatalf("warm-up chat with %s at %s: %v", model, u, err)
	}
	bare := func() benchRun {
		var pairs, calls, tokens, busy atomic.Int64
		next := make(chan int)
		var wg sync.WaitGroup
		t0 := time.Now()
		for w := 0; w < conc; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range next {
					req := reqs[j].req
					var out strings.Builder
					if err := client.Chat(ctx, &req, func(r api.ChatResponse) error {
						out.WriteString(r.Message.Content)
						if r.Done {
							tokens.Add(int64(r.EvalCount))
							busy.Add(int64(r.PromptEvalDuration + r.EvalDuration))
						}
						return nil
					}); err != nil {
						b.Error(err)
						continue
					}
					calls.Add(1)
					// Count pairs the way the pipeline does (decode, checks).
					ps, _ := parseReply(out.String(), 1, reqs[j].extract)
					for _, p := range ps {
						if checkPair(p, req.Messages[1].Content, reqs[j].extract) == "" {
							pairs.Add(1)
						}
					}
				}
			}()
		}
		for j := range reqs {
			next <- j
		}
		close(next)
		wg.Wait()
		return benchRun{calls: int(calls.Load()), pairs: int(pairs.Load()), tokens: int(tokens.Load()), busy: time.Duration(busy.Load()), dur: time.Since(t0)}
	}
	pipeline := func() (benchRun, *BuildResult) {
		st := openStore(b)
		insertDocs(b, st.DB, docs)
		rec := &recorder{Chatter: client}
		s := New(st.DB, func(context.Context) (Chatter, error) { return rec, nil })
		// As in the app, the version's tokens are counted with a model's
		// tokenizer (loaded through Ollama in every run).
		s.DefaultTokenizer = model
		t0 := time.Now()
		res, err := s.Build(ctx, BuildConfig{Generator: GenLLM, Model: model, Concurrency: conc, Attempts: attempts}, 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		run := benchRun{calls: len(rec.reqs), tokens: int(rec.tokens.Load()), busy: time.Duration(rec.busy.Load()), dur: time.Since(t0)}
		// Pairs the generator kept (before the dataset filters, which the
		// bare loop does not run).
		var js []string
		attempts := map[string]int{} // "attempts/state" -> extracts
		rows, err := st.DB.Query(`SELECT result, attempts, state FROM dataset_build_extracts`)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var r, state string
			var a int
			rows.Scan(&r, &a, &state)
			js = append(js, r)
			attempts[fmt.Sprintf("%d calls/%s", a, state)]++
		}
		rows.Close()
		for _, r := range js {
			var o Outcome
			json.Unmarshal([]byte(r), &o)
			run.pairs += len(o.Pairs)
		}
		run.attempts = attempts
		if v, err := s.Version(ctx, res.Version); err != nil || v.Stats.Tokenizer != model {
			b.Fatalf("version tokens not counted with the %s tokenizer: %v %+v", model, err, v)
		}
		return run, res
	}
	for i := 0; i < b.N; i++ {
		var callR, pairR, tokR []float64
		var bareAll, pipeAll benchRun
		for r := 0; r < rounds; r++ {
			var br, pr benchRun
			var res *BuildResult
			if r%2 == 0 {
				br = bare()
				pr, res = pipeline()
			} else {
				pr, res = pipeline()
				br = bare()
			}
			for _, x := range []struct{ dst, src *benchRun }{{&bareAll, &br}, {&pipeAll, &pr}} {
				x.dst.calls += x.src.calls
				x.dst.pairs += x.src.pairs
				x.dst.tokens += x.src.tokens
				x.dst.busy += x.src.busy
				x.dst.dur += x.src.dur
			}
			callR = append(callR, pr.perMin(pr.calls)/br.perMin(br.calls))
			pairR = append(pairR, pr.perMin(pr.pairs)/br.perMin(br.pairs))
			tokR = append(tokR, pr.perMin(pr.tokens)/br.perMin(br.tokens))
			// Printed as each round ends (b.Logf shows only at the end).
			fmt.Fprintf(os.Stderr, "round %d  bare     %s\n", r+1, br)
			fmt.Fprintf(os.Stderr, "round %d  pipeline %s (dropped %v; extracts by calls: %v)\n", r+1, pr, res.Dropped, pr.attempts)
			fmt.Fprintf(os.Stderr, "round %d  ratio: pairs/min %.3f  calls/min %.3f  tokens/min %.3f\n", r+1, pairR[r], callR[r], tokR[r])
		}
		for _, m := range []struct {
			name string
			xs   []float64
		}{{"pairs_ratio", pairR}, {"calls_ratio", callR}, {"tokens_ratio", tokR}} {
			med, lo, hi := median(m.xs)
			b.ReportMetric(med, m.name)
			b.ReportMetric(lo, m.name+"_min")
			b.ReportMetric(hi, m.name+"_max")
		}
		b.ReportMetric(pipeAll.perMin(pipeAll.pairs)/bareAll.perMin(bareAll.pairs), "pooled_pairs_ratio")
		b.ReportMetric(pipeAll.busy.Seconds()/pipeAll.dur.Seconds(), "pipeline_busy")
		b.ReportMetric(bareAll.busy.Seconds()/bareAll.dur.Seconds(), "bare_busy")
		b.Logf("all      bare     %s", bareAll)
		b.Logf("all      pipeline %s", pipeAll)
		b.Logf("%d extracts, concurrency %d (OLLAMA_NUM_PARALLEL %d), %d rounds, model %s, at most %d calls per extract", n, conc, NumParallel(), rounds, model, attempts)
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

// instantChat answers every chat at once, in process, with an instruction
// derived from the extract: what remains of a build's time is the
// pipeline's own work.
type instantChat struct{}

func (instantChat) Chat(_ context.Context, req *api.ChatRequest, fn api.ChatResponseFunc) error {
	_, ex, _ := strings.Cut(req.Messages[len(req.Messages)-1].Content, "<extract>")
	words := strings.Fields(ex)
	ins, _ := json.Marshal(map[string][]string{"instructions": {"What do you think about " + strings.Join(words[:min(4, len(words))], " ") + ", and why?"}})
	return fn(api.ChatResponse{Message: api.Message{Role: "assistant", Content: string(ins)}, Done: true, DoneReason: "stop"})
}

// BenchmarkLLMBuildOverhead is the llm pipeline's own cost per extract
// (load, extract, schedule, check, store progress, filter, split, store the
// version) with a model that answers instantly: the time the pipeline adds
// to each model call when Ollama is not the bottleneck.
func BenchmarkLLMBuildOverhead(b *testing.B) {
	const n = 500
	docs := volumeDocs(b, n)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := openStore(b)
		insertDocs(b, st.DB, docs)
		s := New(st.DB, func(context.Context) (Chatter, error) { return instantChat{}, nil })
		b.StartTimer()
		t0 := time.Now()
		if _, err := s.Build(context.Background(), BuildConfig{Generator: GenLLM, Model: "instant"}, 0, nil); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(t0).Microseconds())/1000/n, "ms/extract")
	}
}
