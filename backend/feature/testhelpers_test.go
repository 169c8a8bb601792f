package feature

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/doppelhq/doppel/backend/llm"
	"github.com/doppelhq/doppel/backend/search"
	"github.com/doppelhq/doppel/backend/store"
)

// fixtureDoc is one line of testdata/corpus.jsonl.
type fixtureDoc struct {
	URL         string `json:"url"`
	Title       string `json:"title"`
	Platform    string `json:"platform"`
	Kind        string `json:"kind"`
	PublishedAt string `json:"published_at"`
	Content     string `json:"content"`
	Excluded    int    `json:"excluded"`
}

func openTestStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func loadCorpus(t testing.TB) []fixtureDoc {
	t.Helper()
	f, err := os.Open("testdata/corpus.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []fixtureDoc
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var d fixtureDoc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// insertDoc writes a document row with plain SQL (the data collection
// package owns the real writers).
func insertDoc(t testing.TB, db *sql.DB, d fixtureDoc) int64 {
	t.Helper()
	sum := sha256.Sum256([]byte(d.Content))
	var pub any
	if d.PublishedAt != "" {
		pub = d.PublishedAt
	}
	var id int64
	err := db.QueryRow(`INSERT INTO documents(platform, kind, url, title, published_at, content, content_hash, excluded)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, d.Platform, d.Kind, d.URL, d.Title, pub, d.Content, hex.EncodeToString(sum[:]), d.Excluded).Scan(&id)
	if err != nil {
		t.Fatalf("insert %s: %v", d.URL, err)
	}
	return id
}

func updateContent(t testing.TB, db *sql.DB, id int64, content string) {
	t.Helper()
	sum := sha256.Sum256([]byte(content))
	if _, err := db.Exec(`UPDATE documents SET content=?, content_hash=? WHERE id=?`, content, hex.EncodeToString(sum[:]), id); err != nil {
		t.Fatal(err)
	}
}

func insertCorpus(t testing.TB, db *sql.DB) []fixtureDoc {
	t.Helper()
	docs := loadCorpus(t)
	for _, d := range docs {
		insertDoc(t, db, d)
	}
	return docs
}

// testOllama is testenv.Ollama (which this package cannot import: testenv
// imports the app, which imports this package).
func testOllama(t testing.TB) string {
	t.Helper()
	u := os.Getenv("DOPPEL_TEST_OLLAMA_URL")
	if u == "" {
		if os.Getenv("DOPPEL_REQUIRE_OLLAMA") == "1" {
			t.Fatal("DOPPEL_TEST_OLLAMA_URL is not set but DOPPEL_REQUIRE_OLLAMA=1")
		}
		t.Skip("no test Ollama: set DOPPEL_TEST_OLLAMA_URL (scripts/test.sh does)")
	}
	return u
}

func embedModel() string {
	if m := os.Getenv("DOPPEL_TEST_EMBED_MODEL"); m != "" {
		return m
	}
	return "all-minilm:l6-v2"
}

func chatModel() string {
	if m := os.Getenv("DOPPEL_TEST_CHAT_MODEL"); m != "" {
		return m
	}
	return "smollm2:135m"
}

// ollamaEmbedder embeds through the test Ollama.
func ollamaEmbedder(t testing.TB) *OllamaEmbedder {
	t.Helper()
	u := testOllama(t)
	e := llm.NewEngine(t.TempDir(), func(context.Context) string { return u })
	return NewOllamaEmbedder(e)
}

func newSearch(db *sql.DB, e search.Embedder) *search.Service {
	return search.New(db, e, func(context.Context) (string, error) { return "", nil }, search.Options{})
}

// checkInvariants fails when a chunk of the active index lacks its vector,
// a vector lacks its chunk, or the FTS index disagrees with the chunks.
func checkInvariants(t testing.TB, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM chunks_fts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	var chunks int
	db.QueryRow(`SELECT count(*) FROM chunks`).Scan(&chunks)
	if n != chunks {
		t.Errorf("FTS holds %d rows for %d chunks", n, chunks)
	}
	if _, err := db.Exec(`INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)`); err != nil {
		t.Errorf("FTS integrity check: %v", err)
	}
	all, err := search.Indexes(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range all {
		var orphan, missing int
		db.QueryRow(`SELECT count(*) FROM ` + v.Table() + ` WHERE chunk_id NOT IN (SELECT id FROM chunks)`).Scan(&orphan)
		db.QueryRow(`SELECT count(*) FROM chunks WHERE id NOT IN (SELECT chunk_id FROM ` + v.Table() + `)`).Scan(&missing)
		if orphan > 0 {
			t.Errorf("%s (%s): %d vectors without a chunk", v.Table(), v.State, orphan)
		}
		if v.State == "active" && missing > 0 {
			t.Errorf("%s (active): %d chunks without a vector", v.Table(), missing)
		}
		// The flat mirror the search cache loads holds the same vectors.
		var diff int
		if err := db.QueryRow(`SELECT (SELECT count(*) FROM (SELECT chunk_id, embedding, kind, platform, published FROM ` + v.Table() + `
			EXCEPT SELECT chunk_id, embedding, kind, platform, published FROM ` + v.FlatTable() + `))
			+ (SELECT count(*) FROM (SELECT chunk_id, embedding, kind, platform, published FROM ` + v.FlatTable() + `
			EXCEPT SELECT chunk_id, embedding, kind, platform, published FROM ` + v.Table() + `))`).Scan(&diff); err != nil {
			t.Fatal(err)
		}
		if diff != 0 {
			t.Errorf("%s and %s differ in %d rows", v.Table(), v.FlatTable(), diff)
		}
	}
}

// sameHits fails unless the cached and exact searches return the same
// chunks in the same order with the same scores.
func sameHits(t testing.TB, what string, cached, exact []search.Hit) {
	t.Helper()
	if len(cached) != len(exact) {
		t.Errorf("%s: %d cached hits, %d exact", what, len(cached), len(exact))
		return
	}
	for i := range exact {
		c, e := cached[i], exact[i]
		if c.ChunkID != e.ChunkID || math.Abs(c.Score-e.Score) > 1e-6 || c.VectorRank != e.VectorRank || c.BM25Rank != e.BM25Rank {
			t.Errorf("%s: hit %d cached %d (%.6f v%d b%d), exact %d (%.6f v%d b%d)", what, i, c.ChunkID, c.Score, c.VectorRank, c.BM25Rank, e.ChunkID, e.Score, e.VectorRank, e.BM25Rank)
			return
		}
	}
}
