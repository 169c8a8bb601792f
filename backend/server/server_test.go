package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/doppelhq/doppel/backend/server"
	"github.com/doppelhq/doppel/backend/testenv"
)

func newServer(t *testing.T, opts server.Options) (*server.Server, *httptest.Server) {
	t.Helper()
	app := testenv.App(t)
	s := server.New(app, opts)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts
}

func do(t *testing.T, method, url, body string, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMalformedRequests(t *testing.T) {
	_, ts := newServer(t, server.Options{})
	big := `{"name":"` + strings.Repeat("x", server.MaxBody+10) + `"}`
	cases := []struct {
		name, method, path, body string
		status                   int
		msg                      string
	}{
		{"empty body", "POST", "/api/v1/models/pull", "", 400, "empty"},
		{"not json", "POST", "/api/v1/models/pull", "name=x", 400, "malformed JSON"},
		{"unknown field", "POST", "/api/v1/models/pull", `{"model":"x"}`, 400, "unknown field"},
		{"trailing data", "POST", "/api/v1/models/pull", `{"name":"x"} {}`, 400, "trailing"},
		{"wrong type", "POST", "/api/v1/models/pull", `{"name":5}`, 400, "malformed JSON"},
		{"missing name", "POST", "/api/v1/models/pull", `{"name":"  "}`, 400, "name is required"},
		{"too large", "POST", "/api/v1/models/pull", big, 413, "over"},
		{"import without path", "POST", "/api/v1/models/import", `{"name":"a"}`, 400, "required"},
		{"import not a model", "POST", "/api/v1/models/import", `{"name":"a","path":"/etc/hostname"}`, 400, "/etc/hostname"},
		{"bad job id", "GET", "/api/v1/jobs/abc", "", 400, "bad job id"},
		{"unknown job", "GET", "/api/v1/jobs/424242", "", 404, "not found"},
		{"cancel unknown job", "POST", "/api/v1/jobs/424242/cancel", "", 404, "not found"},
		{"bad limit", "GET", "/api/v1/jobs?limit=-1", "", 400, "bad limit"},
		{"bad settings url", "PUT", "/api/v1/settings", `{"ollama_url":"ftp://x"}`, 400, "scheme"},
		{"bad gate", "PUT", "/api/v1/settings", `{"eval_gate":"sometimes"}`, 400, "want off or auto"},
		{"evaluate unknown model", "POST", "/api/v1/evaluations", `{"model":"nope:v1"}`, 404, "model nope:v1"},
		{"evaluate without model", "POST", "/api/v1/evaluations", `{}`, 400, "a model is required"},
		{"evaluate too many samples", "POST", "/api/v1/evaluations", `{"model":"x:v1","samples":5000}`, 400, "samples must be"},
		{"evaluate unknown field", "POST", "/api/v1/evaluations", `{"modle":"x:v1"}`, 400, "unknown field"},
		{"bad evaluation id", "GET", "/api/v1/evaluations/x", "", 400, "bad evaluation id"},
		{"unknown evaluation", "GET", "/api/v1/evaluations/99", "", 404, "evaluation 99: not found"},
		{"unknown route", "GET", "/api/v1/nope", "", 404, "no API route"},
		{"wrong method", "DELETE", "/api/v1/status", "", 404, "no API route DELETE /api/v1/status"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := do(t, c.method, ts.URL+c.path, c.body, map[string]string{"Content-Type": "application/json"})
			if status != c.status {
				t.Fatalf("status %d, want %d (body %s)", status, c.status, body)
			}
			if c.msg != "" {
				var e struct{ Error string }
				if err := json.Unmarshal([]byte(body), &e); err != nil {
					t.Fatalf("error body is not JSON: %q", body)
				}
				if !strings.Contains(e.Error, c.msg) {
					t.Fatalf("error %q lacks %q", e.Error, c.msg)
				}
			}
		})
	}
}

