package search

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/doppelhq/doppel/backend/store"
)

func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestVectorIndexLifecycle(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	db := st.DB
	mustExec(t, db, `INSERT INTO documents(id, platform, kind, url, content, content_hash) VALUES (1,'blog','article','https://a/1','x','h')`)
	mustExec(t, db, `INSERT INTO chunks(id, document_id, position, start, "end", text) VALUES (10,1,0,0,1,'x'), (11,1,1,0,1,'y')`)
	v, err := EnsureIndex(ctx, db, "m", 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := InsertVector(ctx, db, v, 10, []float32{1, 0, 0}, "article", "blog", "2024-01-01"); err != nil {
		t.Fatal(err)
	}
	if ok, err := Activate(ctx, db, v); err != nil || ok {
		t.Fatalf("activate with a chunk missing its vector: %v %v", ok, err)
	}
	if err := InsertVector(ctx, db, v, 11, []float32{0, 1, 0}, "post", "x", "2025-01-01"); err != nil {
		t.Fatal(err)
	}
	if err := InsertVector(ctx, db, v, 12, []float32{0, 1}, "post", "x", ""); err == nil {
		t.Fatal("a 2-d vector went into a 3-d index")
	}
	if ok, err := Activate(ctx, db, v); err != nil || !ok {
		t.Fatalf("activate: %v %v", ok, err)
	}
	rows, err := db.Query(`SELECT chunk_id, distance FROM `+v.Table()+` WHERE embedding MATCH ? AND k = 5 AND kind IN ('post','note') AND published >= '2024-06-01'`, VectorBlob([]float32{1, 0.1, 0}))
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for rows.Next() {
		var id int64
		var d float64
		rows.Scan(&id, &d)
		got = append(got, id)
	}
	rows.Close()
	if len(got) != 1 || got[0] != 11 {
		t.Fatalf("filtered KNN = %v, want [11]", got)
	}
	mustExec(t, db, `DELETE FROM documents WHERE id=1`)
	var n int
	db.QueryRow(`SELECT count(*) FROM ` + v.Table()).Scan(&n)
	if n != 0 {
		t.Fatalf("%d vectors left after their chunks were deleted", n)
	}
	// A second model's index replaces the first only when complete.
	w, err := EnsureIndex(ctx, db, "m2", 5)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := Activate(ctx, db, w); err != nil || !ok {
		t.Fatalf("activate empty index over no chunks: %v %v", ok, err)
	}
	all, _ := Indexes(ctx, db)
	if len(all) != 1 || all[0].Model != "m2" || all[0].State != "active" {
		t.Fatalf("indexes after switch: %+v", all)
	}
}

func mustExec(t testing.TB, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
