package llm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/doppelhq/doppel/models"
)

// Model is one model installed in Ollama.
type Model struct {
	Name          string    `json:"name"`
	Size          int64     `json:"size"`
	Digest        string    `json:"digest"`
	ModifiedAt    time.Time `json:"modified_at"`
	Family        string    `json:"family"`
	ParameterSize string    `json:"parameter_size"`
	Quantization  string    `json:"quantization"`
	// Kind is "embedding" or "chat", from the model's capabilities.
	Kind string `json:"kind"`
}

// Progress is one step of a pull or import.
type Progress struct {
	// Status is a human-readable phase ("hashing model.gguf", "pulling …").
	Status    string `json:"status"`
	Completed int64  `json:"completed"`
	Total     int64  `json:"total"`
}

// ErrStreamCut is returned when Ollama's progress stream ends before it
// reported success (the server stopped or the connection dropped).
var ErrStreamCut = errors.New("Ollama stopped answering before the operation finished")

// ErrBadImport is wrapped by errors about an import path that cannot be a model.
var ErrBadImport = errors.New("not an importable model")

// Models manages the models of an Engine.
type Models struct{ engine *Engine }

// NewModels returns the model manager for e.
func NewModels(e *Engine) *Models { return &Models{engine: e} }

// List returns the installed models, sorted by name.
func (m *Models) List(ctx context.Context) ([]Model, error) {
	c, err := m.engine.Client(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := c.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list Ollama models: %w", err)
	}
	out := make([]Model, 0, len(resp.Models))
	for _, lm := range resp.Models {
		mod := Model{
			Name: lm.Name, Size: lm.Size, Digest: lm.Digest, ModifiedAt: lm.ModifiedAt,
			Family: lm.Details.Family, ParameterSize: lm.Details.ParameterSize, Quantization: lm.Details.QuantizationLevel,
			Kind: "chat",
		}
		if isEmbeddingFamily(lm.Details.Family) {
			mod.Kind = "embedding"
		}
		if show, err := c.Show(ctx, &api.ShowRequest{Model: lm.Name}); err == nil {
			for _, cap := range show.Capabilities {
				if string(cap) == "embedding" {
					mod.Kind = "embedding"
				}
			}
		}
		out = append(out, mod)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func isEmbeddingFamily(f string) bool {
	switch strings.ToLower(f) {
	case "bert", "nomic-bert", "nomic-bert-moe":
		return true
	}
	return false
}

// Pull downloads a model from the Ollama registry, reporting progress.
func (m *Models) Pull(ctx context.Context, name string, fn func(Progress) error) error {
	if strings.TrimSpace(name) == "" {
		return errors.New("pull: model name is empty")
	}
	c, err := m.engine.Client(ctx)
	if err != nil {
		return err
	}
	success := false
	// An explicit http:// registry (a mirror on the LAN or loopback) is the
	// user's choice of plain HTTP.
	insecure := strings.HasPrefix(name, "http://")
	err = c.Pull(ctx, &api.PullRequest{Model: name, Insecure: insecure}, func(p api.ProgressResponse) error {
		success = p.Status == "success"
		return fn(Progress{Status: p.Status, Completed: p.Completed, Total: p.Total})
	})
	if err != nil {
		return fmt.Errorf("pull %s: %w", name, err)
	}
	// The client treats a dropped stream as its end: only "success" is one.
	if !success {
		return fmt.Errorf("pull %s: %w", name, ErrStreamCut)
	}
	return nil
}

// Delete removes a model from Ollama.
func (m *Models) Delete(ctx context.Context, name string) error {
	c, err := m.engine.Client(ctx)
	if err != nil {
		return err
	}
	if err := c.Delete(ctx, &api.DeleteRequest{Model: name}); err != nil {
		return fmt.Errorf("delete model %s: %w", name, err)
	}
	return nil
}

// ImportRequest describes a local model to bring into Ollama.
type ImportRequest struct {
	// Name is the Ollama model name to create (name[:tag]).
	Name string `json:"name"`
	// Path is a GGUF file or a safetensors folder (with config.json).
	Path string `json:"path"`
	// Template is an Ollama Go chat template; empty uses the catalog's
	// template when Name is a catalog model.
	Template string `json:"template,omitempty"`
	// System is an optional system prompt.
	System string `json:"system,omitempty"`
	// Parameters are Modelfile parameters (stop, temperature, num_ctx…).
	Parameters map[string]any `json:"parameters,omitempty"`
	// Adapter is an optional LoRA adapter (GGUF file or PEFT folder).
	Adapter string `json:"adapter,omitempty"`
}

// safetensors folders: the files Ollama's converter reads.
var folderFiles = []string{"config.json", "tokenizer.json", "tokenizer_config.json", "tokenizer.model",
	"special_tokens_map.json", "generation_config.json", "vocab.txt", "added_tokens.json",
	"modules.json", "sentence_bert_config.json", "adapter_config.json", "1_Pooling/config.json"}

// ImportFiles lists the files to upload for path, checking it is a model.
func ImportFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	if !st.IsDir() {
		if err := checkGGUF(path); err != nil {
			return nil, err
		}
		return []string{path}, nil
	}
	cfg := filepath.Join(path, "config.json")
	if _, err := os.Stat(cfg); err != nil {
		if _, err2 := os.Stat(filepath.Join(path, "adapter_config.json")); err2 != nil {
			return nil, fmt.Errorf("import %s: folder has no config.json: %w", path, ErrBadImport)
		}
	}
	var out []string
	for _, f := range folderFiles {
		p := filepath.Join(path, f)
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	st2, _ := filepath.Glob(filepath.Join(path, "*.safetensors"))
	if len(st2) == 0 {
		return nil, fmt.Errorf("import %s: folder has no .safetensors files: %w", path, ErrBadImport)
	}
	out = append(out, st2...)
	return out, nil
}

func checkGGUF(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	defer f.Close()
	magic := make([]byte, 4)
	if _, err := io.ReadFull(f, magic); err != nil || !bytes.Equal(magic, []byte("GGUF")) {
		return fmt.Errorf("import %s: not a GGUF file (no GGUF magic bytes): %w", path, ErrBadImport)
	}
	return nil
}

// Import uploads a GGUF file or safetensors folder and creates the model,
// reporting hashing, upload and create progress. The model is smoke-tested
// afterwards, since Ollama's create does not validate tensors; a model that
// fails the smoke test is deleted again.
func (m *Models) Import(ctx context.Context, req ImportRequest, fn func(Progress) error) error {
	if strings.TrimSpace(req.Name) == "" {
		return errors.New("import: model name is empty")
	}
	paths, err := ImportFiles(req.Path)
	if err != nil {
		return err
	}
	c, err := m.engine.Client(ctx)
	if err != nil {
		return err
	}
	var total int64
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("import %s: %w", p, err)
		}
		total += st.Size()
	}
	files := map[string]string{}
	var done int64
	for _, p := range paths {
		rel := filepath.Base(p)
		if fi, _ := os.Stat(req.Path); fi != nil && fi.IsDir() {
			rel, _ = filepath.Rel(req.Path, p)
		}
		// Each byte counts twice: once hashed, once uploaded.
		st, _ := os.Stat(p)
		size := st.Size()
		digest, err := fileDigest(ctx, p, func(n int64) error {
			return fn(Progress{Status: "hashing " + rel, Completed: 2*done + n, Total: 2 * total})
		})
		if err != nil {
			return err
		}
		if err := uploadBlob(ctx, c, p, digest, func(n int64) error {
			return fn(Progress{Status: "uploading " + rel, Completed: 2*done + size + n, Total: 2 * total})
		}); err != nil {
			return err
		}
		done += size
		files[filepath.ToSlash(rel)] = digest
	}
	cr := &api.CreateRequest{Model: req.Name, Files: files, System: req.System, Parameters: req.Parameters, Template: req.Template}
	if entry, ok := models.Lookup(req.Name); ok {
		if cr.Template == "" && entry.Template != "" {
			t, err := models.Template(entry.Template)
			if err != nil {
				return err
			}
			cr.Template = t
		}
		if _, ok := cr.Parameters["stop"]; !ok && len(entry.Stop) > 0 {
			if cr.Parameters == nil {
				cr.Parameters = map[string]any{}
			}
			cr.Parameters["stop"] = entry.Stop
		}
	}
	if req.Adapter != "" {
		ap, err := ImportFiles(req.Adapter)
		if err != nil {
			return err
		}
		cr.Adapters = map[string]string{}
		for _, p := range ap {
			d, err := fileDigest(ctx, p, func(int64) error { return nil })
			if err != nil {
				return err
			}
			if err := uploadBlob(ctx, c, p, d, func(int64) error { return nil }); err != nil {
				return err
			}
			rel := filepath.Base(p)
			if fi, _ := os.Stat(req.Adapter); fi != nil && fi.IsDir() {
				rel, _ = filepath.Rel(req.Adapter, p)
			}
			cr.Adapters[filepath.ToSlash(rel)] = d
		}
	}
	total *= 2
	if err := fn(Progress{Status: "creating " + req.Name, Completed: total, Total: total}); err != nil {
		return err
	}
	created := false
	err = c.Create(ctx, cr, func(p api.ProgressResponse) error {
		created = p.Status == "success"
		return fn(Progress{Status: p.Status, Completed: total, Total: total})
	})
	if err == nil && !created {
		err = ErrStreamCut
	}
	if err != nil {
		return fmt.Errorf("create model %s from %s: %w", req.Name, req.Path, err)
	}
	if err := fn(Progress{Status: "checking " + req.Name, Completed: total, Total: total}); err != nil {
		return err
	}
	if err := m.Smoke(ctx, req.Name); err != nil {
		_ = c.Delete(context.WithoutCancel(ctx), &api.DeleteRequest{Model: req.Name})
		return fmt.Errorf("model %s from %s was created but does not run, so it was removed: %w", req.Name, req.Path, err)
	}
	return fn(Progress{Status: "success", Completed: total, Total: total})
}

