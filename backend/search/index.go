package search

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// VectorIndex is one sqlite-vec table of chunk embeddings made by one model.
type VectorIndex struct {
	ID    int64  `json:"id"`
	Model string `json:"model"`
	Dims  int    `json:"dims"`
	// State is "building" (filling in the background, not searched) or
	// "active" (searched; has a vector for every chunk).
	State string `json:"state"`
	// Vectors is how many chunks have a vector in this index.
	Vectors int64 `json:"vectors"`
}

// Table is the vec0 table of the index.
func (v VectorIndex) Table() string { return fmt.Sprintf("vec_chunks_%d", v.ID) }

// Querier is what both *sql.DB and *sql.Tx offer.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ErrNoIndex is returned when there is no active vector index.
var ErrNoIndex = errors.New("no vector index")

// Indexes lists the vector indexes, the active one first.
func Indexes(ctx context.Context, q Querier) ([]VectorIndex, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, model, dims, state FROM vector_indexes ORDER BY state='active' DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("list vector indexes: %w", err)
	}
	var out []VectorIndex
	for rows.Next() {
		var v VectorIndex
		if err := rows.Scan(&v.ID, &v.Model, &v.Dims, &v.State); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list vector indexes: %w", err)
		}
		out = append(out, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list vector indexes: %w", err)
	}
	for i := range out {
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+out[i].Table()).Scan(&out[i].Vectors); err != nil {
			return nil, fmt.Errorf("count vectors in %s: %w", out[i].Table(), err)
		}
	}
	return out, nil
}

// ActiveIndex returns the index that search uses, or ErrNoIndex.
func ActiveIndex(ctx context.Context, q Querier) (VectorIndex, error) {
	var v VectorIndex
	err := q.QueryRowContext(ctx, `SELECT id, model, dims, state FROM vector_indexes WHERE state='active'`).Scan(&v.ID, &v.Model, &v.Dims, &v.State)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrNoIndex
	}
	if err != nil {
		return v, fmt.Errorf("read the active vector index: %w", err)
	}
	return v, nil
}

// FlatTable is the plain table that mirrors the index's vectors and filter
// metadata (chunk_id INTEGER PRIMARY KEY, embedding BLOB, kind, platform,
// published): the in-memory vector cache loads from it in one fast scan and
// reads the exact float vectors of its re-rank candidates from it by rowid
// (a vec0 point lookup reads a whole 1,024-vector chunk: ~0.25 ms each).
func (v VectorIndex) FlatTable() string { return fmt.Sprintf("vec_flat_%d", v.ID) }

// ensureGeneration creates the vector generation counter: one row bumped by
// every write that changes what vector search can return (a vector stored,
// a chunk deleted, an index created, activated or dropped). Searchers, in
// this process or another, compare it to their cached copy's.
func ensureGeneration(ctx context.Context, tx Querier) error {
	for _, s := range []string{
		`CREATE TABLE IF NOT EXISTS vector_generation (id INTEGER PRIMARY KEY CHECK (id = 1), gen INTEGER NOT NULL)`,
		`INSERT OR IGNORE INTO vector_generation(id, gen) VALUES (1, 0)`,
	} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("create the vector generation counter: %w", err)
		}
	}
	return nil
}

const bumpGeneration = `UPDATE vector_generation SET gen = gen + 1 WHERE id = 1`

func bump(ctx context.Context, tx Querier) error {
	if _, err := tx.ExecContext(ctx, bumpGeneration); err != nil {
		return fmt.Errorf("bump the vector generation: %w", err)
	}
	return nil
}

func tableExists(ctx context.Context, q Querier, name string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?`, name).Scan(&n); err != nil {
		return false, fmt.Errorf("look for table %s: %w", name, err)
	}
	return n > 0, nil
}

// EnsureIndex returns the index for model and dims, creating its vec0 table
// (state building) when there is none. The table has metadata columns for
// filtered KNN, a binary-quantized copy of each vector, a flat mirror
// (FlatTable) for the in-memory cache, and a trigger that drops a chunk's
// vector with the chunk. An index made before the flat mirror existed gets
// it here, filled from the vec0 table, in the same transaction.
func EnsureIndex(ctx context.Context, tx Querier, model string, dims int) (VectorIndex, error) {
	v := VectorIndex{Model: model, Dims: dims}
	if err := ensureGeneration(ctx, tx); err != nil {
		return v, err
	}
	err := tx.QueryRowContext(ctx, `SELECT id, state FROM vector_indexes WHERE model=? AND dims=?`, model, dims).Scan(&v.ID, &v.State)
	if err == nil {
		return v, ensureFlat(ctx, tx, v, true)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("find vector index for %s (%d-d): %w", model, dims, err)
	}
	if dims <= 0 || dims > 8192 {
		return v, fmt.Errorf("model %s gives %d-dimensional vectors: not a usable embedding size", model, dims)
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO vector_indexes(model, dims) VALUES (?, ?) RETURNING id, state`, model, dims).Scan(&v.ID, &v.State); err != nil {
		return v, fmt.Errorf("create vector index for %s (%d-d): %w", model, dims, err)
	}
	bits := (dims + 7) / 8 * 8
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`CREATE VIRTUAL TABLE %s USING vec0(
			chunk_id INTEGER PRIMARY KEY,
			embedding float[%d] distance_metric=cosine,
			embedding_bits bit[%d],
			kind TEXT,
			platform TEXT,
			published TEXT
		)`, v.Table(), dims, bits)); err != nil {
		return v, fmt.Errorf("create %s for %s (%d-d): %w", v.Table(), model, dims, err)
	}
	if err := ensureFlat(ctx, tx, v, false); err != nil {
		return v, err
	}
	return v, bump(ctx, tx)
}

