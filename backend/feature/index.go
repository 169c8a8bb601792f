package feature

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/doppelhq/doppel/backend/jobs"
	"github.com/doppelhq/doppel/backend/search"
)

// Embedder embeds texts with a model and can tell whether a model embeds.
type Embedder interface {
	Check(ctx context.Context, model string) error
	Embed(ctx context.Context, model string, texts []string) ([][]float32, error)
}

// Indexer keeps chunks, the FTS index and the vector index in step with the
// documents. Every write is one transaction per batch of documents (or of
// chunks, when filling a new vector index), so a kill at any moment leaves
// an index where each chunk of the active vector index has its vector and
// each vector its chunk; the next run picks up where the last one stopped.
type Indexer struct {
	db    *sql.DB
	embed Embedder
	// Chunking are the chunk sizes.
	Chunking ChunkSettings
	// BatchChunks is about how many chunks one transaction writes (default 64).
	BatchChunks int

	mu sync.Mutex // one run at a time in this process
}

// NewIndexer returns an Indexer over db; embed may be nil for BM25 only.
func NewIndexer(db *sql.DB, embed Embedder) *Indexer {
	return &Indexer{db: db, embed: embed, Chunking: DefaultChunkSettings, BatchChunks: 64}
}

// Result summarizes an index run.
type Result struct {
	RunID int64 `json:"run_id"`
	// Model is the embedding model ("" for BM25 only) and Dims its size.
	Model string `json:"model"`
	Dims  int    `json:"dims,omitempty"`
	// Documents is how many documents were (re)chunked; Removed how many
	// left the index (excluded).
	Documents int `json:"documents"`
	Removed   int `json:"removed"`
	// Chunks is how many chunks were written and Embedded how many vectors.
	Chunks   int `json:"chunks"`
	Embedded int `json:"embedded"`
	// Switched is true when this run completed a new vector index and made
	// it the active one.
	Switched bool `json:"switched"`
	// TotalChunks is the size of the index afterwards.
	TotalChunks int64 `json:"total_chunks"`
}

// Run brings the index up to date for the embedding model ("" = BM25 only):
//  1. a new model (or a new dimension of the same model) gets its own vector
//     index, filled for the existing chunks and made active only once
//     complete, replacing the old one (dimensions never mix);
//  2. excluded documents leave the index (deleted ones went with their rows);
//  3. new and changed documents are chunked, embedded and written.
func (ix *Indexer) Run(ctx context.Context, model string, report func(jobs.Progress) error) (res Result, err error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if report == nil {
		report = func(jobs.Progress) error { return nil }
	}
	if err := ix.Chunking.Validate(); err != nil {
		return res, err
	}
	res.Model = model
	if err := ix.db.QueryRowContext(ctx, `INSERT INTO index_runs(model) VALUES (?) RETURNING id`, model).Scan(&res.RunID); err != nil {
		return res, fmt.Errorf("record index run: %w", err)
	}
	defer func() {
		status, msg := "succeeded", ""
		if err != nil {
			status, msg = "failed", err.Error()
			if errors.Is(err, context.Canceled) {
				status = "cancelled"
			}
		}
		_ = ix.db.QueryRowContext(context.WithoutCancel(ctx), `SELECT count(*) FROM chunks`).Scan(&res.TotalChunks)
		_, _ = ix.db.ExecContext(context.WithoutCancel(ctx), `UPDATE index_runs SET finished_at=strftime('%Y-%m-%dT%H:%M:%fZ','now'),
			status=?, error=?, documents=?, removed=?, chunks=?, embedded=? WHERE id=?`,
			status, msg, res.Documents, res.Removed, res.Chunks, res.Embedded, res.RunID)
	}()

	var idx *search.VectorIndex
	if model == "" {
		// Without a model no new chunk could get a vector: drop the vector
		// indexes rather than serve a partial one.
		if err := ix.dropVectorIndexes(ctx); err != nil {
			return res, err
		}
	} else {
		v, err := ix.prepareModel(ctx, model, report, &res)
		if err != nil {
			return res, err
		}
		idx = &v
		res.Dims = v.Dims
	}
	if err := ix.removeExcluded(ctx, &res); err != nil {
		return res, err
	}
	if err := ix.sync(ctx, model, idx, report, &res); err != nil {
		return res, err
	}
	return res, nil
}

