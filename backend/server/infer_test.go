package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/doppelhq/doppel/backend/chat"
	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/rag"
	"github.com/doppelhq/doppel/backend/search"
	"github.com/doppelhq/doppel/backend/server"
	"github.com/doppelhq/doppel/backend/testenv"
)

// fixedHits is a tiny in-test Retriever returning the same hits for every
// query. It exists ONLY to test that citations are mapped onto hits and
// returned in each API's shape; retrieval is the search service's.
type fixedHits []search.Hit

func (f fixedHits) Search(context.Context, search.Query) ([]search.Hit, error) { return f, nil }

var testHits = fixedHits{
	{ChunkID: 7, DocID: 3, URL: "https://blog.example/sqlite", Title: "Why I use SQLite", Text: "I use SQLite for every desktop app because it is one file.", Score: 0.8},
	{ChunkID: 9, DocID: 4, URL: "https://blog.example/go", Title: "Go errors", Text: "I wrap errors with %w.", Score: 0.5},
}

func serve(t *testing.T, app *doppel.App) string {
	t.Helper()
	h := server.New(app, server.Options{}).Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRec{ResponseWriter: w, code: 200}
		h.ServeHTTP(rec, r)
		if os.Getenv("DOPPEL_TEST_LOG_HTTP") != "" {
			t.Logf("%s %s %v -> %d", r.Method, r.URL, r.Header, rec.code)
		}
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

type statusRec struct {
	http.ResponseWriter
	code int
}

func (s *statusRec) WriteHeader(c int) { s.code = c; s.ResponseWriter.WriteHeader(c) }
func (s *statusRec) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func withHits(app *doppel.App) { app.Chat.SetRetriever(func() rag.Retriever { return testHits }) }

func post(t *testing.T, url, body string) *http.Response {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestInferenceMalformedRequests(t *testing.T) {
	app := testenv.AppWithOllama(t)
	base := serve(t, app)
	conv := post(t, base+"/api/v1/chat/conversations", `{}`)
	conv.Body.Close()
	if conv.StatusCode != 201 {
		t.Fatalf("create conversation: %d", conv.StatusCode)
	}
	cases := []struct {
		method, path, body string
		want               int
		contains           string
	}{
		{"POST", "/v1/chat/completions", `{`, 400, "malformed JSON"},
		{"POST", "/v1/chat/completions", ``, 400, "empty"},
		{"POST", "/v1/chat/completions", `[]`, 400, "malformed JSON"},
		{"POST", "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}]}`, 400, "model is required"},
		{"POST", "/v1/chat/completions", `{"model":"doppel"}`, 400, "messages is required"},
		{"POST", "/v1/chat/completions", `{"model":"doppel","messages":[{"role":"wizard","content":"x"}]}`, 400, "unknown role"},
		{"POST", "/v1/chat/completions", `{"model":"doppel","messages":[{"role":"user","content":5}]}`, 400, "content"},
		{"POST", "/v1/chat/completions", `{"model":"doppel","messages":[{"role":"assistant","content":"x"}]}`, 400, "non-empty user message"},
		{"POST", "/v1/chat/completions", `{"model":"doppel","n":3,"messages":[{"role":"user","content":"x"}]}`, 400, "n=1"},
		{"POST", "/v1/chat/completions", `{"model":"doppel","stop":7,"messages":[{"role":"user","content":"x"}]}`, 400, "stop"},
		{"POST", "/v1/chat/completions", `{"model":"nope:1b","messages":[{"role":"user","content":"x"}]}`, 404, "nope:1b"},
		{"POST", "/v1/chat/completions", `{"model":"nope:1b","stream":true,"messages":[{"role":"user","content":"x"}]}`, 404, "nope:1b"},
		{"POST", "/v1/chat/completions", `{"model":"doppel","messages":[]} trailing`, 400, "trailing"},
		{"POST", "/api/chat", `{"model":`, 400, "malformed JSON"},
		{"POST", "/api/chat", `{"messages":[{"role":"user","content":"x"}]}`, 400, "model is required"},
		{"POST", "/api/chat", `{"model":"nope:1b","messages":[{"role":"user","content":"x"}]}`, 404, "nope:1b"},
		{"POST", "/api/chat", `{"model":"doppel","messages":[{"role":"x","content":"x"}]}`, 400, "unknown role"},
		{"POST", "/api/generate", `nope`, 400, "malformed JSON"},
		{"POST", "/api/generate", `{"prompt":"x"}`, 400, "model is required"},
		{"POST", "/api/generate", `{"model":"nope:1b","prompt":"x"}`, 404, "nope:1b"},
		{"POST", "/api/show", `{}`, 400, "model is required"},
		{"POST", "/api/show", `{"model":"nope:1b"}`, 404, "nope:1b"},
		{"POST", "/api/show", `{"model":`, 400, "malformed"},
		{"POST", "/api/v1/rag", `{"query":""}`, 400, "query is required"},
		{"POST", "/api/v1/rag", `{"query":"x","bogus":1}`, 400, "unknown field"},
		{"POST", "/api/v1/rag", `{`, 400, "malformed"},
		{"POST", "/api/v1/rag", `{"query":"x","model":"nope:1b"}`, 404, "nope:1b"},
		{"POST", "/api/v1/chat/conversations", `{"title":1}`, 400, "malformed"},
		{"PATCH", "/api/v1/chat/conversations/1", `{"title":"  "}`, 400, "title is empty"},
		{"PATCH", "/api/v1/chat/conversations/999", `{"title":"x"}`, 404, "999"},
		{"PATCH", "/api/v1/chat/conversations/abc", `{"title":"x"}`, 400, "bad conversation id"},
		{"GET", "/api/v1/chat/conversations/0", ``, 400, "bad conversation id"},
		{"GET", "/api/v1/chat/conversations/999", ``, 404, "999"},
		{"DELETE", "/api/v1/chat/conversations/999", ``, 404, "999"},
		{"POST", "/api/v1/chat/conversations/1/messages", `{"content":""}`, 400, "content is empty"},
		{"POST", "/api/v1/chat/conversations/1/messages", `{"content":"x","model":"nope:1b"}`, 404, "nope:1b"},
		{"POST", "/api/v1/chat/conversations/1/messages", `{"content":`, 400, "malformed"},
		{"POST", "/api/v1/chat/conversations/999/messages", `{"content":"x"}`, 404, "999"},
		{"POST", "/api/v1/chat/conversations/1/regenerate", `{}`, 400, "no question"},
		{"GET", "/api/v1/traces?limit=x", ``, 400, "bad limit"},
		{"GET", "/api/v1/traces?rating=5", ``, 400, "bad rating"},
		{"GET", "/api/v1/traces/export?before_id=-1", ``, 400, "bad before_id"},
		{"GET", "/api/v1/traces/feedback?since=yesterday", ``, 400, "RFC 3339"},
		{"GET", "/api/v1/traces/999", ``, 404, "999"},
		{"GET", "/api/v1/traces/x", ``, 400, "bad trace id"},
		{"POST", "/api/v1/traces/999/feedback", `{"rating":1}`, 404, "999"},
		{"POST", "/api/v1/traces/1/feedback", `{"rating":"up"}`, 400, "malformed"},
		{"POST", "/api/pull", `{"model":"x"}`, 404, "no API route"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path+" "+c.body, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.want || !strings.Contains(string(b), c.contains) {
				t.Errorf("%d %s, want %d containing %q", resp.StatusCode, b, c.want, c.contains)
			}
			if !json.Valid(b) {
				t.Errorf("error body is not JSON: %s", b)
			}
		})
	}
}

func TestInferenceOllamaDown(t *testing.T) {
	t.Setenv("OLLAMA_HOST", "")
	t.Setenv("DOPPEL_OLLAMA", "/nonexistent/ollama")
	app := testenv.App(t)
	if err := app.Settings.Set(context.Background(), "ollama_url", "http://127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	base := serve(t, app)
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/v1/chat/completions", `{"model":"doppel","messages":[{"role":"user","content":"x"}]}`},
		{"POST", "/v1/chat/completions", `{"model":"doppel","stream":true,"messages":[{"role":"user","content":"x"}]}`},
		{"GET", "/v1/models", ``},
		{"POST", "/api/chat", `{"model":"doppel","messages":[{"role":"user","content":"x"}]}`},
		{"POST", "/api/generate", `{"model":"doppel","prompt":"x"}`},
		{"GET", "/api/tags", ``},
		{"POST", "/api/v1/rag", `{"query":"x"}`},
		{"GET", "/api/v1/chat/models", ``},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 503 || !strings.Contains(string(b), "not reachable") || !strings.Contains(string(b), "127.0.0.1:1") {
			t.Errorf("%s %s: %d %s, want 503 with the reason", c.method, c.path, resp.StatusCode, b)
		}
	}
}

// readSSE returns the data payloads of an SSE body.
func readSSE(t *testing.T, r io.Reader) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "data: ") {
			out = append(out, strings.TrimPrefix(line, "data: "))
		} else if line != "" && !strings.HasPrefix(line, ":") {
			t.Errorf("unexpected SSE line %q", line)
		}
	}
	return out
}

