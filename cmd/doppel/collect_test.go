package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestDocsJSONContract(t *testing.T) {
	dir := t.TempDir()
	vault, _ := filepath.Abs("../../backend/importer/testdata/vault")
	if _, err := run(t, "--data-dir", dir, "import", vault); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "--data-dir", dir, "docs", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var docs []map[string]any
	if err := json.Unmarshal([]byte(out), &docs); err != nil {
		t.Fatalf("docs list --json is not a JSON array: %v\n%s", err, out)
	}
	if len(docs) != 4 {
		t.Fatalf("%d documents, want 4", len(docs))
	}
	for _, d := range docs {
		for _, k := range []string{"id", "url", "title", "platform", "kind", "words"} {
			if _, ok := d[k]; !ok {
				t.Errorf("document %v lacks %q", d, k)
			}
		}
	}
	var withDate map[string]any
	for _, d := range docs {
		if d["published_at"] != nil {
			withDate = d
		}
	}
	if withDate == nil {
		t.Fatal("no document carries published_at")
	}
	id := int(withDate["id"].(float64))
	out, err = run(t, "--data-dir", dir, "docs", "show", itoa(id), "--json")
	if err != nil {
		t.Fatal(err)
	}
	var one map[string]any
	if err := json.Unmarshal([]byte(out), &one); err != nil || one["content"] == "" || one["url"] != withDate["url"] {
		t.Fatalf("docs show --json: %v %s", err, out)
	}
	if _, err := run(t, "--data-dir", dir, "docs", "show", "999"); err == nil {
		t.Fatal("showing an unknown document should fail")
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// A run started from the CLI is the source's last job (as from the REST
// API), and a document deleted with `docs rm` stays deleted on re-import
// until `docs restore` brings it back.
func TestCLICollectLastJobAndRestore(t *testing.T) {
	dir := t.TempDir()
	vault, _ := filepath.Abs("../../backend/importer/testdata/vault")
	out, err := run(t, "--data-dir", dir, "import", vault, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var first struct {
		SourceID int64 `json:"source_id"`
	}
	if err := json.Unmarshal([]byte(out), &first); err != nil {
		t.Fatalf("import --json: %v\n%s", err, out)
	}
	out, err = run(t, "--data-dir", dir, "sources", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var srcs []struct {
		ID        int64  `json:"id"`
		LastJobID *int64 `json:"last_job_id"`
	}
	if err := json.Unmarshal([]byte(out), &srcs); err != nil || len(srcs) != 1 || srcs[0].LastJobID == nil || *srcs[0].LastJobID == 0 {
		t.Fatalf("sources list: %v %s", err, out)
	}

	out, _ = run(t, "--data-dir", dir, "docs", "list", "--json")
	var docs []struct {
		ID  int    `json:"id"`
		URL string `json:"url"`
	}
	if err := json.Unmarshal([]byte(out), &docs); err != nil || len(docs) != 4 {
		t.Fatalf("docs list: %v %s", err, out)
	}
	if _, err := run(t, "--data-dir", dir, "docs", "rm", itoa(docs[0].ID)); err != nil {
		t.Fatal(err)
	}
	reimport := func() (skipped, n int) {
		out, err := run(t, "--data-dir", dir, "import", vault, "--json")
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Import struct {
				Deleted int `json:"skipped_deleted"`
			} `json:"import"`
		}
		json.Unmarshal([]byte(out), &r)
		out, _ = run(t, "--data-dir", dir, "docs", "list", "--json")
		var all []map[string]any
		json.Unmarshal([]byte(out), &all)
		return r.Import.Deleted, len(all)
	}
	if skipped, n := reimport(); skipped != 1 || n != 3 {
		t.Fatalf("re-import after rm: %d skipped as deleted, %d documents; want 1 and 3", skipped, n)
	}
	out, err = run(t, "--data-dir", dir, "docs", "deleted", "--json")
	if err != nil || !strings.Contains(out, docs[0].URL) {
		t.Fatalf("docs deleted: %v %s", err, out)
	}
	if _, err := run(t, "--data-dir", dir, "docs", "restore", "/no/such/file.md"); err == nil {
		t.Fatal("restoring an unknown URL should fail")
	}
	if _, err := run(t, "--data-dir", dir, "docs", "restore", docs[0].URL); err != nil {
		t.Fatal(err)
	}
	if skipped, n := reimport(); skipped != 0 || n != 4 {
		t.Fatalf("re-import after restore: %d skipped, %d documents; want 0 and 4", skipped, n)
	}
}
