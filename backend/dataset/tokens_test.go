package dataset

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ollama/ollama/api"
)

// TestOllamaTokenizerMatchesOllama counts texts with the tokenizer rebuilt
// from the model's metadata and compares each count with the one Ollama
// itself reports for the same raw prompt (prompt_eval_count).
func TestOllamaTokenizerMatchesOllama(t *testing.T) {
	c, model := ollamaClient(t)
	ctx := context.Background()
	tc, err := OllamaTokenizer(ctx, c, model)
	if err != nil {
		t.Fatal(err)
	}
	if tc.Name() != model {
		t.Errorf("name %q", tc.Name())
	}
	texts := []string{
		"I moved my blog to a static site generator last week.",
		"In 2023 I wrote 12345 lines of Go, and 678 of them were tests; 3.14159 is not a version number.",
		"```go\nfunc main() {\n\tfmt.Println(\"hello\")\n}\n```\n\n  Indented   spaces and\ttabs.",
		"Le café était fermé, alors j'ai écrit chez moi. Ça m'a plu! Ünïcödé — “quotes” and emoji 🎉.",
		"You'll see it's what we've done; they'd say I'm right. DON'T SHOUT.",
		strings.Repeat("Sentences repeat themselves in long posts. ", 20),
		"Line one.\n\nLine two\n\t  indented, it's the 1st of 3 'quoted' words;\r\n  x = y[0] + 42 // done\n",
	}
	for _, text := range texts {
		n, err := tc.Count(text)
		if err != nil {
			t.Fatal(err)
		}
		var want int
		stream := false
		err = c.Generate(ctx, &api.GenerateRequest{Model: model, Prompt: text, Raw: true, Stream: &stream,
			Options: map[string]any{"num_predict": 1, "temperature": 0}}, func(r api.GenerateResponse) error {
			if r.Done {
				want = r.PromptEvalCount
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%q: %d tokens, Ollama counts %d", text[:min(40, len(text))], n, want)
		}
	}
}

// fakeShower answers Show with fixed model info: the tokenizer types a real
// model in the harness cannot show on demand.
type fakeShower map[string]any

func (f fakeShower) Show(context.Context, *api.ShowRequest) (*api.ShowResponse, error) {
	return &api.ShowResponse{ModelInfo: f}, nil
}

func TestOllamaTokenizerUnsupported(t *testing.T) {
	toks := []any{"a", "b"}
	types := []any{1.0, 1.0}
	cases := []struct {
		name string
		info fakeShower
	}{
		{"no vocabulary", fakeShower{"tokenizer.ggml.model": "gpt2"}},
		{"unknown model type", fakeShower{"tokenizer.ggml.model": "rwkv", "tokenizer.ggml.tokens": toks, "tokenizer.ggml.token_type": types}},
		{"unknown pre-tokenizer", fakeShower{"tokenizer.ggml.model": "gpt2", "tokenizer.ggml.pre": "mystery", "tokenizer.ggml.tokens": toks, "tokenizer.ggml.token_type": types}},
		{"types missing", fakeShower{"tokenizer.ggml.model": "gpt2", "tokenizer.ggml.pre": "default", "tokenizer.ggml.tokens": toks}},
		{"sentencepiece without scores", fakeShower{"tokenizer.ggml.model": "llama", "tokenizer.ggml.tokens": toks, "tokenizer.ggml.token_type": types}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := OllamaTokenizer(context.Background(), c.info, "m")
			if !errors.Is(err, ErrNoTokenizer) {
				t.Fatalf("err %v, want ErrNoTokenizer", err)
			}
		})
	}
}

// TestBuildCountsTokens builds versions with the real model's tokenizer,
// with none, and with a model Ollama does not have (the estimate stays,
// labelled, with the reason).
func TestBuildCountsTokens(t *testing.T) {
	c, model := ollamaClient(t)
	ctx := context.Background()
	base := smallCorpus(t)
	s := New(base.db, func(context.Context) (Chatter, error) { return c, nil })
	tc, err := OllamaTokenizer(ctx, c, model)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		tokenizer, wantTokenizer, wantNote string
		estimated                          bool
	}{
		{model, model, "", false},
		{"none", "", "", true},
		{"", "", "", true}, // heuristic builds need no Ollama by default
		{"no-such-model:1", "", "no-such-model:1", true},
	}
	for _, c := range cases {
		t.Run(c.tokenizer, func(t *testing.T) {
			res, err := s.Build(ctx, BuildConfig{Tokenizer: c.tokenizer, TestRatio: -1}, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			v, err := s.Version(ctx, res.Version)
			if err != nil {
				t.Fatal(err)
			}
			st := v.Stats
			if st.Tokenizer != c.wantTokenizer || st.TokensEstimated != c.estimated || !strings.Contains(st.TokenizerNote, c.wantNote) {
				t.Fatalf("stats: tokenizer %q estimated %v note %q", st.Tokenizer, st.TokensEstimated, st.TokenizerNote)
			}
			samples, err := s.allSamples(ctx, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, sm := range samples {
				for _, f := range []string{sm.System, sm.Instruction, sm.Input, sm.Output} {
					if c.estimated {
						want += EstimateTokens(f)
					} else {
						n, _ := tc.Count(f)
						want += n
					}
				}
			}
			if st.Tokens != want || want == 0 {
				t.Errorf("tokens %d, want %d", st.Tokens, want)
			}
			label := st.TokensLabel()
			if c.estimated != strings.HasPrefix(label, "estimate") || (!c.estimated && label != model+" tokenizer") {
				t.Errorf("label %q", label)
			}
		})
	}
}
