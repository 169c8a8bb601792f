package dataset

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
)

// fakeOllama answers /api/chat with scripted replies: the failure paths a
// real model cannot be made to produce on demand (garbage, truncation,
// refusals, echoes, a server that goes away).
type fakeOllama struct {
	srv     *httptest.Server
	calls   atomic.Int64
	mu      sync.Mutex
	replies []fakeReply // consumed in order; the last one repeats
	reply   func(req api.ChatRequest) fakeReply
	delay   time.Duration
}

type fakeReply struct {
	content    string
	doneReason string
	status     int
}

func newFake(t *testing.T, replies ...fakeReply) *fakeOllama {
	f := &fakeOllama{replies: replies}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/version" {
			w.Write([]byte(`{"version":"0.17.4"}`))
			return
		}
		if r.URL.Path != "/api/chat" {
			http.Error(w, `{"error":"model not found"}`, http.StatusNotFound)
			return
		}
		var req api.ChatRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		f.calls.Add(1)
		if f.delay > 0 {
			time.Sleep(f.delay)
		}
		var rep fakeReply
		f.mu.Lock()
		if f.reply != nil {
			rep = f.reply(req)
		} else {
			rep = f.replies[0]
			if len(f.replies) > 1 {
				f.replies = f.replies[1:]
			}
		}
		f.mu.Unlock()
		if rep.status != 0 {
			w.WriteHeader(rep.status)
			w.Write([]byte(`{"error":"model runner has unexpectedly stopped"}`))
			return
		}
		if rep.doneReason == "" {
			rep.doneReason = "stop"
		}
		json.NewEncoder(w).Encode(api.ChatResponse{Model: req.Model, Message: api.Message{Role: "assistant", Content: rep.content}, Done: true, DoneReason: rep.doneReason})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOllama) client() *api.Client {
	u, _ := url.Parse(f.srv.URL)
	return api.NewClient(u, http.DefaultClient)
}

const walExtract = "First, `journal_mode=WAL`. It is persistent: once a database is in WAL mode it stays there, so setting it on every open costs nothing. Second, `busy_timeout`. Without it, a second writer gets SQLITE_BUSY immediately instead of waiting a few milliseconds for the first one to finish."

func TestLLMGenerateBadReplies(t *testing.T) {
	doc := Document{ID: 1, Kind: "article", Title: "SQLite WAL mode in practice"}
	ex := Extract{DocumentID: 1, Text: walExtract, First: true}
	good := fakeReply{content: `{"instructions":["Which two SQLite settings do you set on every open, and why?"]}`}
	cfg := BuildConfig{Generator: GenLLM, Model: "fake"}
	if err := cfg.Normalize(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		replies   []fakeReply
		wantPairs int
		wantDrop  string
		attempts  int
	}{
		{"valid", []fakeReply{good}, 1, "", 1},
		{"garbage then valid", []fakeReply{{content: "Sure! Here are instructions:"}, good}, 1, "", 2},
		{"truncated then valid", []fakeReply{{content: `{"instructions":["Which two SQLite set`, doneReason: "length"}, good}, 1, "", 2},
		{"always invalid", []fakeReply{{content: `{"instructions":`}}, 0, DropInvalidJSON, 3},
		{"empty list", []fakeReply{{content: `{"instructions":[]}`}}, 0, DropInvalidJSON, 3},
		{"refusal", []fakeReply{{content: `{"instructions":["I'm sorry, but I cannot help with that request."]}`}}, 0, DropRefusal, 3},
		{"prompt echo", []fakeReply{{content: `{"instructions":["Write one instruction that a reader could give so that this extract is the perfect answer."]}`}}, 0, DropPromptEcho, 3},
		{"extract echo", []fakeReply{{content: `{"instructions":["once a database is in WAL mode it stays there, so setting it on every open costs nothing"]}`}}, 0, DropPromptEcho, 3},
		{"echo then valid", []fakeReply{{content: `{"instructions":["<extract> please </extract>"]}`}, good}, 1, "", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.replies...)
			g := &LLM{Client: f.client(), Model: "fake", Pairs: 1, Prompts: cfg.Prompts}
			o, err := g.Generate(context.Background(), doc, ex)
			if err != nil {
				t.Fatal(err)
			}
			if len(o.Pairs) != tc.wantPairs || o.Attempts != tc.attempts {
				t.Errorf("pairs %d attempts %d, want %d and %d", len(o.Pairs), o.Attempts, tc.wantPairs, tc.attempts)
			}
			if tc.wantDrop != "" && o.Dropped[tc.wantDrop] != 1 {
				t.Errorf("dropped %v, want %s", o.Dropped, tc.wantDrop)
			}
			if tc.wantPairs == 1 && o.Pairs[0].Output != ex.Text {
				t.Error("with one pair per chunk the answer must be the extract itself")
			}
		})
	}
}

