package doppel_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/jobs"
	"github.com/doppelhq/doppel/backend/search"
	"github.com/doppelhq/doppel/backend/settings"
	"github.com/doppelhq/doppel/backend/store"
	"github.com/doppelhq/doppel/backend/testenv"
)

const childEnv = "DOPPEL_TEST_INDEX_CHILD_DIR"

// seed opens a data dir, points it at the test Ollama and the embedding
// model, and inserts the short documents of the feature fixture corpus with
// plain SQL.
func seed(t *testing.T, dir string, n int) {
	t.Helper()
	ctx := context.Background()
	a, err := doppel.Open(ctx, doppel.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Settings.Set(ctx, settings.OllamaURL, testenv.Ollama(t))
	a.Settings.Set(ctx, settings.EmbedModel, testenv.EmbedModel())
	f, err := os.Open("../feature/testdata/corpus.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() && n > 0 {
		var d struct{ URL, Title, Platform, Kind, Published_at, Content string }
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		if d.Kind != "post" && d.Kind != "note" {
			continue
		}
		n--
		sum := sha256.Sum256([]byte(d.Content))
		if _, err := a.Store.DB.Exec(`INSERT INTO documents(platform, kind, url, title, published_at, content, content_hash) VALUES (?,?,?,?,?,?,?)`,
			d.Platform, d.Kind, d.URL, d.Title, d.Published_at, d.Content, hex.EncodeToString(sum[:])); err != nil {
			t.Fatal(err)
		}
	}
}

// runIndex does what `doppel index` does: an index job in the foreground.
func runIndex(t *testing.T, dir string, batch int) *jobs.Job {
	t.Helper()
	ctx := context.Background()
	a, err := doppel.Open(ctx, doppel.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Indexer.BatchChunks = batch
	j, err := a.Jobs.Execute(ctx, doppel.KindIndex, "Index documents", doppel.IndexRequest{}, nil)
	if err != nil {
		t.Fatalf("index %s: %v", dir, err)
	}
	return j
}

// TestIndexKillAndResume kills a real indexing process with SIGKILL in the
// middle of a run, then runs the index again and compares the result with
// an uninterrupted run over the same documents.
func TestIndexKillAndResume(t *testing.T) {
	if dir := os.Getenv(childEnv); dir != "" {
		runIndex(t, dir, 1) // the child: killed before it finishes
		return
	}
	testenv.Ollama(t)
	const docs = 10
	killed, clean := t.TempDir(), t.TempDir()
	seed(t, killed, docs)
	seed(t, clean, docs)

	cmd := exec.Command(os.Args[0], "-test.run=^TestIndexKillAndResume$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+killed)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	db, err := sql.Open("sqlite3", store.DSN(filepath.Join(killed, store.FileName)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var n int
		db.QueryRow(`SELECT count(*) FROM indexed_documents`).Scan(&n)
		if n >= 2 {
			syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
			<-exited
			t.Logf("killed the indexer after %d of %d documents", n, docs)
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the indexer finished (%v) before it could be killed", err)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the indexer made no progress in 3 minutes")
		}
	}
	var partial int
	db.QueryRow(`SELECT count(*) FROM indexed_documents`).Scan(&partial)
	if partial >= docs {
		t.Fatalf("all %d documents were indexed before the kill", partial)
	}
	db.Close()

	j := runIndex(t, killed, 3)
	if j.Status != jobs.Succeeded {
		t.Fatalf("resumed run: %+v", j)
	}
	runIndex(t, clean, 64)
	a, b := dump(t, killed), dump(t, clean)
	if len(a) != len(b) || len(a) < docs {
		t.Fatalf("%d chunks after kill+resume, %d uninterrupted", len(a), len(b))
	}
	for k, va := range a {
		vb, ok := b[k]
		if !ok || va.text != vb.text {
			t.Fatalf("chunk %s differs: %q vs %q", k, va.text, vb.text)
		}
		if d := maxDiff(va.vec, vb.vec); d > 1e-4 {
			t.Errorf("chunk %s: vectors differ by %g", k, d)
		}
	}
	// The killed run's job was found and marked interrupted on the next open.
	ad, _ := doppel.Open(context.Background(), doppel.Config{DataDir: killed})
	defer ad.Close()
	list, _ := ad.Jobs.List(context.Background(), jobs.Filter{Kind: doppel.KindIndex})
	statuses := []string{}
	for _, j := range list {
		statuses = append(statuses, string(j.Status))
	}
	if !strings.Contains(strings.Join(statuses, ","), "interrupted") {
		t.Errorf("index jobs after a kill: %v, want one interrupted", statuses)
	}
}

type chunkRow struct {
	text string
	vec  []float32
}

// dump reads every chunk with its vector in the active index, keyed by
// document URL and position (ids may differ between runs).
func dump(t *testing.T, dir string) map[string]chunkRow {
	t.Helper()
	ctx := context.Background()
	a, err := doppel.Open(ctx, doppel.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	idx, err := search.ActiveIndex(ctx, a.Store.DB)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := a.Store.DB.Query(`SELECT d.url, c.position, c.start, c."end", c.heading_path, c.context, c.text, v.embedding
		FROM chunks c JOIN documents d ON d.id=c.document_id LEFT JOIN ` + idx.Table() + ` v ON v.chunk_id=c.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]chunkRow{}
	for rows.Next() {
		var url, hp, cx, text string
		var pos, st, en int
		var blob []byte
		if err := rows.Scan(&url, &pos, &st, &en, &hp, &cx, &text, &blob); err != nil {
			t.Fatal(err)
		}
		if blob == nil {
			t.Fatalf("%s chunk %d has no vector", url, pos)
		}
		vec := make([]float32, len(blob)/4)
		for i := range vec {
			vec[i] = math.Float32frombits(binary.LittleEndian.Uint32(blob[4*i:]))
		}
		out[fmt.Sprintf("%s#%d[%d,%d)%s|%s", url, pos, st, en, hp, cx)] = chunkRow{text, vec}
	}
	return out
}

func maxDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var m float64
	for i := range a {
		m = max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}