// Smoke loads a model once: an embedding for embedding models, a one-token
// generation otherwise.
func (m *Models) Smoke(ctx context.Context, name string) error {
	c, err := m.engine.Client(ctx)
	if err != nil {
		return err
	}
	show, err := c.Show(ctx, &api.ShowRequest{Model: name})
	if err != nil {
		return fmt.Errorf("show %s: %w", name, err)
	}
	embedding := isEmbeddingFamily(show.Details.Family)
	for _, cap := range show.Capabilities {
		if string(cap) == "embedding" {
			embedding = true
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if embedding {
		if _, err := c.Embed(ctx, &api.EmbedRequest{Model: name, Input: "hello"}); err != nil {
			return fmt.Errorf("embed with %s: %w", name, err)
		}
		return nil
	}
	stream := false
	err = c.Generate(ctx, &api.GenerateRequest{Model: name, Prompt: "Hi", Stream: &stream, Options: map[string]any{"num_predict": 1}},
		func(api.GenerateResponse) error { return nil })
	if err != nil {
		return fmt.Errorf("generate with %s: %w", name, err)
	}
	return nil
}

type countingReader struct {
	r  io.Reader
	n  int64
	fn func(int64) error
	t  time.Time
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if time.Since(c.t) > 100*time.Millisecond || err == io.EOF {
		c.t = time.Now()
		if ferr := c.fn(c.n); ferr != nil {
			return n, ferr
		}
	}
	return n, err
}

func fileDigest(ctx context.Context, path string, fn func(int64) error) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	cr := &countingReader{r: f, fn: func(n int64) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fn(n)
	}}
	if _, err := io.Copy(h, cr); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func uploadBlob(ctx context.Context, c *api.Client, path, digest string, fn func(int64) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("upload %s: %w", path, err)
	}
	defer f.Close()
	if err := c.CreateBlob(ctx, digest, &countingReader{r: f, fn: fn}); err != nil {
		return fmt.Errorf("upload %s: %w", path, err)
	}
	return nil
}
