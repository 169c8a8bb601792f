package feature

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/ollama/ollama/api"
)

// Errors callers branch on.
var (
	// ErrNotEmbeddingModel is returned for a model that cannot embed (a chat model).
	ErrNotEmbeddingModel = errors.New("not an embedding model")
	// ErrModelNotFound is returned when the model is not installed in Ollama.
	ErrModelNotFound = errors.New("model not found in Ollama")
)

// ClientSource hands out Ollama clients (llm.Engine does) and names the
// server for error messages.
type ClientSource interface {
	Client(ctx context.Context) (*api.Client, error)
}

// OllamaEmbedder embeds texts through Ollama's api Embed, in batches.
type OllamaEmbedder struct {
	src ClientSource
	// BatchSize is the number of texts per Embed call (default 32).
	BatchSize int

	mu      sync.Mutex
	checked map[string]bool // models known to have the embedding capability
}

// NewOllamaEmbedder returns an embedder over src.
func NewOllamaEmbedder(src ClientSource) *OllamaEmbedder {
	return &OllamaEmbedder{src: src, BatchSize: 32, checked: map[string]bool{}}
}

// Check verifies that model is installed and is an embedding model. A chat
// model is refused even though Ollama would embed with it (last-token
// vectors of a generation model make a poor index).
func (e *OllamaEmbedder) Check(ctx context.Context, model string) error {
	e.mu.Lock()
	ok := e.checked[model]
	e.mu.Unlock()
	if ok {
		return nil
	}
	c, err := e.src.Client(ctx)
	if err != nil {
		return fmt.Errorf("embedding model %s: %w", model, err)
	}
	show, err := c.Show(ctx, &api.ShowRequest{Model: model})
	if err != nil {
		return wrapModelErr(model, err)
	}
	caps := make([]string, len(show.Capabilities))
	for i, c := range show.Capabilities {
		caps[i] = string(c)
	}
	if len(caps) > 0 && !slices.Contains(caps, "embedding") {
		return fmt.Errorf("%s is %w (its capabilities: %s): choose one such as all-minilm, nomic-embed-text, mxbai-embed-large or bge-m3",
			model, ErrNotEmbeddingModel, strings.Join(caps, ", "))
	}
	e.mu.Lock()
	e.checked[model] = true
	e.mu.Unlock()
	return nil
}

func wrapModelErr(model string, err error) error {
	var se api.StatusError
	if errors.As(err, &se) && se.StatusCode == 404 || strings.Contains(err.Error(), "not found") {
		e := fmt.Errorf("embedding model %s: %w (install it on the Models page or with `doppel models pull %s`): %v", model, ErrModelNotFound, model, err)
		return e
	}
	return fmt.Errorf("embedding model %s: %w", model, err)
}

// Embed returns one vector per text, calling Embed in batches.
func (e *OllamaEmbedder) Embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	if err := e.Check(ctx, model); err != nil {
		return nil, err
	}
	c, err := e.src.Client(ctx)
	if err != nil {
		return nil, fmt.Errorf("embed with %s: %w", model, err)
	}
	bs := e.BatchSize
	if bs <= 0 {
		bs = 32
	}
	truncate := true
	out := make([][]float32, 0, len(texts))
	for i := 0; i < len(texts); i += bs {
		batch := texts[i:min(i+bs, len(texts))]
		resp, err := c.Embed(ctx, &api.EmbedRequest{Model: model, Input: batch, Truncate: &truncate})
		if err != nil {
			e.mu.Lock()
			delete(e.checked, model)
			e.mu.Unlock()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, wrapModelErr(model, err)
		}
		if len(resp.Embeddings) != len(batch) {
			return nil, fmt.Errorf("embed with %s: asked for %d vectors, got %d", model, len(batch), len(resp.Embeddings))
		}
		dims := len(resp.Embeddings[0])
		for _, v := range resp.Embeddings {
			if len(v) == 0 || len(v) != dims {
				return nil, fmt.Errorf("embed with %s: vectors of mixed or zero size (%d and %d)", model, dims, len(v))
			}
		}
		out = append(out, resp.Embeddings...)
	}
	return out, nil
}