func TestLLMPairsKeepsGoodOnes(t *testing.T) {
	f := newFake(t, fakeReply{content: `{"pairs":[
		{"instruction":"Why set busy_timeout in SQLite?","answer":"Because without it a second writer gets SQLITE_BUSY at once instead of waiting a few milliseconds for the first writer to finish its commit."},
		{"instruction":"Tell me about WAL.","answer":"I'm sorry, but as an AI I cannot share opinions about databases or their journal modes at all."}]}`})
	cfg := BuildConfig{Generator: GenLLM, Model: "fake", PairsPerChunk: 2}
	cfg.Normalize()
	g := &LLM{Client: f.client(), Model: "fake", Pairs: 2, Prompts: cfg.Prompts}
	o, err := g.Generate(context.Background(), Document{ID: 1, Kind: "article", Title: "WAL"}, Extract{Text: walExtract})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Pairs) != 1 || o.Dropped[DropRefusal] != 1 || !strings.Contains(o.Pairs[0].Output, "SQLITE_BUSY") {
		t.Fatalf("outcome %+v", o)
	}
}

// The engine goes away mid-run: the build stops with an error that says
// so, keeps every finished extract, and a resumed build redoes none of them.
func TestLLMBuildEngineGoesAwayAndResumes(t *testing.T) {
	st := seedCorpus(t)
	f := newFake(t)
	var served atomic.Int64
	f.reply = func(req api.ChatRequest) fakeReply {
		if served.Add(1) > 4 {
			return fakeReply{status: 500}
		}
		return fakeReply{content: `{"instructions":["How would you explain this topic to a colleague who has never used it?"]}`}
	}
	client := func(context.Context) (Chatter, error) { return f.client(), nil }
	s := New(st.DB, client)
	cfg := BuildConfig{Generator: GenLLM, Model: "fake", Concurrency: 1}
	_, err := s.Build(context.Background(), cfg, 0, nil)
	if err == nil || !strings.Contains(err.Error(), "resume") || !strings.Contains(err.Error(), "500") {
		t.Fatalf("want a build error about the engine, got %v", err)
	}
	var kept int
	st.DB.QueryRow(`SELECT count(*) FROM dataset_build_extracts`).Scan(&kept)
	if kept != 4 {
		t.Fatalf("%d extracts kept, want 4", kept)
	}
	// The engine is back.
	served.Store(-1000)
	before := f.calls.Load()
	res, err := s.Build(context.Background(), cfg, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	extracts := 0
	docs, _ := LoadDocuments(context.Background(), st.DB)
	for _, d := range docs {
		c, _ := StripBoilerplate(d.Content, 0.5)
		extracts += len(Extracts(Document{ID: d.ID, Kind: d.Kind, Content: c}))
	}
	if res.Resumed != 4 || int(f.calls.Load()-before) != extracts-4 {
		t.Errorf("resumed %d, new calls %d, extracts %d", res.Resumed, f.calls.Load()-before, extracts)
	}
}

func TestLLMBuildModelMissing(t *testing.T) {
	st := seedCorpus(t)
	f := newFake(t, fakeReply{status: 404})
	s := New(st.DB, func(context.Context) (Chatter, error) { return f.client(), nil })
	_, err := s.Build(context.Background(), BuildConfig{Generator: GenLLM, Model: "nope"}, 0, nil)
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("want an error naming the model, got %v", err)
	}
	if f.calls.Load() > int64(DefaultConcurrency()) {
		t.Errorf("a missing model is not retried: %d calls", f.calls.Load())
	}
}