func (ix *Indexer) dropVectorIndexes(ctx context.Context) error {
	all, err := search.Indexes(ctx, ix.db)
	if err != nil || len(all) == 0 {
		return err
	}
	return withTx(ctx, ix.db, func(tx *sql.Tx) error {
		for _, v := range all {
			if err := search.DropIndex(ctx, tx, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// prepareModel checks the model, measures its dimension with a probe, and
// makes sure its vector index is complete and active.
func (ix *Indexer) prepareModel(ctx context.Context, model string, report func(jobs.Progress) error, res *Result) (search.VectorIndex, error) {
	if ix.embed == nil {
		return search.VectorIndex{}, fmt.Errorf("embedding model %s: no embedder configured", model)
	}
	if err := ix.embed.Check(ctx, model); err != nil {
		return search.VectorIndex{}, err
	}
	probe, err := ix.embed.Embed(ctx, model, []string{"dimension probe"})
	if err != nil {
		return search.VectorIndex{}, err
	}
	dims := len(probe[0])
	var v search.VectorIndex
	if err := withTx(ctx, ix.db, func(tx *sql.Tx) error {
		v, err = search.EnsureIndex(ctx, tx, model, dims)
		return err
	}); err != nil {
		return v, err
	}
	// Fill the index for chunks that have no vector in it yet (all of them
	// for a new model), then switch over once nothing is missing.
	for {
		n, err := ix.backfill(ctx, v, report, res)
		if err != nil {
			return v, err
		}
		var switched bool
		if err := withTx(ctx, ix.db, func(tx *sql.Tx) error {
			var cur search.VectorIndex
			cur, err = search.ActiveIndex(ctx, tx)
			if err == nil && cur.ID == v.ID {
				switched = true // already active
				return nil
			}
			switched, err = search.Activate(ctx, tx, v)
			if switched {
				res.Switched = true
			}
			return err
		}); err != nil {
			return v, err
		}
		if switched {
			v.State = "active"
			return v, nil
		}
		if n == 0 {
			return v, fmt.Errorf("vector index for %s did not complete: chunks changed while it was filled", model)
		}
	}
}

// backfill embeds chunks missing from v, a batch per transaction.
func (ix *Indexer) backfill(ctx context.Context, v search.VectorIndex, report func(jobs.Progress) error, res *Result) (int, error) {
	var missing int64
	q := `SELECT count(*) FROM chunks WHERE id NOT IN (SELECT chunk_id FROM ` + v.Table() + `)`
	if err := ix.db.QueryRowContext(ctx, q).Scan(&missing); err != nil {
		return 0, fmt.Errorf("count chunks missing from %s: %w", v.Table(), err)
	}
	done := 0
	for missing > 0 {
		rows, err := ix.db.QueryContext(ctx, `SELECT c.id, c.context, c.text, d.kind, d.platform, COALESCE(d.published_at,'')
			FROM chunks c JOIN documents d ON d.id = c.document_id
			WHERE c.id NOT IN (SELECT chunk_id FROM `+v.Table()+`) ORDER BY c.id LIMIT ?`, ix.batch())
		if err != nil {
			return done, fmt.Errorf("read chunks to embed: %w", err)
		}
		type row struct {
			id                     int64
			context, text          string
			kind, platform, pubdat string
		}
		var batch []row
		var texts []string
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.context, &r.text, &r.kind, &r.platform, &r.pubdat); err != nil {
				rows.Close()
				return done, fmt.Errorf("read chunks to embed: %w", err)
			}
			batch = append(batch, r)
			texts = append(texts, EmbedText(r.context, r.text))
		}
		rows.Close()
		if len(batch) == 0 {
			break
		}
		vecs, err := ix.embed.Embed(ctx, v.Model, texts)
		if err != nil {
			return done, err
		}
		if err := withTx(ctx, ix.db, func(tx *sql.Tx) error {
			for i, r := range batch {
				var alive, has int
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM chunks WHERE id=?`, r.id).Scan(&alive); err != nil {
					return fmt.Errorf("check chunk %d: %w", r.id, err)
				}
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+v.Table()+` WHERE chunk_id=?`, r.id).Scan(&has); err != nil {
					return fmt.Errorf("check chunk %d in %s: %w", r.id, v.Table(), err)
				}
				if alive == 0 || has > 0 {
					continue
				}
				if err := search.InsertVector(ctx, tx, v, r.id, vecs[i], r.kind, r.platform, day(r.pubdat)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return done, err
		}
		done += len(batch)
		res.Embedded += len(batch)
		if err := report(jobs.Progress{Done: int64(done), Total: int64(done) + max(missing-int64(len(batch)), 0), Message: "embedding chunks with " + v.Model}); err != nil {
			return done, err
		}
		missing -= int64(len(batch))
	}
	return done, nil
}

func (ix *Indexer) batch() int {
	if ix.BatchChunks <= 0 {
		return 64
	}
	return ix.BatchChunks
}

// removeExcluded drops the chunks of excluded documents.
func (ix *Indexer) removeExcluded(ctx context.Context, res *Result) error {
	return withTx(ctx, ix.db, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `DELETE FROM indexed_documents WHERE document_id IN (SELECT id FROM documents WHERE excluded=1)`)
		if err != nil {
			return fmt.Errorf("remove excluded documents from the index: %w", err)
		}
		n, _ := r.RowsAffected()
		res.Removed = int(n)
		if _, err := tx.ExecContext(ctx, `DELETE FROM chunks WHERE document_id IN (SELECT id FROM documents WHERE excluded=1)`); err != nil {
			return fmt.Errorf("remove chunks of excluded documents: %w", err)
		}
		return nil
	})
}

// docMeta is what decides whether a document must be re-indexed.
type docMeta struct {
	id                                     int64
	hash, kind, platform, published, title string
	url                                    string
}

func (ix *Indexer) signature(d docMeta) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s", d.hash, d.kind, d.platform, day(d.published), d.title, ix.Chunking.Hash())
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Pending lists the documents that are new or changed since they were indexed.
func (ix *Indexer) Pending(ctx context.Context) ([]int64, error) {
	todo, err := ix.pending(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(todo))
	for i, d := range todo {
		ids[i] = d.id
	}
	return ids, nil
}

func (ix *Indexer) pending(ctx context.Context) ([]docMeta, error) {
	rows, err := ix.db.QueryContext(ctx, `SELECT d.id, d.content_hash, d.kind, d.platform, COALESCE(d.published_at,''), d.title, d.url,
			COALESCE(i.signature, '')
		FROM documents d LEFT JOIN indexed_documents i ON i.document_id = d.id
		WHERE d.excluded = 0 ORDER BY d.id`)
	if err != nil {
		return nil, fmt.Errorf("list documents to index: %w", err)
	}
	defer rows.Close()
	var todo []docMeta
	for rows.Next() {
		var d docMeta
		var sig string
		if err := rows.Scan(&d.id, &d.hash, &d.kind, &d.platform, &d.published, &d.title, &d.url, &sig); err != nil {
			return nil, fmt.Errorf("list documents to index: %w", err)
		}
		if ix.signature(d) != sig {
			todo = append(todo, d)
		}
	}
	return todo, rows.Err()
}

// prepared is one document chunked (and embedded) outside any transaction.
type prepared struct {
	meta   docMeta
	chunks []Chunk
	ctx    string
	vecs   [][]float32
}

// sync chunks, embeds and writes new and changed documents.
func (ix *Indexer) sync(ctx context.Context, model string, idx *search.VectorIndex, report func(jobs.Progress) error, res *Result) error {
	todo, err := ix.pending(ctx)
	if err != nil {
		return err
	}
	total := int64(len(todo))
	if err := report(jobs.Progress{Done: 0, Total: total, Message: "indexing documents"}); err != nil {
		return err
	}
	for i := 0; i < len(todo); {
		// Take documents until the batch holds enough chunks.
		var batch []prepared
		n := 0
		for i < len(todo) && (n == 0 || n < ix.batch()) {
			p, err := ix.prepare(ctx, todo[i])
			if err != nil {
				return err
			}
			batch = append(batch, p)
			n += len(p.chunks)
			i++
		}
		if idx != nil && n > 0 {
			var texts []string
			for _, p := range batch {
				for _, c := range p.chunks {
					texts = append(texts, EmbedText(ChunkContext(p.meta.title, c.HeadingPath), c.Text))
				}
			}
			vecs, err := ix.embed.Embed(ctx, model, texts)
			if err != nil {
				return err
			}
			k := 0
			for b := range batch {
				batch[b].vecs = vecs[k : k+len(batch[b].chunks)]
				k += len(batch[b].chunks)
			}
		}
		if err := withTx(ctx, ix.db, func(tx *sql.Tx) error { return ix.write(ctx, tx, idx, batch, res) }); err != nil {
			return err
		}
		if err := report(jobs.Progress{Done: int64(i), Total: total, Message: "indexing documents"}); err != nil {
			return err
		}
	}
	return nil
}

func (ix *Indexer) prepare(ctx context.Context, d docMeta) (prepared, error) {
	var content string
	err := ix.db.QueryRowContext(ctx, `SELECT content FROM documents WHERE id=?`, d.id).Scan(&content)
	if errors.Is(err, sql.ErrNoRows) {
		return prepared{meta: d}, nil // deleted meanwhile; write() skips it
	}
	if err != nil {
		return prepared{}, fmt.Errorf("read document %d (%s): %w", d.id, d.url, err)
	}
	return prepared{meta: d, chunks: ChunkDocument(d.kind, content, ix.Chunking)}, nil
}

// write replaces the chunks (and vectors) of a batch of documents.
func (ix *Indexer) write(ctx context.Context, tx *sql.Tx, idx *search.VectorIndex, batch []prepared, res *Result) error {
	if idx != nil {
		// The index must still be the active one (another process may have
		// switched models meanwhile); else stop before writing.
		cur, err := search.ActiveIndex(ctx, tx)
		if err != nil || cur.ID != idx.ID {
			return fmt.Errorf("the active vector index changed during the run (another index run?): run `doppel index` again")
		}
	} else if all, err := search.Indexes(ctx, tx); err != nil {
		return err
	} else if len(all) > 0 {
		return fmt.Errorf("a vector index (%s) appeared during a BM25-only run: run `doppel index` again", all[0].Model)
	}
	for _, p := range batch {
		// Skip a document that changed or vanished since it was chunked.
		var cur docMeta
		var excluded bool
		err := tx.QueryRowContext(ctx, `SELECT id, content_hash, kind, platform, COALESCE(published_at,''), title, url, excluded FROM documents WHERE id=?`, p.meta.id).
			Scan(&cur.id, &cur.hash, &cur.kind, &cur.platform, &cur.published, &cur.title, &cur.url, &excluded)
		if errors.Is(err, sql.ErrNoRows) || excluded {
			continue
		}
		if err != nil {
			return fmt.Errorf("re-read document %d: %w", p.meta.id, err)
		}
		if ix.signature(cur) != ix.signature(p.meta) {
			continue // the next run indexes the new version
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM chunks WHERE document_id=?`, p.meta.id); err != nil {
			return fmt.Errorf("replace chunks of document %d (%s): %w", p.meta.id, p.meta.url, err)
		}
		cctx := ""
		for j, c := range p.chunks {
			cctx = ChunkContext(p.meta.title, c.HeadingPath)
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO chunks(document_id, position, heading_path, start, "end", context, text)
				VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, p.meta.id, c.Position, c.HeadingPath, c.Start, c.End, cctx, c.Text).Scan(&id); err != nil {
				return fmt.Errorf("store chunk %d of document %d (%s): %w", c.Position, p.meta.id, p.meta.url, err)
			}
			if idx != nil {
				if err := search.InsertVector(ctx, tx, *idx, id, p.vecs[j], p.meta.kind, p.meta.platform, day(p.meta.published)); err != nil {
					return err
				}
				res.Embedded++
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO indexed_documents(document_id, signature, chunks, indexed_at) VALUES (?, ?, ?, ?)
			ON CONFLICT(document_id) DO UPDATE SET signature=excluded.signature, chunks=excluded.chunks, indexed_at=excluded.indexed_at`,
			p.meta.id, ix.signature(p.meta), len(p.chunks), time.Now().UTC().Format("2006-01-02T15:04:05.000Z")); err != nil {
			return fmt.Errorf("record indexing of document %d: %w", p.meta.id, err)
		}
		res.Documents++
		res.Chunks += len(p.chunks)
	}
	return nil
}

// ChunkContext is the title and heading path stored, searched and embedded
// with a chunk's text.
func ChunkContext(title, headingPath string) string {
	switch {
	case title == "":
		return headingPath
	case headingPath == "" || headingPath == title:
		return title
	default:
		return title + " › " + headingPath
	}
}

// EmbedText is what the embedding model sees for a chunk: its context line
// and its text.
func EmbedText(context, text string) string {
	if context == "" {
		return text
	}
	return context + "\n\n" + text
}

// day keeps the date part of a timestamp (the vec metadata and filters
// work on days).
func day(ts string) string {
	ts = strings.TrimSpace(ts)
	if len(ts) >= 10 {
		return ts[:10]
	}
	return ts
}

func withTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin index transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit index transaction: %w", err)
	}
	return nil
}

// IndexRun is one recorded index run.
type IndexRun struct {
	ID         int64  `json:"id"`
	Model      string `json:"model"`
	StartedAt  string `json:"started_at"`
	FinishedAt string `json:"finished_at,omitempty"`
	// Status is running, succeeded, failed or cancelled.
	Status    string `json:"status"`
	Documents int    `json:"documents"`
	Removed   int    `json:"removed"`
	Chunks    int    `json:"chunks"`
	Embedded  int    `json:"embedded"`
	Error     string `json:"error,omitempty"`
}

// Status is the state of the index as the Documents page shows it.
type Status struct {
	// Documents counts the documents that are not excluded; Indexed those
	// whose current version is in the index; Pending the new or changed ones.
	Documents int64 `json:"documents"`
	Indexed   int64 `json:"indexed"`
	Pending   int   `json:"pending"`
	// Chunks is the number of chunks; Embedded how many have a vector in
	// the active index.
	Chunks   int64 `json:"chunks"`
	Embedded int64 `json:"embedded"`
	// Model and Dims describe the active vector index ("" = BM25 only).
	Model string `json:"model"`
	Dims  int    `json:"dims,omitempty"`
	// ConfiguredModel is the embedding model setting.
	ConfiguredModel string `json:"configured_model"`
	// Building is a vector index being filled for a new model, if any.
	Building *search.VectorIndex `json:"building,omitempty"`
	// LastRun is the latest index run.
	LastRun *IndexRun `json:"last_run,omitempty"`
	// Chunking are the chunk sizes in use.
	Chunking ChunkSettings `json:"chunking"`
}

// Status reports the index; configured is the embedding model setting.
func (ix *Indexer) Status(ctx context.Context, configured string) (*Status, error) {
	st := &Status{ConfiguredModel: configured, Chunking: ix.Chunking}
	if err := ix.db.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM documents WHERE excluded=0),
			0,
			(SELECT count(*) FROM chunks)`).Scan(&st.Documents, &st.Indexed, &st.Chunks); err != nil {
		return nil, fmt.Errorf("index status: %w", err)
	}
	todo, err := ix.pending(ctx)
	if err != nil {
		return nil, err
	}
	st.Pending = len(todo)
	st.Indexed = st.Documents - int64(st.Pending)
	all, err := search.Indexes(ctx, ix.db)
	if err != nil {
		return nil, err
	}
	for _, v := range all {
		if v.State == "active" {
			st.Model, st.Dims, st.Embedded = v.Model, v.Dims, v.Vectors
		} else {
			b := v
			st.Building = &b
		}
	}
	var r IndexRun
	var fin sql.NullString
	err = ix.db.QueryRowContext(ctx, `SELECT id, model, started_at, finished_at, status, documents, removed, chunks, embedded, error
		FROM index_runs ORDER BY id DESC LIMIT 1`).Scan(&r.ID, &r.Model, &r.StartedAt, &fin, &r.Status, &r.Documents, &r.Removed, &r.Chunks, &r.Embedded, &r.Error)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("index status: last run: %w", err)
	default:
		r.FinishedAt = fin.String
		st.LastRun = &r
	}
	return st, nil
}
