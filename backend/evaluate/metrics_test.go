package evaluate

import (
	"math"
	"strings"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestRougeL(t *testing.T) {
	for _, tc := range []struct {
		name, cand, ref string
		want            float64
	}{
		{"identical", "The cat sat on the mat.", "the cat sat on the mat", 1},
		{"disjoint", "dogs bark loudly", "the cat sat", 0},
		{"empty candidate", "", "the cat sat", 0},
		{"empty reference", "the cat", "  ", 0},
		// LCS "the cat the mat" = 4; P = 4/5, R = 4/6; F = 2PR/(P+R) = 8/11.
		{"partial", "the cat ate the mat", "the cat sat on the mat", 8.0 / 11},
		// LCS 3 ("the sat the"), P = R = 3/6.
		{"order matters", "mat the on sat cat the", "the cat sat on the mat", 0.5},
		{"apostrophes kept", "I don't know", "i don't know", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := RougeL(tc.cand, tc.ref); !near(got, tc.want) {
				t.Fatalf("RougeL(%q, %q) = %v, want %v", tc.cand, tc.ref, got, tc.want)
			}
		})
	}
}

func TestCosine(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b []float32
		want float64
	}{
		{"same", []float32{1, 2, 3}, []float32{1, 2, 3}, 1},
		{"scaled", []float32{1, 2, 3}, []float32{2, 4, 6}, 1},
		{"orthogonal", []float32{1, 0}, []float32{0, 1}, 0},
		{"opposite", []float32{1, 1}, []float32{-1, -1}, -1},
		{"zero vector", []float32{0, 0}, []float32{1, 1}, 0},
		{"size mismatch", []float32{1}, []float32{1, 1}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Cosine(tc.a, tc.b); math.Abs(got-tc.want) > 1e-6 {
				t.Fatalf("got %v want %v", got, tc.want)
			}
		})
	}
}

func TestStyleOf(t *testing.T) {
	// 13 words, 3 sentences, 3 commas, 1 question, 1 exclamation, first
	// person: I, my, we (3), contractions: don't, it's (2), long words:
	// "honestly", "weekend" (2 of 7+ letters).
	st := StyleOf("Honestly, I don't know. Was my weekend good? Yes, we rested, it's fine!")
	want := Style{Words: 13}
	if st.Words != want.Words {
		t.Fatalf("words %d, want %d (%+v)", st.Words, want.Words, st)
	}
	checks := map[string][2]float64{
		"words per sentence": {st.WordsPerSentence, 13.0 / 3},
		"commas":             {st.CommasPer100, 100 * 3.0 / 13},
		"questions":          {st.QuestionsPer100, 100 * 1.0 / 13},
		"exclamations":       {st.ExclamationsPer100, 100 * 1.0 / 13},
		"first person":       {st.FirstPersonPer100, 100 * 3.0 / 13},
		"contractions":       {st.ContractionsPer100, 100 * 2.0 / 13},
		"long words":         {st.LongWordShare, 2.0 / 13},
	}
	for name, c := range checks {
		if !near(c[0], c[1]) {
			t.Errorf("%s: got %v want %v", name, c[0], c[1])
		}
	}
	if (StyleOf("", "   ") != Style{}) {
		t.Fatal("style of no text must be zero")
	}
	// A text without an end mark still counts as one sentence.
	if s := StyleOf("no end mark here"); !near(s.WordsPerSentence, 4) {
		t.Fatalf("words per sentence %v", s.WordsPerSentence)
	}
}

func TestStyleDistance(t *testing.T) {
	author := StyleOf("I think it's simple. We ship small things, often. Don't wait!")
	if d := StyleDistance(author, author); d != 0 {
		t.Fatalf("distance to itself %v", d)
	}
	formal := StyleOf("Furthermore, the organisation's comprehensive methodology facilitates substantial improvements regarding operational efficiency and stakeholder engagement")
	similar := StyleOf("I think it's easy. We ship tiny things, often. Don't stop!")
	df, ds := StyleDistance(formal, author), StyleDistance(similar, author)
	if !(ds < df) || df > 1 || ds < 0 {
		t.Fatalf("similar text %v should be closer than formal text %v (both in [0,1])", ds, df)
	}
}

