package dataset

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doppelhq/doppel/backend/store"
)

// fixtureDoc is one Markdown file of testdata/corpus with its front matter.
type fixtureDoc struct {
	Kind, Platform, URL, Title string
	Excluded                   bool
	Content                    string
}

func readCorpus(t testing.TB, dir string) []fixtureDoc {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("corpus %s: %v (%d files)", dir, err, len(files))
	}
	var out []fixtureDoc
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		head, body, ok := strings.Cut(strings.TrimPrefix(string(b), "---\n"), "\n---\n")
		if !ok {
			t.Fatalf("%s: no front matter", f)
		}
		d := fixtureDoc{Content: strings.TrimSpace(body)}
		for _, line := range strings.Split(head, "\n") {
			k, v, _ := strings.Cut(line, ":")
			v = strings.Trim(strings.TrimSpace(v), `"`)
			switch k {
			case "kind":
				d.Kind = v
			case "platform":
				d.Platform = v
			case "url":
				d.URL = v
			case "title":
				d.Title = v
			case "excluded":
				d.Excluded = v == "true"
			}
		}
		out = append(out, d)
	}
	return out
}

// insertDocs stores documents with plain SQL, one source per platform, the
// way the data-collection pipeline leaves them.
func insertDocs(t testing.TB, db *sql.DB, docs []fixtureDoc) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	for _, d := range docs {
		var src int64
		err := db.QueryRowContext(ctx, `INSERT INTO sources(kind, location) VALUES ('site', ?)
			ON CONFLICT(kind, location) DO UPDATE SET title=title RETURNING id`, d.Platform).Scan(&src)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256([]byte(d.Content))
		res, err := db.ExecContext(ctx, `INSERT INTO documents(source_id, platform, kind, url, title, author, content, words, content_hash, excluded)
			VALUES (?,?,?,?,?,?,?,?,?,?)`, src, d.Platform, d.Kind, d.URL, d.Title, "Mara Lind", d.Content,
			len(strings.Fields(d.Content)), hex.EncodeToString(h[:]), d.Excluded)
		if err != nil {
			t.Fatalf("insert %s: %v", d.URL, err)
		}
		id, _ := res.LastInsertId()
		ids = append(ids, id)
	}
	return ids
}

// openStore opens a fresh real SQLite store in a temp dir.
func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// seedCorpus opens a store holding the fixture corpus.
func seedCorpus(t testing.TB) *store.Store {
	st := openStore(t)
	insertDocs(t, st.DB, readCorpus(t, "testdata/corpus"))
	return st
}

// InsertFixtureCorpus stores testdata/corpus in db (for the external tests).
func InsertFixtureCorpus(t testing.TB, db *sql.DB) []int64 {
	return insertDocs(t, db, readCorpus(t, "testdata/corpus"))
}
