package dataset

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestExtractsPackArticles(t *testing.T) {
	for _, d := range readCorpus(t, "testdata/corpus") {
		doc := Document{ID: 1, Kind: d.Kind, Title: d.Title, Content: d.Content}
		exs := Extracts(doc)
		if len(exs) == 0 {
			t.Fatalf("%s: no extracts", d.URL)
		}
		n := utf8.RuneCountInString(d.Content)
		if n <= MaxExtract && len(exs) != 1 {
			t.Errorf("%s: %d chars should be one extract, got %d", d.URL, n, len(exs))
		}
		var total int
		for i, ex := range exs {
			l := utf8.RuneCountInString(ex.Text)
			total += l
			if l > MaxExtract && !strings.Contains(ex.Text, "```") {
				t.Errorf("%s extract %d: %d chars > %d", d.URL, i, l, MaxExtract)
			}
			if ex.Index != i {
				t.Errorf("%s extract %d has index %d", d.URL, i, ex.Index)
			}
		}
		if n > MaxExtract && total < n*8/10 {
			t.Errorf("%s: extracts keep %d of %d chars", d.URL, total, n)
		}
	}
}

func TestSentences(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"One. Two! Three?", []string{"One.", "Two!", "Three?"}},
		{"Use e.g. WAL. It helps.", []string{"Use e.g. WAL.", "It helps."}},
		{"Pi is 3.14 today. Yes.", []string{"Pi is 3.14 today.", "Yes."}},
		{`He said "stop." Then left.`, []string{`He said "stop."`, "Then left."}},
		{"no end", []string{"no end"}},
		{"", nil},
	} {
		got := Sentences(tc.in)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("Sentences(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCompleteSentences(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"First sentence. Second one is cut mid", "First sentence."},
		{"Ends well!", "Ends well!"},
		{`A quote "ends here." and then`, `A quote "ends here."`},
		{"no sentence end at all", ""},
		{"Version 3.14 is out", ""},
		{"Text\n```go\nx := 1\n```", "Text\n```go\nx := 1\n```"},
	} {
		if got := CompleteSentences(tc.in); got != tc.want {
			t.Errorf("CompleteSentences(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestHeuristicBuild(t *testing.T) {
	st := seedCorpus(t)
	s := New(st.DB, nil)
	ctx := context.Background()
	var reports int
	res, err := s.Build(ctx, BuildConfig{}, 0, func(Progress) error { reports++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if reports == 0 {
		t.Error("no progress reported")
	}
	// Every filter removed what the corpus plants for it.
	for reason, want := range map[string]int{DropLanguage: 1, DropBoilerplate: 1, DropLength: 1} {
		if res.Dropped[reason] != want {
			t.Errorf("dropped[%s] = %d, want %d (all: %v)", reason, res.Dropped[reason], want, res.Dropped)
		}
	}
	// The Medium cross-post repeats the blog post (two extracts): both are
	// near-duplicates, and none of its samples survives (checked below).
	if res.Dropped[DropNearDuplicate] != 2 || res.Dropped[StrippedLines] != 1 {
		t.Errorf("cross-post or footer not caught: %v", res.Dropped)
	}
	if res.Test == 0 || res.Train == 0 {
		t.Fatalf("want both splits filled: %+v", res)
	}

	v, err := s.Version(ctx, res.Version[:8])
	if err != nil {
		t.Fatal(err)
	}
	if v.Generator != GenHeuristic || v.Train != res.Train || v.Test != res.Test || !v.Stats.TokensEstimated {
		t.Errorf("version record: %+v", v)
	}
	docs, err := s.Documents(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if strings.Contains(d.URL, "private-todo") {
			t.Error("an excluded document is in the version")
		}
	}
	page, err := s.Samples(ctx, v.ID, SampleQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, sm := range page.Items {
		if strings.Contains(sm.Output, "Subscribe to my newsletter") {
			t.Error("a boilerplate footer reached an answer")
		}
	}
	var mediumID int64
	if err := st.DB.QueryRow(`SELECT id FROM documents WHERE platform='medium'`).Scan(&mediumID); err != nil {
		t.Fatal(err)
	}
	side := map[int64]string{}
	var golden strings.Builder
	for _, sm := range page.Items {
		if prev, ok := side[sm.DocumentID]; ok && prev != sm.Split {
			t.Errorf("document %d is on both sides of the split", sm.DocumentID)
		}
		side[sm.DocumentID] = sm.Split
		if sm.DocumentID == mediumID {
			t.Errorf("a sample of the cross-post survived: %q", sm.Instruction)
		}
		fmt.Fprintf(&golden, "%s\t%s\t%s\t%d\n", sm.Split, sm.DocKind, sm.Instruction, utf8.RuneCountInString(sm.Output))
	}
	checkGolden(t, "testdata/heuristic.golden", golden.String())

	// The same build again is the same content-addressed version.
	again, err := s.Build(ctx, BuildConfig{}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Version != res.Version || !again.Existed {
		t.Errorf("rebuild gave %s (existed=%v), want %s", again.Version, again.Existed, res.Version)
	}
	// A different split seed is a different version with the same samples.
	other, err := s.Build(ctx, BuildConfig{Seed: 7, TestRatio: 0.3}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if other.Version == res.Version || other.Train+other.Test != res.Train+res.Test {
		t.Errorf("seed 7: %+v vs %+v", other, res)
	}
}

func TestBuildNoDocuments(t *testing.T) {
	st := openStore(t)
	_, err := New(st.DB, nil).Build(context.Background(), BuildConfig{}, 0, nil)
	if !errors.Is(err, ErrNoDocuments) {
		t.Fatalf("got %v, want ErrNoDocuments", err)
	}
}

func TestBuildConfigErrors(t *testing.T) {
	for _, c := range []BuildConfig{
		{Generator: "magic"},
		{Generator: GenLLM},
		{Generator: GenLLM, Model: "m", PairsPerChunk: 11},
		{TestRatio: 1.5},
	} {
		if err := c.Normalize(); err == nil {
			t.Errorf("%+v: want an error", c)
		}
	}
}

func TestSplitByDocument(t *testing.T) {
	ids := make([]int64, 100)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	a, b := Split(ids, 0.1, 42), Split(ids, 0.1, 42)
	test := 0
	for _, id := range ids {
		if a[id] != b[id] {
			t.Fatal("split is not deterministic")
		}
		if a[id] == "test" {
			test++
		}
	}
	if test != 10 {
		t.Errorf("%d test documents of 100 at ratio 0.1", test)
	}
	if s := Split([]int64{1}, 0.5, 1); s[1] != "train" {
		t.Error("a single document must stay in train")
	}
	if s := Split([]int64{1, 2}, -1, 1); s[1] != "train" || s[2] != "train" {
		t.Error("a negative ratio means no test split")
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s", path, got)
	}
}