// ollamaClient returns a client for the harness's Ollama, or skips.
func ollamaClient(t *testing.T) (*api.Client, string) {
	t.Helper()
	u := os.Getenv("DOPPEL_TEST_OLLAMA_URL")
	if u == "" {
		if os.Getenv("DOPPEL_REQUIRE_OLLAMA") == "1" {
			t.Fatal("DOPPEL_TEST_OLLAMA_URL is not set but DOPPEL_REQUIRE_OLLAMA=1")
		}
		t.Skip("no test Ollama: set DOPPEL_TEST_OLLAMA_URL")
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	m := os.Getenv("DOPPEL_TEST_CHAT_MODEL")
	if m == "" {
		m = "smollm2:135m"
	}
	return api.NewClient(pu, http.DefaultClient), m
}

// smallCorpus is two posts of the fixture corpus: a real model on two
// shared CPU cores takes tens of seconds per call.
func smallCorpus(t *testing.T) *Service {
	st := openStore(t)
	var docs []fixtureDoc
	for _, d := range readCorpus(t, "testdata/corpus") {
		if d.URL == "https://hachyderm.io/@maralind/111000000000000002" || d.URL == "https://bsky.app/profile/maralind.dev/post/3kabc0000001" {
			docs = append(docs, d)
		}
	}
	if len(docs) != 2 {
		t.Fatalf("small corpus has %d documents, want 2", len(docs))
	}
	insertDocs(t, st.DB, docs)
	return &Service{db: st.DB}
}

func TestLLMBuildRealOllama(t *testing.T) {
	c, model := ollamaClient(t)
	s := smallCorpus(t)
	s.client = func(context.Context) (Chatter, error) { return c, nil }
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	res, err := s.Build(ctx, BuildConfig{Generator: GenLLM, Model: model}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Two extracts: each one is a sample or a counted drop.
	total := res.Train + res.Test
	for _, n := range res.Dropped {
		total += n
	}
	if total < 2 {
		t.Errorf("only %d of 2 extracts accounted for: %+v", total, res)
		logExtracts(t, s)
	}
	v, err := s.Version(ctx, res.Version)
	if err != nil {
		t.Fatal(err)
	}
	if v.Model != model || v.Generator != GenLLM || !strings.Contains(string(v.Config), "instruction that a reader could give") {
		t.Errorf("version does not record its model and prompts: %s %s %s", v.Model, v.Generator, v.Config)
	}
	page, _ := s.Samples(ctx, v.ID, SampleQuery{})
	for _, sm := range page.Items {
		if strings.TrimSpace(sm.Instruction) == "" || refusalRe.MatchString(sm.Instruction) {
			t.Errorf("bad instruction kept: %q", sm.Instruction)
		}
	}
}

func TestPreferenceBuildRealOllama(t *testing.T) {
	c, model := ollamaClient(t)
	s := smallCorpus(t)
	s.client = func(context.Context) (Chatter, error) { return c, nil }
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	res, err := s.Build(ctx, BuildConfig{Generator: GenPreference, Model: model}, 0, nil)
	if err != nil && !errors.Is(err, ErrNoDocuments) {
		t.Fatal(err)
	}
	page, err := s.Samples(ctx, res.Version, SampleQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sm := range page.Items {
		if sm.Kind != KindPreference || len([]rune(sm.Output)) < MinPreference || len([]rune(sm.Rejected)) < MinPreference {
			t.Errorf("bad preference sample %+v", sm)
		}
		if CompleteSentences(sm.Rejected) != sm.Rejected {
			t.Errorf("rejected answer does not end with a complete sentence: %q", sm.Rejected)
		}
	}
	total := res.Train + res.Test
	for _, n := range res.Dropped {
		total += n
	}
	if total < 2 {
		t.Errorf("only %d of 2 extracts accounted for: %+v", total, res)
	}
}

func logExtracts(t *testing.T, s *Service) {
	rows, err := s.db.Query(`SELECT extract_key, state, reason, attempts, result FROM dataset_build_extracts`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, st, r, res string
		var n int
		rows.Scan(&k, &st, &r, &n, &res)
		t.Logf("extract %s: %s %s after %d calls: %s", k, st, r, n, res)
	}
}

// A preference build --from an llm instruct version answers that version's
// instructions (not heuristic ones), keeps the author's text as chosen, and
// skips the samples rejected there.
func TestPreferenceFromVersion(t *testing.T) {
	st := seedCorpus(t)
	f := newFake(t)
	var mu sync.Mutex
	asked := map[string]bool{}
	f.reply = func(req api.ChatRequest) fakeReply {
		user := req.Messages[len(req.Messages)-1].Content
		if len(req.Format) > 0 { // the llm generator: one instruction per extract
			_, ex, _ := strings.Cut(user, "<extract>")
			words := strings.Fields(ex)
			ins, _ := json.Marshal(map[string][]string{"instructions": {"What do you think about " + strings.Join(words[:min(3, len(words))], " ") + ", and why does it matter?"}})
			return fakeReply{content: string(ins)}
		}
		mu.Lock()
		asked[user] = true
		mu.Unlock()
		return fakeReply{content: "That is a good question. Many people have different opinions about it, and the answer depends on the situation and on what you need."}
	}
	s := New(st.DB, func(context.Context) (Chatter, error) { return f.client(), nil })
	ctx := context.Background()
	src, err := s.Build(ctx, BuildConfig{Generator: GenLLM, Model: "fake"}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	srcSamples, err := s.allSamples(ctx, src.Version)
	if err != nil {
		t.Fatal(err)
	}
	rejected := srcSamples[0]
	status := "rejected"
	child, err := s.Edit(ctx, src.Version, EditRequest{Edits: []SampleEdit{{SampleID: rejected.ID, Status: &status}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Build(ctx, BuildConfig{Generator: GenPreference, Model: "fake", From: child.ID[:8]}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Dropped[DropRejectedInSource] != 1 {
		t.Errorf("dropped %v, want 1 %s", res.Dropped, DropRejectedInSource)
	}
	v, err := s.Version(ctx, res.Version)
	if err != nil {
		t.Fatal(err)
	}
	var cfg BuildConfig
	json.Unmarshal(v.Config, &cfg)
	if cfg.From != child.ID {
		t.Errorf("recorded from %q, want the full id %s", cfg.From, child.ID)
	}
	out, err := s.allSamples(ctx, v.ID)
	if err != nil || len(out) == 0 {
		t.Fatalf("%d preference samples, %v", len(out), err)
	}
	given := map[string]string{}
	for _, sm := range srcSamples[1:] {
		given[sm.Instruction] = sm.Output
	}
	for _, sm := range out {
		chosen, ok := given[sm.Instruction]
		if !ok || !asked[sm.Instruction] {
			t.Errorf("prompt %q is not an instruction of the source version (or was not asked)", sm.Instruction)
		}
		if ok && !strings.HasPrefix(chosen, sm.Output) {
			t.Errorf("chosen %q is not the author's text %q", sm.Output, chosen)
		}
		if sm.Instruction == rejected.Instruction {
			t.Error("a sample rejected in the source version was used")
		}
	}

	// --from needs the preference generator and an instruct version whose
	// answers are the author's.
	for _, bad := range []BuildConfig{
		{Generator: GenLLM, Model: "fake", From: child.ID},
		{Generator: GenPreference, Model: "fake", From: v.ID},
		{Generator: GenPreference, Model: "fake", From: "ffffffffff"},
	} {
		if _, err := s.Build(ctx, bad, 0, nil); err == nil {
			t.Errorf("build %+v: want an error", bad)
		}
	}
}

// Attempts bounds the calls per extract: 1 makes no retries.
func TestLLMBuildAttempts(t *testing.T) {
	for _, c := range []struct{ attempts, perExtract int }{{0, 3}, {1, 1}, {2, 2}} {
		st := seedCorpus(t)
		f := newFake(t, fakeReply{content: `{"instructions":`})
		s := New(st.DB, func(context.Context) (Chatter, error) { return f.client(), nil })
		res, err := s.Build(context.Background(), BuildConfig{Generator: GenLLM, Model: "fake", Attempts: c.attempts}, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		var extracts, calls int
		st.DB.QueryRow(`SELECT count(*), sum(attempts) FROM dataset_build_extracts`).Scan(&extracts, &calls)
		if extracts == 0 || calls != extracts*c.perExtract || int(f.calls.Load()) != calls || res.Dropped[DropInvalidJSON] != extracts {
			t.Errorf("attempts %d: %d extracts, %d calls recorded, %d served; want %d per extract", c.attempts, extracts, calls, f.calls.Load(), c.perExtract)
		}
	}
	bad := BuildConfig{Generator: GenLLM, Model: "fake", Attempts: 11}
	if err := bad.Normalize(); err == nil {
		t.Error("attempts 11 accepted")
	}
}
