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

// EnsureIndex returns the index for model and dims, creating its vec0 table
// (state building) when there is none. The table has metadata columns for
// filtered KNN, a binary-quantized copy of each vector for a fast first
// pass, and a trigger that drops a chunk's vector with the chunk.
func EnsureIndex(ctx context.Context, tx Querier, model string, dims int) (VectorIndex, error) {
	v := VectorIndex{Model: model, Dims: dims}
	err := tx.QueryRowContext(ctx, `SELECT id, state FROM vector_indexes WHERE model=? AND dims=?`, model, dims).Scan(&v.ID, &v.State)
	if err == nil {
		return v, nil
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
	stmts := []string{
		fmt.Sprintf(`CREATE VIRTUAL TABLE %s USING vec0(
			chunk_id INTEGER PRIMARY KEY,
			embedding float[%d] distance_metric=cosine,
			embedding_bits bit[%d],
			kind TEXT,
			platform TEXT,
			published TEXT
		)`, v.Table(), dims, bits),
		fmt.Sprintf(`CREATE TRIGGER %[1]s_delete AFTER DELETE ON chunks BEGIN
			DELETE FROM %[1]s WHERE chunk_id = old.id;
		END`, v.Table()),
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return v, fmt.Errorf("create %s for %s (%d-d): %w", v.Table(), model, dims, err)
		}
	}
	return v, nil
}

// DropIndex removes an index, its table and trigger.
func DropIndex(ctx context.Context, tx Querier, v VectorIndex) error {
	for _, s := range []string{
		`DROP TRIGGER IF EXISTS ` + v.Table() + `_delete`,
		`DROP TABLE IF EXISTS ` + v.Table(),
	} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("drop %s (%s): %w", v.Table(), v.Model, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM vector_indexes WHERE id=?`, v.ID); err != nil {
		return fmt.Errorf("drop vector index %d (%s): %w", v.ID, v.Model, err)
	}
	return nil
}

// InsertVector stores the vector of one chunk with its filter metadata.
func InsertVector(ctx context.Context, tx Querier, v VectorIndex, chunkID int64, vec []float32, kind, platform, published string) error {
	if len(vec) != v.Dims {
		return fmt.Errorf("model %s gave a %d-d vector for chunk %d, index %s holds %d-d vectors (dimension change: run the index again to rebuild)", v.Model, len(vec), chunkID, v.Table(), v.Dims)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO `+v.Table()+`(chunk_id, embedding, embedding_bits, kind, platform, published)
		VALUES (?, ?, vec_quantize_binary(?), ?, ?, ?)`, chunkID, VectorBlob(vec), VectorBlob(padTo8(vec)), kind, platform, published)
	if err != nil {
		return fmt.Errorf("store vector of chunk %d in %s: %w", chunkID, v.Table(), err)
	}
	return nil
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
	return true, nil
}
