package dataset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ollama/ollama/api"
)

// Chatter is the part of the Ollama api client the model generators use.
type Chatter interface {
	Chat(ctx context.Context, req *api.ChatRequest, fn api.ChatResponseFunc) error
}

const defaultLLMSystem = "You write training data for a language model that will imitate one author. " +
	"You read an extract of the author's writing and answer only with JSON that matches the schema you are given."

const defaultInstructionsPrompt = "Here is an extract of a {{kind}} titled \"{{title}}\".\n\n<extract>\n{{extract}}\n</extract>\n\n" +
	"Write {{n}} instruction that a reader could give so that this extract is the perfect answer. " +
	"It must be a request or a question of 5 to 40 words, must not quote the extract, and must not mention \"the extract\"."

const defaultPairsPrompt = "Here is an extract of a {{kind}} titled \"{{title}}\".\n\n<extract>\n{{extract}}\n</extract>\n\n" +
	"Write {{n}} pairs of an instruction and an answer. Each instruction is a request or question of 5 to 40 words " +
	"that this extract can answer. Each answer uses only facts from the extract, in the author's voice and style " +
	"(first person, same tone), and is at least 100 characters long. Do not mention \"the extract\"."

const defaultRejectedPrompt = "{{instruction}}"

// LLM asks a local model, through Ollama's structured output (the format
// field carrying a JSON schema), to write instructions for each extract.
// With PairsPerChunk 1 the answer is the extract itself; with N > 1 the
// model writes N pairs whose answers stay with the extract's facts.
type LLM struct {
	Client  Chatter
	Model   string
	Pairs   int
	Prompts Prompts
	// Attempts is the most calls per extract before it is dropped as
	// invalid (default 3).
	Attempts int
	// NumPredict caps the reply (default 128 tokens for one instruction,
	// 256 per pair; doubled after a truncated reply).
	NumPredict int
}

// Generate implements Generator.
func (g *LLM) Generate(ctx context.Context, d Document, ex Extract) (Outcome, error) {
	n := max(g.Pairs, 1)
	prompt := g.Prompts.Instructions
	schema := instructionsSchema(n)
	if n > 1 {
		prompt = g.Prompts.Pairs
		schema = pairsSchema(n)
	}
	user := fill(prompt, map[string]string{"kind": kindNoun(d.Kind), "title": d.Title, "extract": ex.Text, "n": numberWord(n)})
	attempts := g.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	numPredict := g.NumPredict
	if numPredict <= 0 {
		numPredict = 128
		if n > 1 {
			numPredict = 256 * n
		}
	}
	var o Outcome
	lastReason := DropInvalidJSON
	for try := 0; try < attempts; try++ {
		o.Attempts++
		content, doneReason, err := chatOnce(ctx, g.Client, &api.ChatRequest{
			Model:    g.Model,
			Messages: []api.Message{{Role: "system", Content: g.Prompts.System}, {Role: "user", Content: user}},
			Format:   schema,
			Options:  map[string]any{"temperature": 0.7, "num_predict": numPredict, "seed": try + 1},
		})
		if err != nil {
			return o, err
		}
		pairs, ok := parseReply(content, n, ex.Text)
		if !ok {
			if doneReason == "length" {
				numPredict *= 2
			}
			lastReason = DropInvalidJSON
			continue
		}
		// Check each pair; keep the good ones. Only when none survives is
		// another call worth it.
		var good []Pair
		var bad Outcome
		for _, p := range pairs {
			if r := checkPair(p, user, ex.Text); r != "" {
				bad.drop(r, 1)
				lastReason = r
				continue
			}
			good = append(good, p)
		}
		if len(good) == 0 {
			continue
		}
		if len(good) > n {
			good = good[:n]
		}
		o.Pairs = good
		for r, c := range bad.Dropped {
			o.drop(r, c)
		}
		return o, nil
	}
	// Every attempt failed: the extract is dropped with the last reason.
	o.drop(lastReason, 1)
	return o, nil
}

// parseReply decodes a structured-output reply: n == 1 is an instructions
// array (the answer is the extract), n > 1 an array of instruction/answer
// pairs. ok is false when the reply is not valid JSON or holds nothing.
func parseReply(content string, n int, extract string) (pairs []Pair, ok bool) {
	if n <= 1 {
		var r struct {
			Instructions []string `json:"instructions"`
		}
		if err := json.Unmarshal([]byte(content), &r); err != nil || len(r.Instructions) == 0 {
			return nil, false
		}
		for _, ins := range r.Instructions {
			pairs = append(pairs, Pair{Instruction: strings.TrimSpace(ins), Output: extract})
		}
		return pairs, true
	}
	var r struct {
		Pairs []struct {
			Instruction string `json:"instruction"`
			Answer      string `json:"answer"`
		} `json:"pairs"`
	}
	if err := json.Unmarshal([]byte(content), &r); err != nil || len(r.Pairs) == 0 {
		return nil, false
	}
	for _, p := range r.Pairs {
		pairs = append(pairs, Pair{Instruction: strings.TrimSpace(p.Instruction), Output: strings.TrimSpace(p.Answer)})
	}
	return pairs, true
}

