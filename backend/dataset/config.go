package dataset

import (
	"errors"
	"fmt"
	"os"
	"strconv"
)

// Generators.
const (
	GenHeuristic  = "heuristic"
	GenLLM        = "llm"
	GenPreference = "preference"
)

// Sample kinds.
const (
	KindInstruct   = "instruct"
	KindPreference = "preference"
)

// Drop reasons, counted in a version's stats (every dropped sample or
// extract has exactly one).
const (
	DropLength        = "length"
	DropLanguage      = "language"
	DropBoilerplate   = "boilerplate"
	DropDuplicate     = "duplicate"
	DropNearDuplicate = "near_duplicate"
	DropInvalidJSON   = "invalid_json"
	DropRefusal       = "refusal"
	DropPromptEcho    = "prompt_echo"
	DropIncomplete    = "incomplete_sentences"
	DropNoInstruction = "no_instruction"
	DropEmptyDocument = "empty_document"
	// A preference build from a version skips the samples rejected there
	// and those whose document is now excluded or deleted.
	DropRejectedInSource = "rejected_in_source"
	DropDocumentGone     = "document_gone"
	// StrippedLines counts boilerplate lines cut from documents before
	// extraction (lines, not samples).
	StrippedLines = "boilerplate_lines_stripped"
)

// Filters configures the quality filters.
type Filters struct {
	// MinInstruction and MinAnswer are the shortest instruction and answer
	// kept, in characters; MaxAnswer the longest.
	MinInstruction int `json:"min_instruction"`
	MinAnswer      int `json:"min_answer"`
	MaxAnswer      int `json:"max_answer"`
	// Language is the ISO 639-3 code answers must be in ("" = the majority
	// language of the documents; "any" = no language filter).
	Language string `json:"language"`
	// NearDuplicate is the estimated Jaccard similarity (MinHash over word
	// 5-shingles) at or above which a later answer counts as a near-duplicate.
	NearDuplicate float64 `json:"near_duplicate"`
	// Boilerplate is the share of boilerplate lines (subscribe, share,
	// copyright, cookie, navigation…) at or above which a sample is dropped.
	Boilerplate float64 `json:"boilerplate"`
}

// BuildConfig is everything a build depends on; its hash (with the input
// documents) keys the build's resumable progress, and it is recorded in the
// version.
type BuildConfig struct {
	// Generator is heuristic, llm or preference.
	Generator string `json:"generator"`
	// Model is the Ollama model of the llm and preference generators.
	Model string `json:"model,omitempty"`
	// PairsPerChunk: 1 keeps the extract itself as the answer (llm writes the
	// instruction); N > 1 asks for N pairs whose answers the model writes from
	// the extract in the author's style.
	PairsPerChunk int `json:"pairs_per_chunk"`
	// Attempts is the most model calls per extract of the llm generator
	// (default 3): retries follow invalid or truncated JSON, refusals and
	// prompt echoes. 1 trades the pairs retries recover for throughput.
	Attempts int `json:"attempts,omitempty"`
	// TestRatio is the share of documents in the test split (0 = the
	// default 0.1; negative = no test split).
	TestRatio float64 `json:"test_ratio"`
	// Seed fixes the split.
	Seed int64 `json:"seed"`
	// System is the system message of every sample.
	System  string  `json:"system"`
	Filters Filters `json:"filters"`
	// Prompts are the generator's prompts (filled with defaults and recorded).
	Prompts Prompts `json:"prompts"`
	// Tokenizer names the Ollama model whose tokenizer counts the samples'
	// tokens (normally the base model you will train). "" = the service's
	// default base for the model generators and the chars/4 estimate for the
	// heuristic one (which needs no Ollama); "none" = the estimate.
	Tokenizer string `json:"tokenizer,omitempty"`
	// From is an instruct version whose instructions the preference
	// generator answers (instead of heuristic ones); its answers must be the
	// author's text (heuristic, or llm with one pair per extract). Recorded
	// as the full version id.
	From string `json:"from,omitempty"`
	// Concurrency bounds parallel model calls (0 = OLLAMA_NUM_PARALLEL + 1).
	// Not part of the build key: it does not change the output.
	Concurrency int `json:"-"`
}

