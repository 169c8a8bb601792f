package main

import (
	"encoding/json"
	"path/filepath"
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
