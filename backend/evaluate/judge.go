package evaluate

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ollama/ollama/api"
)

// judgePrompt follows the LLM-as-a-judge prompt of the reference design
// (accuracy and style on a three-point scale), with the author's own answer
// given as the reference for both.
const judgePrompt = `You are an expert judge. Evaluate the quality of an answer to an instruction on two criteria.
1. Accuracy: is the information in the answer correct and consistent with the author's reference answer?
2. Style: does the answer sound like the author of the reference answer (tone, sentence length, vocabulary, person)?

Accuracy scale:
1 (Poor): contains factual errors, contradicts the reference, or does not answer
2 (Good): mostly accurate with minor errors or omissions
3 (Excellent): accurate and as complete as the reference

Style scale:
1 (Poor): sounds nothing like the author (too formal, generic, or incoherent)
2 (Good): partly the author's voice
3 (Excellent): reads as if the author wrote it

Instruction:
%s

Author's reference answer:
%s

Answer to evaluate:
%s

Reply with JSON only: {"accuracy": 1-3, "style": 1-3, "reason": "one short sentence"}.`

// judgeSchema is the structured-output schema sent in Ollama's format field.
var judgeSchema = json.RawMessage(`{"type":"object","properties":{
"accuracy":{"type":"integer","enum":[1,2,3]},
"style":{"type":"integer","enum":[1,2,3]},
"reason":{"type":"string"}},"required":["accuracy","style","reason"]}`)

// Verdict is a judge's score of one answer.
type Verdict struct {
	Accuracy int    `json:"accuracy"`
	Style    int    `json:"style"`
	Reason   string `json:"reason"`
}

// parseVerdict reads a judge reply; scores outside 1–3 are an error.
func parseVerdict(s string) (Verdict, error) {
	var v Verdict
	s = strings.TrimSpace(s)
	if i, j := strings.IndexByte(s, '{'), strings.LastIndexByte(s, '}'); i >= 0 && j > i {
		s = s[i : j+1]
	}
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return v, fmt.Errorf("judge reply is not the JSON asked for: %w", err)
	}
	if v.Accuracy < 1 || v.Accuracy > 3 || v.Style < 1 || v.Style > 3 {
		return v, fmt.Errorf("judge scores out of range 1–3: accuracy %d, style %d", v.Accuracy, v.Style)
	}
	v.Reason = strings.TrimSpace(v.Reason)
	return v, nil
}

// judge asks model to score answer; an invalid reply is retried once.
func judge(ctx context.Context, c *api.Client, model, instruction, reference, answer string) (Verdict, error) {
	stream := false
	var last error
	for attempt := 0; attempt < 2; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		var sb strings.Builder
		err := c.Chat(cctx, &api.ChatRequest{Model: model, Stream: &stream, Format: judgeSchema,
			Options:  map[string]any{"temperature": 0, "num_predict": 160, "seed": attempt},
			Messages: []api.Message{{Role: "user", Content: fmt.Sprintf(judgePrompt, instruction, reference, answer)}},
		}, func(r api.ChatResponse) error {
			sb.WriteString(r.Message.Content)
			return nil
		})
		cancel()
		if err != nil {
			return Verdict{}, fmt.Errorf("judge %s: %w", model, err)
		}
		v, err := parseVerdict(sb.String())
		if err == nil {
			return v, nil
		}
		last = err
	}
	return Verdict{}, fmt.Errorf("judge %s: %w", model, last)
}
