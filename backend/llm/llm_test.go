package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseHost(t *testing.T) {
	cases := []struct {
		in, want string
		bad      bool
	}{
		{"127.0.0.1:11434", "http://127.0.0.1:11434", false},
		{"localhost", "http://localhost:11434", false},
		{"http://10.0.0.2:8080", "http://10.0.0.2:8080", false},
		{"https://ollama.example", "https://ollama.example:11434", false},
		{"", "", true},
		{"ftp://x:1", "", true},
	}
	for _, c := range cases {
		u, err := ParseHost(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("ParseHost(%q) = %v, want error", c.in, u)
			}
			continue
		}
		if err != nil || u.String() != c.want {
			t.Errorf("ParseHost(%q) = %v, %v; want %s", c.in, u, err, c.want)
		}
	}
}

func TestImportFilesRejectsNonModels(t *testing.T) {
	dir := t.TempDir()
	notGGUF := filepath.Join(dir, "model.gguf")
	os.WriteFile(notGGUF, []byte("PK\x03\x04 a zip, not gguf"), 0o644)
	noConfig := filepath.Join(dir, "folder")
	os.MkdirAll(noConfig, 0o755)
	os.WriteFile(filepath.Join(noConfig, "model.safetensors"), []byte("x"), 0o644)
	noWeights := filepath.Join(dir, "noweights")
	os.MkdirAll(noWeights, 0o755)
	os.WriteFile(filepath.Join(noWeights, "config.json"), []byte("{}"), 0o644)
	good := filepath.Join(dir, "good.gguf")
	os.WriteFile(good, []byte("GGUF\x03\x00\x00\x00"), 0o644)

	cases := []struct {
		path    string
		wantErr string
	}{
		{notGGUF, "not a GGUF file"},
		{noConfig, "no config.json"},
		{noWeights, "no .safetensors"},
		{filepath.Join(dir, "missing.gguf"), "no such file"},
		{good, ""},
	}
	for _, c := range cases {
		_, err := ImportFiles(c.path)
		if c.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v", c.path, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: error %v, want one naming the path and %q", c.path, err, c.wantErr)
		}
	}
}

// A server that answers garbage is reported as unreachable with its URL,
// and a model list through it fails with a clear error instead of a crash.
func TestGarbageServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>definitely not ollama"))
	}))
	defer srv.Close()
	t.Setenv("OLLAMA_HOST", srv.URL)
	t.Setenv("DOPPEL_OLLAMA", filepath.Join(t.TempDir(), "no-ollama"))
	e := NewEngine(t.TempDir(), nil)
	st := e.Status(context.Background())
	if st.Reachable || st.URL != srv.URL {
		t.Fatalf("status %+v", st)
	}
	_, err := NewModels(e).List(context.Background())
	if err == nil || !errors.Is(err, ErrNoOllama) || !strings.Contains(err.Error(), srv.URL) {
		t.Fatalf("List error = %v; want ErrNoOllama naming %s", err, srv.URL)
	}
}

// An Ollama that disappears in the middle of a pull gives an error naming
// the model; a real server cannot be made to do this on demand.
func TestPullServerDisappears(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/version":
			fmt.Fprint(w, `{"version":"0.17.4"}`)
		case "/api/pull":
			w.Header().Set("Content-Type", "application/x-ndjson")
			fmt.Fprintln(w, `{"status":"pulling manifest"}`)
			fmt.Fprintln(w, `{"status":"pulling abc","digest":"sha256:abc","total":1000,"completed":100}`)
			w.(http.Flusher).Flush()
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
		}
	}))
	defer srv.Close()
	t.Setenv("OLLAMA_HOST", srv.URL)
	m := NewModels(NewEngine(t.TempDir(), nil))
	var seen []Progress
	err := m.Pull(context.Background(), "qwen2.5:0.5b", func(p Progress) error { seen = append(seen, p); return nil })
	if err == nil || !strings.Contains(err.Error(), "qwen2.5:0.5b") {
		t.Fatalf("err = %v", err)
	}
	if len(seen) < 2 || seen[1].Completed != 100 || seen[1].Total != 1000 {
		t.Fatalf("progress before the failure was not reported: %+v", seen)
	}
}

func TestNoBinaryIsAClearError(t *testing.T) {
	t.Setenv("OLLAMA_HOST", "")
	t.Setenv("DOPPEL_OLLAMA", filepath.Join(t.TempDir(), "absent"))
	_, err := NewEngine(t.TempDir(), nil).Client(context.Background())
	if !errors.Is(err, ErrNoOllama) || !strings.Contains(err.Error(), "install-ollama.sh") {
		t.Fatalf("err = %v", err)
	}
}

// The managed server: started on a free loopback port with its models under
// the data dir, shared with a second Engine through server.json, stopped on
// Close. Needs the ollama binary (scripts/install-ollama.sh).
func TestManagedServerLifecycle(t *testing.T) {
	bin, err := FindBinary()
	if err != nil {
		if os.Getenv("DOPPEL_REQUIRE_OLLAMA") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	t.Setenv("OLLAMA_HOST", "")
	dir := t.TempDir()
	ctx := context.Background()
	e := NewEngine(dir, nil)
	u, err := e.URL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := e.Status(ctx)
	if !st.Reachable || !st.Managed || st.Binary != bin || !strings.HasPrefix(u.Host, "127.0.0.1:") {
		t.Fatalf("status %+v url %s", st, u)
	}
	if _, err := os.Stat(filepath.Join(dir, "ollama", "models")); err != nil {
		t.Fatalf("models dir not under the data dir: %v", err)
	}
	// A second process on the same data dir reuses the running server.
	e2 := NewEngine(dir, nil)
	u2, err := e2.URL(ctx)
	if err != nil || u2.String() != u.String() {
		t.Fatalf("second engine got %v, %v; want %s", u2, err, u)
	}
	if e2.Status(ctx).Managed {
		t.Fatal("second engine claims to manage the server")
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := e.probe(ctx, u); err != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("managed server still answers after Close")
}