// ensureFlat creates the flat mirror of v and the delete trigger that keeps
// both tables and the generation in step with chunks; fill copies the vec0
// table into a newly made mirror (an index from before the mirror).
func ensureFlat(ctx context.Context, tx Querier, v VectorIndex, fill bool) error {
	ok, err := tableExists(ctx, tx, v.FlatTable())
	if err != nil || ok {
		return err
	}
	stmts := []string{
		`CREATE TABLE ` + v.FlatTable() + ` (
			chunk_id  INTEGER PRIMARY KEY,
			embedding BLOB NOT NULL,
			kind      TEXT NOT NULL DEFAULT '',
			platform  TEXT NOT NULL DEFAULT '',
			published TEXT NOT NULL DEFAULT ''
		)`,
		`DROP TRIGGER IF EXISTS ` + v.Table() + `_delete`,
		fmt.Sprintf(`CREATE TRIGGER %[1]s_delete AFTER DELETE ON chunks BEGIN
			DELETE FROM %[1]s WHERE chunk_id = old.id;
			DELETE FROM %[2]s WHERE chunk_id = old.id;
			%[3]s;
		END`, v.Table(), v.FlatTable(), bumpGeneration),
	}
	if fill {
		stmts = append(stmts, `INSERT INTO `+v.FlatTable()+`(chunk_id, embedding, kind, platform, published)
			SELECT chunk_id, embedding, COALESCE(kind, ''), COALESCE(platform, ''), COALESCE(published, '') FROM `+v.Table(), bumpGeneration)
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("create %s for %s (%d-d): %w", v.FlatTable(), v.Model, v.Dims, err)
		}
	}
	return nil
}

// DropIndex removes an index, its table and trigger.
func DropIndex(ctx context.Context, tx Querier, v VectorIndex) error {
	for _, s := range []string{
		`DROP TRIGGER IF EXISTS ` + v.Table() + `_delete`,
		`DROP TABLE IF EXISTS ` + v.Table(),
		`DROP TABLE IF EXISTS ` + v.FlatTable(),
	} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("drop %s (%s): %w", v.Table(), v.Model, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM vector_indexes WHERE id=?`, v.ID); err != nil {
		return fmt.Errorf("drop vector index %d (%s): %w", v.ID, v.Model, err)
	}
	if err := ensureGeneration(ctx, tx); err != nil {
		return err
	}
	return bump(ctx, tx)
}

// InsertVector stores the vector of one chunk with its filter metadata, in
// the vec0 table and its flat mirror. The index must come from EnsureIndex
// (which makes the mirror).
func InsertVector(ctx context.Context, tx Querier, v VectorIndex, chunkID int64, vec []float32, kind, platform, published string) error {
	if len(vec) != v.Dims {
		return fmt.Errorf("model %s gave a %d-d vector for chunk %d, index %s holds %d-d vectors (dimension change: run the index again to rebuild)", v.Model, len(vec), chunkID, v.Table(), v.Dims)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO `+v.Table()+`(chunk_id, embedding, embedding_bits, kind, platform, published)
		VALUES (?, ?, vec_quantize_binary(?), ?, ?, ?)`, chunkID, VectorBlob(vec), VectorBlob(padTo8(vec)), kind, platform, published)
	if err != nil {
		return fmt.Errorf("store vector of chunk %d in %s: %w", chunkID, v.Table(), err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+v.FlatTable()+`(chunk_id, embedding, kind, platform, published) VALUES (?, ?, ?, ?, ?)`,
		chunkID, VectorBlob(vec), kind, platform, published); err != nil {
		return fmt.Errorf("store vector of chunk %d in %s: %w", chunkID, v.FlatTable(), err)
	}
	return bump(ctx, tx)
}

// padTo8 pads a vector to a multiple of 8 dimensions for bit quantization.
func padTo8(v []float32) []float32 {
	if len(v)%8 == 0 {
		return v
	}
	out := make([]float32, (len(v)+7)/8*8)
	copy(out, v)
	return out
}

// VectorBlob encodes a vector as sqlite-vec's little-endian float32 blob.
func VectorBlob(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

// Activate makes v the active index if it has a vector for every chunk,
// dropping every other index, all in tx. It reports whether it switched.
func Activate(ctx context.Context, tx Querier, v VectorIndex) (bool, error) {
	var missing int64
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM chunks WHERE id NOT IN (SELECT chunk_id FROM `+v.Table()+`)`).Scan(&missing)
	if err != nil {
		return false, fmt.Errorf("check %s is complete: %w", v.Table(), err)
	}
	if missing > 0 {
		return false, nil
	}
	all, err := Indexes(ctx, tx)
	if err != nil {
		return false, err
	}
	for _, o := range all {
		if o.ID != v.ID {
			if err := DropIndex(ctx, tx, o); err != nil {
				return false, err
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE vector_indexes SET state='active', activated_at=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id=?`, v.ID); err != nil {
		return false, fmt.Errorf("activate %s (%s): %w", v.Table(), v.Model, err)
	}
	if err := ensureGeneration(ctx, tx); err != nil {
		return false, err
	}
	return true, bump(ctx, tx)
}
