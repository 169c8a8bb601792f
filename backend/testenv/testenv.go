// Package testenv gives integration tests the real components the test
// harness (scripts/test.sh) starts: an Ollama server with the small offline
// models imported, and a fresh Doppel data dir per test.
//
// Without the harness (a plain `go test`), tests that need Ollama are
// skipped; under the harness DOPPEL_REQUIRE_OLLAMA=1 turns a missing server
// into a failure, so CI cannot pass by skipping.
package testenv

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/doppelhq/doppel/backend/doppel"
)

// Env var names set by scripts/test.sh.
const (
	EnvOllama     = "DOPPEL_TEST_OLLAMA_URL"
	EnvChatModel  = "DOPPEL_TEST_CHAT_MODEL"
	EnvEmbedModel = "DOPPEL_TEST_EMBED_MODEL"
	EnvRequire    = "DOPPEL_REQUIRE_OLLAMA"
)

// Ollama returns the URL of the harness's Ollama, skipping (or failing
// under the harness) when there is none.
func Ollama(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvOllama)
	if u == "" {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s is not set but %s=1: run the tests through scripts/test.sh", EnvOllama, EnvRequire)
		}
		t.Skipf("no test Ollama: set %s (scripts/test.sh does)", EnvOllama)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u+"/api/version", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("test Ollama at %s does not answer: %v", u, err)
	}
	resp.Body.Close()
	return u
}

// ChatModel is the small offline chat model imported by the harness.
func ChatModel() string { return envOr(EnvChatModel, "smollm2:135m") }

// EmbedModel is the offline embedding model imported by the harness.
func EmbedModel() string { return envOr(EnvEmbedModel, "all-minilm:l6-v2") }

func envOr(k, d string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return d
}

// App opens a Doppel backend on a fresh data dir in t.TempDir(). It does
// not set an Ollama URL: call AppWithOllama for tests that need the engine.
func App(t testing.TB) *doppel.App {
	t.Helper()
	a, err := doppel.Open(context.Background(), doppel.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// AppWithOllama opens a backend whose Settings point at the harness's Ollama.
func AppWithOllama(t testing.TB) *doppel.App {
	t.Helper()
	u := Ollama(t)
	a := App(t)
	if err := a.Settings.Set(context.Background(), "ollama_url", u); err != nil {
		t.Fatal(err)
	}
	return a
}