func TestOpenAIStreamingFormat(t *testing.T) {
	app := testenv.AppWithOllama(t)
	withHits(app)
	base := serve(t, app)
	resp := post(t, base+"/v1/chat/completions", `{"model":"doppel","stream":true,"stream_options":{"include_usage":true},"max_tokens":20,"temperature":0,
		"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Which database do you use?"}]}],"logprobs":false}`)
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	data := readSSE(t, resp.Body)
	if len(data) < 5 || data[len(data)-1] != "[DONE]" {
		t.Fatalf("stream = %q, want chunks ending with [DONE]", data)
	}
	var text strings.Builder
	var chunks []server.OpenAICompletion
	for _, d := range data[:len(data)-1] {
		var c server.OpenAICompletion
		if err := json.Unmarshal([]byte(d), &c); err != nil {
			t.Fatalf("chunk %q: %v", d, err)
		}
		if c.Object != "chat.completion.chunk" || !strings.HasPrefix(c.ID, "chatcmpl-") || c.Model != "doppel" {
			t.Errorf("chunk header %+v", c)
		}
		for _, ch := range c.Choices {
			text.WriteString(ch.Delta.Content)
		}
		chunks = append(chunks, c)
	}
	if chunks[0].Choices[0].Delta.Role != "assistant" || text.Len() == 0 {
		t.Errorf("first chunk %+v, text %q", chunks[0], text.String())
	}
	fin := chunks[len(chunks)-2]
	if fin.Choices[0].FinishReason == nil || fin.Citations == nil {
		t.Errorf("finish chunk %+v", fin)
	}
	last := chunks[len(chunks)-1]
	if len(last.Choices) != 0 || last.Usage == nil || last.Usage.CompletionTokens == 0 || last.Citations == nil || len(*last.Citations) != 2 {
		t.Fatalf("usage chunk %+v", last)
	}
	c := (*last.Citations)[0]
	if c.URL != "https://blog.example/sqlite" || c.DocID != 3 || c.ChunkID != 7 || c.Score != 0.8 || c.Title == "" {
		t.Errorf("citation %+v", c)
	}
	for _, ch := range chunks[1 : len(chunks)-2] {
		if ch.Citations != nil {
			t.Error("citations sent before the last chunk")
		}
	}
	// The trace has the final answer.
	tr, err := app.Chat.Trace(context.Background(), last.Doppel.TraceID)
	if err != nil || tr.Answer != text.String() || tr.Endpoint != "openai" || tr.Status != "ok" {
		t.Errorf("trace %+v, %v", tr, err)
	}
}

