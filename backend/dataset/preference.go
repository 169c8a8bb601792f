package dataset

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/ollama/ollama/api"
)

// MinPreference is the shortest chosen or rejected text kept (characters),
// after both are cut to complete sentences.
const MinPreference = 100

// Preference makes DPO pairs: the prompt is the extract's given instruction
// (a build from an instruct version) or else its heuristic one, chosen is the author's own text, rejected is the model's
// answer to the same prompt. Both are cut to complete sentences and must
// keep at least MinPreference characters.
type Preference struct {
	Client     Chatter
	Model      string
	Prompts    Prompts
	NumPredict int
}

// Generate implements Generator.
func (g *Preference) Generate(ctx context.Context, d Document, ex Extract) (Outcome, error) {
	var o Outcome
	ins := strings.TrimSpace(ex.Instruction)
	if ins == "" {
		ins = HeuristicInstruction(d, ex)
	}
	if ins == "" {
		o.drop(DropNoInstruction, 1)
		return o, nil
	}
	chosen := CompleteSentences(ex.Text)
	if utf8.RuneCountInString(chosen) < MinPreference {
		o.drop(DropIncomplete, 1)
		return o, nil
	}
	np := g.NumPredict
	if np <= 0 {
		// About as long as the chosen text, so length alone does not decide.
		np = max(128, utf8.RuneCountInString(chosen)/3)
	}
	o.Attempts = 1
	answer, _, err := chatOnce(ctx, g.Client, &api.ChatRequest{
		Model:    g.Model,
		Messages: []api.Message{{Role: "user", Content: fill(g.Prompts.Rejected, map[string]string{"instruction": ins})}},
		Options:  map[string]any{"temperature": 0.7, "num_predict": np, "seed": 1},
	})
	if err != nil {
		return o, err
	}
	if refusalRe.MatchString(answer) {
		o.drop(DropRefusal, 1)
		return o, nil
	}
	rejected := CompleteSentences(answer)
	if utf8.RuneCountInString(rejected) < MinPreference {
		o.drop(DropIncomplete, 1)
		return o, nil
	}
	o.Pairs = []Pair{{Instruction: ins, Output: chosen, Rejected: rejected}}
	return o, nil
}

// CompleteSentences cuts text after its last complete sentence (ending in
// '.', '!' or '?', optionally followed by a closing quote or bracket). Text
// ending in a code fence is kept whole. It returns "" when no sentence ends.
func CompleteSentences(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "```") {
		return s
	}
	// Bytes, not runes: invalid UTF-8 must come back unchanged.
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] != '.' && s[i] != '!' && s[i] != '?' {
			continue
		}
		// "e.g." or "3.14" mid-text are not ends: require the end of the
		// text or a space after the mark and its closing quotes/brackets.
		j := i + 1
		for j < len(s) {
			if strings.IndexByte(`"')]*_`, s[j]) >= 0 {
				j++
			} else if strings.HasPrefix(s[j:], "”") || strings.HasPrefix(s[j:], "’") {
				j += len("”")
			} else {
				break
			}
		}
		if j == len(s) || s[j] == ' ' || s[j] == '\n' {
			return strings.TrimSpace(s[:j])
		}
	}
	return ""
}
