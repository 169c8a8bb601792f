package dataset

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/ollama/ollama/tokenizer"
)

// TokenCounter counts the tokens of a text.
type TokenCounter interface {
	// Name is the model whose tokenizer counts ("smollm2:135m"); counts are
	// labelled "tokens (NAME tokenizer)".
	Name() string
	Count(s string) (int, error)
}

// Shower is the part of the Ollama api client that reads a model's
// metadata (its GGUF key/values, tokenizer included).
type Shower interface {
	Show(ctx context.Context, req *api.ShowRequest) (*api.ShowResponse, error)
}

// ErrNoTokenizer is returned when a model's tokenizer cannot be rebuilt
// here (an unknown tokenizer type or pre-tokenizer); counts then stay an
// estimate, labelled as one.
var ErrNoTokenizer = errors.New("tokenizer not supported")

// bpePretokenizers are llama.cpp's pre-tokenizer expressions by the GGUF
// key tokenizer.ggml.pre (llama-vocab.cpp), for the types Doppel's base
// models use. Counts made with them are checked against Ollama's own
// prompt_eval_count in TestOllamaTokenizerMatchesOllama.
var bpePretokenizers = map[string][]string{
	"default": nil, // the GPT-2 byte-level default of NewBytePairEncoding
	"gpt-2":   nil,
	"llama3":  {"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
	"llama-bpe": {
		"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
	},
	"qwen2": {"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
	// llama.cpp splits starcoder, refact and smollm text with two
	// expressions: every digit alone, then 's|'t|...| ?\p{L}+| ?\p{N}+|
	// ?[^\s\p{L}\p{N}]+|\s+(?!\S) on the rest, unmatched text becoming a
	// piece of its own. Ollama's splitter mishandles unmatched text between
	// matches of a second expression (it repeats the text before), so the
	// two are folded into one that matches everything.
	"smollm":    {starcoderPre},
	"refact":    {starcoderPre},
	"starcoder": {starcoderPre},
}

const starcoderPre = `\p{N}|'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

// ollamaTokenizer is a model's own tokenizer, rebuilt from the vocabulary
// and merges Ollama reports for it, with Ollama's pure-Go tokenizer package.
type ollamaTokenizer struct {
	name string
	tok  tokenizer.Tokenizer
}

func (t *ollamaTokenizer) Name() string { return t.name }

func (t *ollamaTokenizer) Count(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	ids, err := t.tok.Encode(s, false)
	if err != nil {
		return 0, fmt.Errorf("count tokens with the %s tokenizer: %w", t.name, err)
	}
	return len(ids), nil
}

// OllamaTokenizer returns the tokenizer of an Ollama model, read through
// the api (show, verbose: the GGUF tokenizer.ggml.* keys). It supports BPE
// (gpt2) tokenizers with the pre-tokenizers above and SentencePiece
// (llama) ones; others give ErrNoTokenizer.
func OllamaTokenizer(ctx context.Context, c Shower, model string) (TokenCounter, error) {
	resp, err := c.Show(ctx, &api.ShowRequest{Model: model, Verbose: true})
	if err != nil {
		return nil, fmt.Errorf("read the tokenizer of %s: %w", model, err)
	}
	mi := resp.ModelInfo
	str := func(k string) string { s, _ := mi[k].(string); return s }
	strs := func(k string) []string {
		a, _ := mi[k].([]any)
		out := make([]string, 0, len(a))
		for _, v := range a {
			s, _ := v.(string)
			out = append(out, s)
		}
		return out
	}
	nums := func(k string) []float64 {
		a, _ := mi[k].([]any)
		out := make([]float64, 0, len(a))
		for _, v := range a {
			f, _ := v.(float64)
			out = append(out, f)
		}
		return out
	}
	vocab := &tokenizer.Vocabulary{Values: strs("tokenizer.ggml.tokens"), Merges: strs("tokenizer.ggml.merges")}
	if len(vocab.Values) == 0 {
		return nil, fmt.Errorf("%s reports no vocabulary: %w", model, ErrNoTokenizer)
	}
	for _, f := range nums("tokenizer.ggml.token_type") {
		vocab.Types = append(vocab.Types, int32(f))
	}
	for _, f := range nums("tokenizer.ggml.scores") {
		vocab.Scores = append(vocab.Scores, float32(f))
	}
	if len(vocab.Types) != len(vocab.Values) {
		return nil, fmt.Errorf("%s: %d token types for %d tokens: %w", model, len(vocab.Types), len(vocab.Values), ErrNoTokenizer)
	}
	var tok tokenizer.Tokenizer
	switch kind := str("tokenizer.ggml.model"); kind {
	case "gpt2":
		pre := str("tokenizer.ggml.pre")
		exprs, ok := bpePretokenizers[pre]
		if !ok {
			return nil, fmt.Errorf("%s: BPE pre-tokenizer %q: %w", model, pre, ErrNoTokenizer)
		}
		tok = tokenizer.NewBytePairEncoding(vocab, exprs...)
	case "llama":
		if len(vocab.Scores) != len(vocab.Values) {
			return nil, fmt.Errorf("%s: SentencePiece without scores: %w", model, ErrNoTokenizer)
		}
		tok = tokenizer.NewSentencePiece(vocab)
	default:
		return nil, fmt.Errorf("%s: tokenizer type %q: %w", model, kind, ErrNoTokenizer)
	}
	return &ollamaTokenizer{name: model, tok: tok}, nil
}

// countTokens sets the token count of every sample with tc, on all cores.
// Samples keep their estimate when tc is nil.
func countTokens(ctx context.Context, tc TokenCounter, samples []Sample) error {
	if tc == nil {
		return nil
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				sm := &samples[i]
				total := 0
				for _, f := range []string{sm.System, sm.Instruction, sm.Input, sm.Output} {
					n, err := tc.Count(f)
					if err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
						break
					}
					total += n
				}
				sm.Tokens, sm.TokensEstimated = total, false
			}
		}()
	}
feed:
	for i := range samples {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// tokenCounter resolves the tokenizer of model ("" or "none": the
// estimate). When it cannot be used, it returns nil and a note saying why;
// the counts then stay an estimate, labelled as one.
func (s *Service) tokenCounter(ctx context.Context, model string) (TokenCounter, string) {
	if model == "" || model == "none" {
		return nil, ""
	}
	if tc, ok := s.tokenizers.Load(model); ok {
		return tc.(TokenCounter), ""
	}
	if s.client == nil {
		return nil, "the " + model + " tokenizer needs Ollama, which is not configured"
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := s.client(ctx)
	if err != nil {
		return nil, err.Error()
	}
	sh, ok := c.(Shower)
	if !ok {
		return nil, "the Ollama client cannot read model metadata"
	}
	tc, err := OllamaTokenizer(ctx, sh, model)
	if err != nil {
		return nil, err.Error()
	}
	s.tokenizers.Store(model, tc)
	return tc, ""
}
