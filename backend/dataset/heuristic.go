package dataset

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Pair is one generated example before filtering.
type Pair struct {
	Instruction string `json:"instruction"`
	Input       string `json:"input,omitempty"`
	// Output is the answer (instruct) or the chosen answer (preference).
	Output string `json:"output"`
	// Rejected is the model's answer of a preference pair.
	Rejected string `json:"rejected,omitempty"`
}

// Outcome is what a generator made of one extract: pairs, plus a count of
// candidate pairs it dropped by reason (a refusal, an echoed prompt…).
type Outcome struct {
	Pairs   []Pair         `json:"pairs"`
	Dropped map[string]int `json:"dropped,omitempty"`
	// Attempts is how many model calls it took (0 for the heuristic).
	Attempts int `json:"attempts,omitempty"`
}

func (o *Outcome) drop(reason string, n int) {
	if o.Dropped == nil {
		o.Dropped = map[string]int{}
	}
	o.Dropped[reason] += n
}

// Generator turns one extract into pairs. An error means the extract could
// not be processed at all (the engine went away): the build stops and keeps
// what it finished, so a resume retries it.
type Generator interface {
	Generate(ctx context.Context, d Document, ex Extract) (Outcome, error)
}

// Heuristic needs no model: titles, headings and first sentences become
// instructions, the extract is the answer.
type Heuristic struct{}

// Generate implements Generator.
func (Heuristic) Generate(_ context.Context, d Document, ex Extract) (Outcome, error) {
	ins := HeuristicInstruction(d, ex)
	if ins == "" {
		var o Outcome
		o.drop(DropNoInstruction, 1)
		return o, nil
	}
	return Outcome{Pairs: []Pair{{Instruction: ins, Output: ex.Text}}}, nil
}

// HeuristicInstruction writes an instruction for an extract from the
// document's title, the extract's heading or its first sentence. The
// wording varies deterministically with the extract.
func HeuristicInstruction(d Document, ex Extract) string {
	title := cleanInline(d.Title)
	heading := ex.Heading
	if strings.EqualFold(heading, title) {
		heading = ""
	}
	topic := firstSentenceTopic(ex.Text)
	pick := func(opts ...string) string {
		h := fnv.New32a()
		fmt.Fprintf(h, "%d:%d", ex.DocumentID, ex.Index)
		return opts[int(h.Sum32()%uint32(len(opts)))]
	}
	switch d.Kind {
	case "post":
		switch {
		case title != "":
			return pick("Write a post about "+quoteTopic(title)+".", "Write a short social media post about "+quoteTopic(title)+".")
		case topic != "":
			return pick("Write a short post that starts from this thought: \""+topic+"\"", "Write a social media post about this: \""+topic+"\"")
		}
	case "code":
		name := title
		if name == "" {
			name = "this project"
		}
		switch {
		case heading != "" && ex.First:
			return pick(fmt.Sprintf("Write the %q section of the README for %s.", heading, name), fmt.Sprintf("Explain %s in the README of %s.", lowerFirst(heading), name))
		case heading != "":
			return fmt.Sprintf("Continue the %q section of the README for %s.", heading, name)
		case ex.First:
			return fmt.Sprintf("Write the introduction of the README for %s.", name)
		case topic != "":
			return fmt.Sprintf("Write part of the README for %s, starting from: %q", name, topic)
		}
	default: // article, note
		noun := "blog post"
		if d.Kind == "note" {
			noun = "note"
		}
		switch {
		case heading != "" && ex.First && title != "":
			return pick(fmt.Sprintf("Explain %s, as a section of a %s titled %q.", lowerFirst(heading), noun, title),
				fmt.Sprintf("Write the section %q of your %s %q.", heading, noun, title))
		case heading != "" && ex.First:
			return pick("Explain "+lowerFirst(heading)+".", fmt.Sprintf("Write a %s section titled %q.", noun, heading))
		case heading != "" && topic != "":
			return fmt.Sprintf("Continue the section %q, starting from: %q", heading, topic)
		case ex.First && title != "" && d.Kind == "note":
			return fmt.Sprintf("Write a note titled %q.", title)
		case ex.First && title != "":
			return pick(fmt.Sprintf("Write a %s about %s.", noun, quoteTopic(title)), fmt.Sprintf("Write the opening of your %s titled %q.", noun, title))
		case title != "" && topic != "":
			return fmt.Sprintf("Continue your %s %q, starting from: %q", noun, title, topic)
		case topic != "":
			return fmt.Sprintf("Write a %s that starts from this thought: %q", noun, topic)
		}
	}
	return ""
}

// firstSentenceTopic is the extract's first prose sentence, cut to 20
// words, without Markdown. Code fences and list markers are skipped.
func firstSentenceTopic(text string) string {
	for _, p := range paragraphs(text) {
		if strings.HasPrefix(p, "```") || strings.HasPrefix(p, "~~~") || strings.HasPrefix(p, "#") || strings.HasPrefix(p, "|") {
			continue
		}
		p = strings.TrimLeft(p, "-*>0123456789. ")
		ss := Sentences(cleanInline(p))
		if len(ss) == 0 {
			continue
		}
		words := strings.Fields(ss[0])
		if len(words) < 3 {
			continue
		}
		if len(words) > 20 {
			words = append(words[:20], "…")
		}
		return strings.Join(words, " ")
	}
	return ""
}

func quoteTopic(t string) string {
	if utf8.RuneCountInString(t) > 60 || strings.ContainsAny(t, ":?!") {
		return "“" + t + "”"
	}
	return lowerFirst(t)
}

// lowerFirst lower-cases the first letter unless the first word looks like
// a name or acronym (second letter upper-case, or a digit inside).
func lowerFirst(s string) string {
	rs := []rune(s)
	if len(rs) < 2 || !unicode.IsUpper(rs[0]) || unicode.IsUpper(rs[1]) {
		return s
	}
	w := strings.Fields(s)[0]
	if strings.ContainsAny(w, "0123456789.") || strings.IndexFunc(w[1:], unicode.IsUpper) >= 0 {
		return s
	}
	rs[0] = unicode.ToLower(rs[0])
	return string(rs)
}
