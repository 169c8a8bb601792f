package dataset

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// datasetsPython returns the python of the pinned `datasets` venv, created
// (and cached under ~/.cache/doppel) by scripts/setup-dataset-check.sh.
// Without it the test skips, except under DOPPEL_REQUIRE_OLLAMA=1 (the
// harness), where a missing Python environment fails.
func datasetsPython(t *testing.T) string {
	t.Helper()
	script, _ := filepath.Abs("../../scripts/setup-dataset-check.sh")
	out, err := exec.Command("bash", script).Output()
	if err != nil {
		msg := "cannot set up the Python datasets environment (" + script + "): " + err.Error()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			msg += ": " + string(ee.Stderr)
		}
		if os.Getenv("DOPPEL_REQUIRE_OLLAMA") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return strings.TrimSpace(string(out))
}

func buildHeuristic(t *testing.T) (*Service, *BuildResult) {
	t.Helper()
	st := seedCorpus(t)
	s := New(st.DB, nil)
	res, err := s.Build(context.Background(), BuildConfig{TestRatio: 0.3}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, res
}

func TestExportFormats(t *testing.T) {
	s, res := buildHeuristic(t)
	ctx := context.Background()
	// Reject one sample: it must not be exported.
	page, err := s.Samples(ctx, res.Version, SampleQuery{Split: "train", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	rej := "rejected"
	v, err := s.Edit(ctx, res.Version, EditRequest{Edits: []SampleEdit{{SampleID: page.Items[0].ID, Status: &rej}}})
	if err != nil {
		t.Fatal(err)
	}
	py := datasetsPython(t)
	for _, format := range []string{FormatMessages, FormatAlpaca, FormatShareGPT} {
		t.Run(format, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "export")
			er, err := s.Export(ctx, v.ID, ExportRequest{Format: format, Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if er.Train != res.Train-1 || er.Test != res.Test || er.Rejected != 1 || er.Bytes == 0 {
				t.Errorf("export result %+v, build %+v", er, res)
			}
			for _, f := range []string{"train.jsonl", "test.jsonl", "README.md"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Error(err)
				}
			}
			card, _ := os.ReadFile(filepath.Join(dir, "README.md"))
			for _, want := range []string{v.ID, "generator | heuristic", "near_duplicate", "split: test"} {
				if !strings.Contains(string(card), want) {
					t.Errorf("dataset card lacks %q", want)
				}
			}
			out, err := exec.Command(py, "testdata/load_export.py", format, dir).CombinedOutput()
			if err != nil {
				t.Fatalf("datasets could not load the %s export: %v\n%s", format, err, out)
			}
			var got struct {
				Splits map[string]int `json:"splits"`
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got.Splits["train"] != er.Train || got.Splits["test"] != er.Test {
				t.Errorf("datasets read %v, exported %+v", got.Splits, er)
			}
		})
	}
	// The preference format needs a preference dataset.
	if _, err := s.Export(ctx, v.ID, ExportRequest{Format: FormatPreference, Dir: filepath.Join(t.TempDir(), "p")}); err == nil || !strings.Contains(err.Error(), "preference dataset") {
		t.Errorf("preference export of an instruct version: %v", err)
	}
}

func TestExportRefusesNonEmptyFolder(t *testing.T) {
	s, res := buildHeuristic(t)
	ctx := context.Background()
	dir := t.TempDir()
	keep := filepath.Join(dir, "notes.txt")
	os.WriteFile(keep, []byte("mine"), 0o644)
	_, err := s.Export(ctx, res.Version, ExportRequest{Format: FormatMessages, Dir: dir})
	if !errors.Is(err, ErrExportExists) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("got %v, want ErrExportExists naming %s", err, dir)
	}
	if b, _ := os.ReadFile(keep); string(b) != "mine" {
		t.Fatal("the refused export touched the folder")
	}
	if _, err := s.Export(ctx, res.Version, ExportRequest{Format: FormatMessages, Dir: dir, Force: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(keep); !os.IsNotExist(err) {
		t.Error("--force should replace the folder")
	}
	// An empty existing folder is fine.
	empty := t.TempDir()
	if _, err := s.Export(ctx, res.Version, ExportRequest{Format: FormatAlpaca, Dir: empty}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []ExportRequest{{Format: "csv", Dir: t.TempDir()}, {Format: FormatMessages}} {
		if _, err := s.Export(ctx, res.Version, bad); err == nil {
			t.Errorf("%+v: want an error", bad)
		}
	}
	if _, err := s.Export(ctx, "ffffffff", ExportRequest{Format: FormatMessages, Dir: filepath.Join(t.TempDir(), "x")}); !errors.Is(err, ErrVersionNotFound) {
		t.Errorf("unknown version: %v", err)
	}
}

func TestEditMakesNewVersions(t *testing.T) {
	s, res := buildHeuristic(t)
	ctx := context.Background()
	parent, err := s.Version(ctx, res.Version)
	if err != nil {
		t.Fatal(err)
	}
	page, err := s.Samples(ctx, parent.ID, SampleQuery{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := page.Items[0], page.Items[1], page.Items[2]
	newText := a.Output + "\n\nOne more sentence I added while reviewing."
	approved, rejected := "approved", "rejected"
	child, err := s.Edit(ctx, parent.ID, EditRequest{Edits: []SampleEdit{
		{SampleID: a.ID, Output: &newText},
		{SampleID: b.ID, Status: &approved},
		{SampleID: c.ID, Status: &rejected},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if child.ID == parent.ID || child.ParentID != parent.ID || child.Note != "edited 1, approved 1, rejected 1" {
		t.Fatalf("child %+v", child)
	}
	if child.Stats.ByStatus["approved"] != 1 || child.Stats.ByStatus["rejected"] != 1 {
		t.Errorf("child stats %+v", child.Stats.ByStatus)
	}
	// The parent is untouched.
	old, err := s.Samples(ctx, parent.ID, SampleQuery{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if old.Items[0].Output != a.Output || old.Items[1].Status != "pending" || old.Items[2].Status != "pending" {
		t.Error("the edit changed the parent version")
	}
	got, err := s.Samples(ctx, child.ID, SampleQuery{Search: "one more sentence i added"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != 1 || got.Items[0].EditedFrom != a.ID || got.Items[0].ID == a.ID {
		t.Errorf("edited sample: %+v", got)
	}
	// Filters.
	for _, q := range []SampleQuery{{Status: "approved"}, {Status: "rejected"}, {DocKind: "code"}} {
		p, err := s.Samples(ctx, child.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 1 {
			t.Errorf("%+v: %d samples, want 1", q, p.Total)
		}
	}
	// Edits that change nothing make no version.
	if _, err := s.Edit(ctx, child.ID, EditRequest{Edits: []SampleEdit{{SampleID: b.ID, Status: &approved}}}); !errors.Is(err, ErrNoChange) {
		t.Errorf("no-op edit: %v", err)
	}
	bad := "maybe"
	empty := " "
	for _, e := range []SampleEdit{{SampleID: 999999, Status: &approved}, {SampleID: b.ID, Status: &bad}, {SampleID: b.ID, Output: &empty}} {
		if _, err := s.Edit(ctx, child.ID, EditRequest{Edits: []SampleEdit{e}}); err == nil {
			t.Errorf("edit %+v: want an error", e)
		}
	}
	vs, err := s.Versions(ctx)
	if err != nil || len(vs) != 2 {
		t.Fatalf("versions: %d, %v", len(vs), err)
	}
}