func TestTokenAndOrigin(t *testing.T) {
	assets := fstest.MapFS{"index.html": {Data: []byte("<html>ui</html>")}}
	_, ts := newServer(t, server.Options{Token: "s3cret", Assets: assets})
	cases := []struct {
		name, path string
		hdr        map[string]string
		status     int
	}{
		{"no token", "/api/v1/settings", nil, 401},
		{"wrong token", "/api/v1/settings", map[string]string{"Authorization": "Bearer nope"}, 401},
		{"right token", "/api/v1/settings", map[string]string{"Authorization": "Bearer s3cret"}, 200},
		{"query token (EventSource)", "/api/v1/settings?access_token=s3cret", nil, 200},
		{"static UI needs no token", "/", nil, 200},
		{"client route falls back to the UI", "/some/page", nil, 200},
		{"foreign origin refused", "/api/v1/settings", map[string]string{"Authorization": "Bearer s3cret", "Origin": "http://evil.example"}, 403},
		{"desktop origin allowed", "/api/v1/settings", map[string]string{"Authorization": "Bearer s3cret", "Origin": "wails://wails"}, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := do(t, "GET", ts.URL+c.path, "", c.hdr)
			if status != c.status {
				t.Fatalf("status %d, want %d: %s", status, c.status, body)
			}
		})
	}
	// Same-origin requests (the page the server served) pass.
	status, _ := do(t, "GET", ts.URL+"/api/v1/settings", "", map[string]string{"Authorization": "Bearer s3cret", "Origin": ts.URL})
	if status != 200 {
		t.Fatalf("same origin: %d", status)
	}
}

func TestCheckListen(t *testing.T) {
	cases := []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:8765", "", true},
		{"localhost:8765", "", true},
		{"[::1]:8765", "", true},
		{"0.0.0.0:8765", "", false},
		{"192.168.1.5:8765", "", false},
		{"0.0.0.0:8765", "tok", true},
		{"nonsense", "", false},
	}
	for _, c := range cases {
		err := server.CheckListen(c.addr, c.token)
		if (err == nil) != c.ok {
			t.Errorf("CheckListen(%q, %q) = %v", c.addr, c.token, err)
		}
	}
}

// Every registered route is in the OpenAPI document.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	s, ts := newServer(t, server.Options{})
	status, body := do(t, "GET", ts.URL+"/api/v1/openapi.json", "", nil)
	if status != 200 {
		t.Fatal(status)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	for _, r := range s.Routes() {
		p := strings.ReplaceAll(r.Path, "...}", "}")
		if _, ok := doc.Paths[p][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s missing from the OpenAPI document", r.Method, p)
		}
	}
	if !strings.Contains(body, `"name"`) {
		t.Error("request schemas are missing")
	}
}

// A job change made through the API arrives on the SSE stream.
func TestJobEventsStream(t *testing.T) {
	s, ts := newServer(t, server.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/api/v1/jobs/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	j, err := s.App().Jobs.Create(ctx, "test", "visible job", nil)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "data: ") && strings.Contains(line, "visible job") {
			var got struct {
				ID     int64  `json:"id"`
				Status string `json:"status"`
			}
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &got); err != nil {
				t.Fatal(err)
			}
			if got.ID != j.ID || got.Status != "queued" {
				t.Fatalf("event %+v", got)
			}
			return
		}
	}
	t.Fatalf("stream ended without the job: %v", sc.Err())
}

// With the real Ollama: status reports it and its models; a model import
// through the API runs as a job to success.
func TestStatusAndImportJobWithOllama(t *testing.T) {
	app := testenv.AppWithOllama(t)
	ts := httptest.NewServer(server.New(app, server.Options{}).Handler())
	defer ts.Close()
	status, body := do(t, "GET", ts.URL+"/api/v1/status", "", nil)
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	var st struct {
		DataDir       string `json:"data_dir"`
		SchemaVersion int    `json:"schema_version"`
		Ollama        struct {
			Reachable bool   `json:"reachable"`
			Version   string `json:"version"`
		} `json:"ollama"`
		Models []struct {
			Name string `json:"name"`
		} `json:"models"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if !st.Ollama.Reachable || st.Ollama.Version == "" || st.DataDir != app.DataDir || st.SchemaVersion == 0 {
		t.Fatalf("status %+v", st)
	}
	names := map[string]bool{}
	for _, m := range st.Models {
		names[m.Name] = true
	}
	if !names[testenv.ChatModel()] || !names[testenv.EmbedModel()] {
		t.Fatalf("offline models missing: %v", names)
	}
}