func TestOpenAINonStreamingAndModels(t *testing.T) {
	app := testenv.AppWithOllama(t)
	withHits(app)
	base := serve(t, app)
	resp := post(t, base+"/v1/chat/completions", `{"model":"`+testenv.ChatModel()+`","max_tokens":16,"temperature":0,"messages":[{"role":"user","content":"Hello"}]}`)
	var c server.OpenAICompletion
	json.NewDecoder(resp.Body).Decode(&c)
	resp.Body.Close()
	if resp.StatusCode != 200 || c.Object != "chat.completion" || c.Choices[0].Message.Content == "" || c.Usage.TotalTokens == 0 || c.Citations == nil || len(*c.Citations) != 2 {
		t.Fatalf("%d %+v", resp.StatusCode, c)
	}
	// RAG off: no citations, plain template.
	resp = post(t, base+"/v1/chat/completions", `{"model":"doppel","rag":false,"max_tokens":8,"messages":[{"role":"user","content":"Hello"}]}`)
	c = server.OpenAICompletion{}
	json.NewDecoder(resp.Body).Decode(&c)
	resp.Body.Close()
	if c.Citations == nil || len(*c.Citations) != 0 {
		t.Errorf("rag=false citations = %v", c.Citations)
	}
	tr, _ := app.Chat.Trace(context.Background(), c.Doppel.TraceID)
	if tr.TemplateName != rag.PlainTemplateName {
		t.Errorf("template = %s", tr.TemplateName)
	}
	resp, _ = http.Get(base + "/v1/models")
	var ml server.OpenAIModelList
	json.NewDecoder(resp.Body).Decode(&ml)
	resp.Body.Close()
	if ml.Object != "list" || len(ml.Data) < 2 || ml.Data[0].ID != "doppel" || ml.Data[0].OwnedBy != "doppel" {
		t.Errorf("models = %+v", ml)
	}
}