// Prompts are the texts the model generators send.
type Prompts struct {
	System       string `json:"system,omitempty"`
	Instructions string `json:"instructions,omitempty"`
	Pairs        string `json:"pairs,omitempty"`
	Rejected     string `json:"rejected,omitempty"`
}

// DefaultSystem is the system message of samples unless configured.
const DefaultSystem = "You are the author of these texts. Answer in your own voice and style."

// Normalize fills defaults and validates.
func (c *BuildConfig) Normalize() error {
	if c.Generator == "" {
		c.Generator = GenHeuristic
	}
	switch c.Generator {
	case GenHeuristic:
		c.Model = ""
		c.PairsPerChunk = 1
		c.Prompts = Prompts{}
	case GenLLM, GenPreference:
		if c.Model == "" {
			return fmt.Errorf("the %s generator needs a model (--llm MODEL)", c.Generator)
		}
	default:
		return fmt.Errorf("unknown generator %q (want heuristic, llm or preference)", c.Generator)
	}
	if c.Generator == GenLLM {
		if c.Attempts == 0 {
			c.Attempts = 3
		}
		if c.Attempts < 1 || c.Attempts > 10 {
			return fmt.Errorf("attempts %d: want 1..10", c.Attempts)
		}
	} else {
		c.Attempts = 0
	}
	if c.From != "" && c.Generator != GenPreference {
		return fmt.Errorf("--from VERSION works with the preference generator, not %s", c.Generator)
	}
	if c.PairsPerChunk == 0 {
		c.PairsPerChunk = 1
	}
	if c.PairsPerChunk < 1 || c.PairsPerChunk > 10 {
		return fmt.Errorf("pairs per chunk %d: want 1..10", c.PairsPerChunk)
	}
	if c.Generator == GenPreference {
		c.PairsPerChunk = 1
	}
	if c.TestRatio == 0 {
		c.TestRatio = 0.1
	}
	if c.TestRatio < 0 {
		c.TestRatio = -1 // no test split; stays negative so Normalize is idempotent
	}
	if c.TestRatio >= 1 {
		return fmt.Errorf("test ratio %g: want 0 < r < 1 (or -1 for no test split)", c.TestRatio)
	}
	if c.Seed == 0 {
		c.Seed = 42
	}
	if c.System == "" {
		c.System = DefaultSystem
	}
	f := &c.Filters
	if f.MinInstruction == 0 {
		f.MinInstruction = 10
	}
	if f.MinAnswer == 0 {
		f.MinAnswer = 100
	}
	if f.MaxAnswer == 0 {
		f.MaxAnswer = 6000
	}
	if f.MinAnswer > f.MaxAnswer {
		return errors.New("filters: min_answer is above max_answer")
	}
	if f.NearDuplicate == 0 {
		f.NearDuplicate = 0.8
	}
	if f.Boilerplate == 0 {
		f.Boilerplate = 0.5
	}
	if c.Generator == GenLLM {
		if c.Prompts.System == "" {
			c.Prompts.System = defaultLLMSystem
		}
		if c.PairsPerChunk == 1 && c.Prompts.Instructions == "" {
			c.Prompts.Instructions = defaultInstructionsPrompt
		}
		if c.PairsPerChunk > 1 && c.Prompts.Pairs == "" {
			c.Prompts.Pairs = defaultPairsPrompt
		}
	}
	if c.Generator == GenPreference && c.Prompts.Rejected == "" {
		c.Prompts.Rejected = defaultRejectedPrompt
	}
	return nil
}

// Kind is the sample kind the generator makes.
func (c *BuildConfig) Kind() string {
	if c.Generator == GenPreference {
		return KindPreference
	}
	return KindInstruct
}

// NumParallel is OLLAMA_NUM_PARALLEL (Ollama's default is 1).
func NumParallel() int {
	if n, err := strconv.Atoi(os.Getenv("OLLAMA_NUM_PARALLEL")); err == nil && n > 0 {
		return n
	}
	return 1
}

// DefaultConcurrency keeps one request queued behind the ones Ollama runs,
// so the server never waits for the client between requests.
func DefaultConcurrency() int { return NumParallel() + 1 }