// chatOnce makes one non-streaming chat call, retrying transport errors
// (the engine restarting) with backoff before giving up.
func chatOnce(ctx context.Context, c Chatter, req *api.ChatRequest) (content, doneReason string, err error) {
	stream := false
	req.Stream = &stream
	backoff := 500 * time.Millisecond
	for try := 0; ; try++ {
		var sb strings.Builder
		err = c.Chat(ctx, req, func(r api.ChatResponse) error {
			sb.WriteString(r.Message.Content)
			if r.Done {
				doneReason = r.DoneReason
			}
			return nil
		})
		if err == nil {
			return sb.String(), doneReason, nil
		}
		if ctx.Err() != nil {
			return "", "", ctx.Err()
		}
		if !transient(err) || try >= 3 {
			return "", "", fmt.Errorf("chat with %s: %w", req.Model, err)
		}
		select {
		case <-ctx.Done():
			return "", "", ctx.Err()
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

// transient reports errors worth retrying: the connection failed, or the
// server answered 5xx (a runner that crashed and restarts).
func transient(err error) bool {
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &ne) || errors.As(err, &oe) {
		return true
	}
	var se api.StatusError
	if errors.As(err, &se) {
		return se.StatusCode >= 500
	}
	s := err.Error()
	return strings.Contains(s, "connection refused") || strings.Contains(s, "EOF") || strings.Contains(s, "connection reset")
}

var refusalRe = regexp.MustCompile(`(?i)\b(i('| a)?m sorry|i apologi[sz]e|as an ai\b|as a language model|i can(no|')t (help|assist|provide|comply|do that|write)|i am (not able|unable) to|i'm (not able|unable) to|i won't be able)`)

// checkPair returns a drop reason for a generated pair, or "".
func checkPair(p Pair, prompt, extract string) string {
	ins := strings.TrimSpace(p.Instruction)
	if ins == "" {
		return DropNoInstruction
	}
	if refusalRe.MatchString(ins) || refusalRe.MatchString(p.Output) && !refusalRe.MatchString(extract) {
		return DropRefusal
	}
	if IsEcho(ins, prompt, extract) {
		return DropPromptEcho
	}
	return ""
}

// IsEcho reports whether an instruction repeats the prompt instead of
// asking for the extract: it copies the prompt's own wording (the template
// text, the tags), or copies a long run of the extract verbatim.
func IsEcho(ins, prompt, extract string) bool {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	n := norm(ins)
	if strings.Contains(n, "<extract>") || strings.Contains(n, "</extract>") {
		return true
	}
	template := norm(strings.Replace(prompt, extract, "", 1))
	if utf8.RuneCountInString(n) >= 20 && strings.Contains(template, n) {
		return true
	}
	// Word 4-grams shared with the template text.
	if overlap(n, template, 4) >= 0.6 {
		return true
	}
	// A verbatim run of 12+ words of the extract in the instruction.
	return overlapRun(n, norm(extract), 12)
}

func overlap(a, b string, k int) float64 {
	aw, bw := strings.Fields(a), strings.Fields(b)
	if len(aw) < k {
		return 0
	}
	set := map[string]bool{}
	for i := 0; i+k <= len(bw); i++ {
		set[strings.Join(bw[i:i+k], " ")] = true
	}
	hit, all := 0, 0
	for i := 0; i+k <= len(aw); i++ {
		all++
		if set[strings.Join(aw[i:i+k], " ")] {
			hit++
		}
	}
	return float64(hit) / float64(all)
}

func overlapRun(a, b string, k int) bool {
	aw := strings.Fields(a)
	for i := 0; i+k <= len(aw); i++ {
		if strings.Contains(b, strings.Join(aw[i:i+k], " ")) {
			return true
		}
	}
	return false
}

func instructionsSchema(n int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"object","properties":{"instructions":{"type":"array","items":{"type":"string"},"minItems":%d,"maxItems":%d}},"required":["instructions"]}`, n, n))
}

func pairsSchema(n int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"object","properties":{"pairs":{"type":"array","items":{"type":"object","properties":{"instruction":{"type":"string"},"answer":{"type":"string"}},"required":["instruction","answer"]},"minItems":%d,"maxItems":%d}},"required":["pairs"]}`, n, n))
}

func fill(tmpl string, vars map[string]string) string {
	pairs := make([]string, 0, 2*len(vars))
	for k, v := range vars {
		pairs = append(pairs, "{{"+k+"}}", v)
	}
	return strings.NewReplacer(pairs...).Replace(tmpl)
}

func kindNoun(k string) string {
	switch k {
	case "post":
		return "social media post"
	case "code":
		return "project README"
	case "note":
		return "note"
	}
	return "blog post"
}

func numberWord(n int) string {
	w := []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
	if n >= 0 && n < len(w) {
		return w[n]
	}
	return fmt.Sprint(n)
}