func TestOllamaStreamingFormat(t *testing.T) {
	app := testenv.AppWithOllama(t)
	withHits(app)
	base := serve(t, app)
	for _, c := range []struct{ path, body, field string }{
		{"/api/chat", `{"model":"doppel","messages":[{"role":"user","content":"Which database?"}],"options":{"num_predict":16,"temperature":0},"keep_alive":"5m"}`, "message"},
		{"/api/generate", `{"model":"doppel","prompt":"Which database?","options":{"num_predict":16,"temperature":0}}`, "response"},
	} {
		resp := post(t, base+c.path, c.body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" {
			t.Fatalf("%s: %d %s", c.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		sc := bufio.NewScanner(resp.Body)
		var lines []map[string]any
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("%s line %q: %v", c.path, sc.Text(), err)
			}
			lines = append(lines, m)
		}
		resp.Body.Close()
		if len(lines) < 3 {
			t.Fatalf("%s: %d lines", c.path, len(lines))
		}
		for _, l := range lines[:len(lines)-1] {
			if l["done"] != false || l[c.field] == nil || l["model"] != "doppel" {
				t.Errorf("%s line %v", c.path, l)
			}
		}
		last := lines[len(lines)-1]
		cites, _ := last["citations"].([]any)
		if last["done"] != true || last["eval_count"] == nil || len(cites) != 2 {
			t.Errorf("%s last line %v", c.path, last)
		}
	}
	// stream=false gives one object.
	resp := post(t, base+"/api/chat", `{"model":"doppel","stream":false,"messages":[{"role":"user","content":"Hi"}],"options":{"num_predict":8}}`)
	var one server.OllamaResponse
	json.NewDecoder(resp.Body).Decode(&one)
	resp.Body.Close()
	if !one.Done || one.Message == nil || one.Message.Content == "" || one.Citations == nil {
		t.Errorf("stream=false: %+v", one)
	}
	resp, _ = http.Get(base + "/api/tags")
	var tags server.OllamaTags
	json.NewDecoder(resp.Body).Decode(&tags)
	resp.Body.Close()
	if len(tags.Models) < 2 || tags.Models[0].Name != "doppel:latest" {
		t.Errorf("tags = %+v", tags)
	}
}

