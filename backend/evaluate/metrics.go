package evaluate

import (
	"math"
	"regexp"
	"strings"
	"unicode"
)

// words splits text into lower-case word tokens (letters, digits and
// in-word apostrophes), the unit of ROUGE-L and the style statistics.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’'
	})
}

// RougeL is the ROUGE-L F1 of candidate against reference: the longest
// common subsequence of words, as a harmonic mean of its precision and
// recall. 0 when either side has no words.
func RougeL(candidate, reference string) float64 {
	c, r := words(candidate), words(reference)
	if len(c) == 0 || len(r) == 0 {
		return 0
	}
	// Two rows of the LCS table are enough.
	prev, cur := make([]int, len(r)+1), make([]int, len(r)+1)
	for i := 1; i <= len(c); i++ {
		for j := 1; j <= len(r); j++ {
			switch {
			case c[i-1] == r[j-1]:
				cur[j] = prev[j-1] + 1
			case prev[j] >= cur[j-1]:
				cur[j] = prev[j]
			default:
				cur[j] = cur[j-1]
			}
		}
		prev, cur = cur, prev
	}
	lcs := float64(prev[len(r)])
	if lcs == 0 {
		return 0
	}
	p, rec := lcs/float64(len(c)), lcs/float64(len(r))
	return 2 * p * rec / (p + rec)
}

// Cosine is the cosine similarity of two vectors (0 for a zero vector or
// mismatched sizes).
func Cosine(a, b []float32) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// Style is a handful of countable habits of a writer: how long their
// sentences and words are, how they punctuate, how personal they are.
type Style struct {
	Words              int     `json:"words"`
	WordsPerSentence   float64 `json:"words_per_sentence"`
	CharsPerWord       float64 `json:"chars_per_word"`
	LongWordShare      float64 `json:"long_word_share"`      // words of 7+ letters
	CommasPer100       float64 `json:"commas_per_100_words"` //
	QuestionsPer100    float64 `json:"questions_per_100_words"`
	ExclamationsPer100 float64 `json:"exclamations_per_100_words"`
	FirstPersonPer100  float64 `json:"first_person_per_100_words"` // I, me, my, we, our…
	ContractionsPer100 float64 `json:"contractions_per_100_words"`
}

var (
	sentenceEnd = regexp.MustCompile(`[.!?]+(\s|$)|\n\s*\n`)
	firstPerson = map[string]bool{"i": true, "me": true, "my": true, "mine": true, "myself": true,
		"we": true, "us": true, "our": true, "ours": true, "i'm": true, "i've": true, "i'd": true, "i'll": true,
		"we're": true, "we've": true}
)

// StyleOf measures the style of a set of texts taken together.
func StyleOf(texts ...string) Style {
	var st Style
	var chars, long, sentences, commas, q, ex, fp, contr int
	for _, t := range texts {
		ws := words(t)
		if len(ws) == 0 {
			continue
		}
		st.Words += len(ws)
		for _, w := range ws {
			n := len([]rune(w))
			chars += n
			if n >= 7 {
				long++
			}
			if firstPerson[strings.ReplaceAll(w, "’", "'")] {
				fp++
			}
			if strings.ContainsAny(w, "'’") {
				contr++
			}
		}
		s := len(sentenceEnd.FindAllStringIndex(strings.TrimSpace(t), -1))
		if s == 0 || !strings.ContainsAny(strings.TrimSpace(t)[len(strings.TrimSpace(t))-1:], ".!?") {
			s++ // the last sentence has no end mark
		}
		sentences += s
		commas += strings.Count(t, ",")
		q += strings.Count(t, "?")
		ex += strings.Count(t, "!")
	}
	if st.Words == 0 {
		return st
	}
	w := float64(st.Words)
	st.WordsPerSentence = w / float64(max(sentences, 1))
	st.CharsPerWord = float64(chars) / w
	st.LongWordShare = float64(long) / w
	st.CommasPer100 = 100 * float64(commas) / w
	st.QuestionsPer100 = 100 * float64(q) / w
	st.ExclamationsPer100 = 100 * float64(ex) / w
	st.FirstPersonPer100 = 100 * float64(fp) / w
	st.ContractionsPer100 = 100 * float64(contr) / w
	return st
}

func (s Style) features() []float64 {
	return []float64{s.WordsPerSentence, s.CharsPerWord, s.LongWordShare, s.CommasPer100, s.QuestionsPer100,
		s.ExclamationsPer100, s.FirstPersonPer100, s.ContractionsPer100}
}

// StyleDistance is how far a is from the profile b: the mean over the
// features of |a-b| / (|a|+|b|), so 0 is the same habits and 1 is nothing
// in common. A feature both sides lack counts as equal.
func StyleDistance(a, b Style) float64 {
	fa, fb := a.features(), b.features()
	d := 0.0
	for i := range fa {
		if s := math.Abs(fa[i]) + math.Abs(fb[i]); s > 0 {
			d += math.Abs(fa[i]-fb[i]) / s
		}
	}
	return d / float64(len(fa))
}