func TestDecide(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		name       string
		cand, oth  Score
		pass       bool
		reasonPart string
	}{
		{"better everywhere", Score{Loss: f(1.5), Similarity: f(0.8)}, Score{Loss: f(2), Similarity: f(0.7)}, true, "loss 1.500 vs 2.000: ok"},
		{"higher loss fails", Score{Loss: f(2.5), Similarity: f(0.8)}, Score{Loss: f(2), Similarity: f(0.7)}, false, "loss 2.500 vs 2.000: worse"},
		{"similarity within tolerance", Score{Similarity: f(0.695)}, Score{Similarity: f(0.7)}, true, "similarity"},
		{"similarity clearly lower", Score{Similarity: f(0.6)}, Score{Similarity: f(0.7)}, false, "similarity 0.600 vs 0.700: worse"},
		{"style further away", Score{StyleDistance: f(0.4)}, Score{StyleDistance: f(0.2)}, false, "style distance"},
		{"judge lower", Score{JudgeAccuracy: f(1), JudgeStyle: f(2)}, Score{JudgeAccuracy: f(2), JudgeStyle: f(2)}, false, "judge 1.50 vs 2.00: worse"},
		{"metric missing on one side is not compared", Score{Loss: f(9)}, Score{Similarity: f(0.5)}, false, "no metric was measured for both"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pass, reasons := Decide(tc.cand, tc.oth)
			if pass != tc.pass || !strings.Contains(strings.Join(reasons, "; "), tc.reasonPart) {
				t.Fatalf("Decide = %v %q, want %v with %q", pass, reasons, tc.pass, tc.reasonPart)
			}
		})
	}
}

func TestParseVerdict(t *testing.T) {
	for _, tc := range []struct {
		in      string
		ok      bool
		acc, st int
	}{
		{`{"accuracy": 3, "style": 2, "reason": "close"}`, true, 3, 2},
		{"Sure! ```json\n{\"accuracy\":1,\"style\":1,\"reason\":\"off topic\"}\n```", true, 1, 1},
		{`{"accuracy": 4, "style": 2, "reason": ""}`, false, 0, 0},
		{`{"accuracy": 0, "style": 2}`, false, 0, 0},
		{`{"accuracy": "three"}`, false, 0, 0},
		{`not json`, false, 0, 0},
		{``, false, 0, 0},
	} {
		v, err := parseVerdict(tc.in)
		if (err == nil) != tc.ok || (tc.ok && (v.Accuracy != tc.acc || v.Style != tc.st)) {
			t.Errorf("parseVerdict(%q) = %+v, %v", tc.in, v, err)
		}
	}
}

func FuzzParseVerdict(f *testing.F) {
	for _, s := range []string{`{"accuracy":2,"style":3,"reason":"x"}`, `{`, `{"accuracy":-1}`, "```{}```"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseVerdict(s)
		if err == nil && (v.Accuracy < 1 || v.Accuracy > 3 || v.Style < 1 || v.Style > 3) {
			t.Fatalf("accepted out-of-range verdict %+v from %q", v, s)
		}
	})
}

func FuzzMetrics(f *testing.F) {
	f.Add("The cat sat.", "the cat sat on the mat")
	f.Add("", "x")
	f.Add("¡Hola! ¿Qué tal?", "I’m fine, thanks.")
	f.Fuzz(func(t *testing.T, a, b string) {
		r := RougeL(a, b)
		if r < 0 || r > 1 || math.IsNaN(r) {
			t.Fatalf("RougeL out of [0,1]: %v", r)
		}
		d := StyleDistance(StyleOf(a), StyleOf(b))
		if d < 0 || d > 1 || math.IsNaN(d) {
			t.Fatalf("StyleDistance out of [0,1]: %v", d)
		}
	})
}