func TestClientDisconnectCancelsGeneration(t *testing.T) {
	app := testenv.AppWithOllama(t)
	base := serve(t, app)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/chat", strings.NewReader(
		`{"model":"doppel","rag":false,"messages":[{"role":"user","content":"Write a very long story about the sea."}],"options":{"num_predict":500}}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	if _, err := br.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	cancel()
	resp.Body.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ts, _ := app.Chat.Traces(context.Background(), chat.TraceFilter{})
		if len(ts) == 1 && ts[0].Status == "disconnected" {
			if ts[0].CompletionTokens >= 500 {
				t.Errorf("generation ran to the end")
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("trace not marked disconnected: %+v", ts)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// requireTool fails under the harness (DOPPEL_REQUIRE_OLLAMA=1) and skips
// otherwise when a client tool cannot be set up.
func requireTool(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv(testenv.EnvRequire) == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func TestOpenAIPythonClient(t *testing.T) {
	app := testenv.AppWithOllama(t)
	withHits(app)
	base := serve(t, app)
	script := filepath.Join(repoRoot(t), "scripts", "test-openai-client.sh")
	if out, err := exec.Command(script, "--setup").CombinedOutput(); err != nil {
		requireTool(t, "python openai client not available (%s --setup): %v\n%s", script, err, out)
	}
	out, err := exec.Command(script, base, "doppel").CombinedOutput()
	if err != nil {
		t.Fatalf("openai client against doppel: %v\n%s", err, out)
	}
	var got struct {
		Deltas          int              `json:"deltas"`
		Streamed        string           `json:"streamed"`
		StreamCitations []map[string]any `json:"stream_citations"`
		Citations       []map[string]any `json:"citations"`
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("client output %q: %v", out, err)
	}
	if got.Deltas < 2 || len(got.StreamCitations) != 2 || got.StreamCitations[0]["url"] != "https://blog.example/sqlite" || len(got.Citations) != 2 {
		t.Errorf("client saw %+v", got)
	}
}

func TestOllamaCLI(t *testing.T) {
	app := testenv.AppWithOllama(t)
	withHits(app)
	base := serve(t, app)
	bin := os.Getenv("DOPPEL_OLLAMA")
	if bin == "" {
		home, _ := os.UserHomeDir()
		matches, _ := filepath.Glob(filepath.Join(home, ".cache", "doppel", "ollama-*", "bin", "ollama"))
		if len(matches) > 0 {
			bin = matches[len(matches)-1]
		}
	}
	if bin == "" {
		requireTool(t, "no ollama binary (scripts/install-ollama.sh builds it)")
	}
	host := strings.TrimPrefix(base, "http://")
	env := append(os.Environ(), "OLLAMA_HOST="+host)
	if r, err := http.Get(base + "/api/tags"); err == nil {
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		t.Logf("tags: %d %s", r.StatusCode, b)
	}
	list := exec.Command(bin, "list")
	list.Env = env
	out, err := list.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "doppel:latest") || !strings.Contains(string(out), testenv.ChatModel()) {
		t.Fatalf("ollama list: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// Keep the answer short on shared CPUs: the twin alias runs with the
	// test chat model and at most 48 new tokens.
	for k, v := range map[string]string{chat.TwinModelSetting: testenv.ChatModel(), chat.NumPredictSetting: "48"} {
		if err := app.Settings.Set(context.Background(), k, v); err != nil {
			t.Fatal(err)
		}
	}
	run := exec.CommandContext(ctx, bin, "run", "doppel", "Which database do you use? Answer in one sentence.")
	run.Env = env
	var stderr strings.Builder
	run.Stderr = &stderr
	out, err = run.Output()
	if err != nil || len(strings.TrimSpace(string(out))) == 0 {
		t.Fatalf("ollama run: %v\n%s\n%s", err, out, stderr.String())
	}
	ts, _ := app.Chat.Traces(context.Background(), chat.TraceFilter{})
	if len(ts) != 1 || ts[0].Endpoint != "ollama.generate" || ts[0].Status != "ok" || len(ts[0].Chunks) != 2 {
		t.Fatalf("traces after ollama run: %+v", ts)
	}
	// The CLI printed the streamed answer (it re-wraps lines).
	if strings.Join(strings.Fields(string(out)), " ") != strings.Join(strings.Fields(ts[0].Answer), " ") {
		t.Errorf("ollama run printed %q, the trace says %q", out, ts[0].Answer)
	}
}

func TestInferenceRefusesOtherOrigins(t *testing.T) {
	base := serve(t, testenv.App(t))
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/v1/chat/completions", `{"model":"doppel","messages":[{"role":"user","content":"x"}]}`},
		{"POST", "/api/chat", `{"model":"doppel","messages":[{"role":"user","content":"x"}]}`},
		{"POST", "/api/generate", `{"model":"doppel","prompt":"x"}`},
		{"GET", "/api/v1/traces/export", ``},
		{"OPTIONS", "/v1/chat/completions", ``},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		req.Header.Set("Origin", "http://evil.example")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s %s from another origin: %d, ACAO %q", c.method, c.path, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	}
}
