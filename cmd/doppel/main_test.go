package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/doppelhq/doppel/backend/testenv"
)

// run executes the CLI in-process and returns stdout and the error.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	g = globals{}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, r)
		done <- b.String()
	}()
	rootCmd.SetArgs(args)
	err = rootCmd.ExecuteContext(context.Background())
	w.Close()
	os.Stdout = old
	out := <-done
	// Reset flags that cobra keeps between executions.
	for _, c := range rootCmd.Commands() {
		c.Flags().VisitAll(func(f *pflag.Flag) { _ = f.Value.Set(f.DefValue); f.Changed = false })
		for _, sc := range c.Commands() {
			sc.Flags().VisitAll(func(f *pflag.Flag) { _ = f.Value.Set(f.DefValue); f.Changed = false })
		}
	}
	return out, err
}

func TestVersionJSON(t *testing.T) {
	out, err := run(t, "version", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(out), &v); err != nil || v["version"] == "" {
		t.Fatalf("version output %q: %v", out, err)
	}
}

func TestStatusJSONWithOllama(t *testing.T) {
	t.Setenv("OLLAMA_HOST", testenv.Ollama(t))
	dir := t.TempDir()
	out, err := run(t, "--data-dir", dir, "status", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		DataDir       string `json:"data_dir"`
		SchemaVersion int    `json:"schema_version"`
		Ollama        struct {
			URL       string `json:"url"`
			Version   string `json:"version"`
			Reachable bool   `json:"reachable"`
		} `json:"ollama"`
		Models []struct {
			Name string `json:"name"`
			Kind string `json:"kind"`
		} `json:"models"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	if st.DataDir != dir || st.SchemaVersion < 1 || !st.Ollama.Reachable || st.Ollama.Version == "" || st.Ollama.URL == "" {
		t.Fatalf("status %+v", st)
	}
	kinds := map[string]string{}
	for _, m := range st.Models {
		kinds[m.Name] = m.Kind
	}
	if kinds[testenv.ChatModel()] != "chat" || kinds[testenv.EmbedModel()] != "embedding" {
		t.Fatalf("models %v", kinds)
	}

	out, err = run(t, "--data-dir", dir, "models", "list", "--json")
	if err != nil || !strings.Contains(out, testenv.ChatModel()) {
		t.Fatalf("models list: %v %q", err, out)
	}
	out, err = run(t, "--data-dir", dir, "jobs", "list", "--json")
	if err != nil || strings.TrimSpace(out) != "[]" {
		t.Fatalf("jobs list: %v %q", err, out)
	}
}

func TestCLIErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "afile")
	os.WriteFile(file, []byte("x"), 0o644)
	notGGUF := filepath.Join(t.TempDir(), "x.gguf")
	os.WriteFile(notGGUF, []byte("nope"), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--data-dir", filepath.Join(file, "sub"), "status"}, file},
		{[]string{"--data-dir", t.TempDir(), "jobs", "cancel", "abc"}, `bad job id "abc"`},
		{[]string{"--data-dir", t.TempDir(), "jobs", "cancel", "77"}, "job 77"},
		{[]string{"--data-dir", t.TempDir(), "models", "import", notGGUF}, "not a GGUF file"},
		{[]string{"serve", "--addr", "0.0.0.0:0"}, "without a token"},
		{[]string{"nosuchcommand"}, "unknown command"},
		{[]string{"--data-dir", t.TempDir(), "eval", "model", "nope:v1"}, "model nope:v1: not found"},
		{[]string{"--data-dir", t.TempDir(), "eval", "show", "abc"}, `evaluation id "abc"`},
		{[]string{"--data-dir", t.TempDir(), "eval", "show", "9"}, "evaluation 9: not found"},
		{[]string{"--data-dir", t.TempDir(), "models", "reject", "nope:v1"}, "model nope:v1"},
	}
	for _, c := range cases {
		_, err := run(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one containing %q", c.args, err, c.want)
		}
	}
}

func TestEvalListEmptyJSON(t *testing.T) {
	out, err := run(t, "--data-dir", t.TempDir(), "--json", "eval", "list")
	if err != nil || strings.TrimSpace(out) != "[]" {
		t.Fatalf("eval list --json on a new data dir: %q, %v", out, err)
	}
}
