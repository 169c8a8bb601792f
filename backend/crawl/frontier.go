package crawl

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/doppelhq/doppel/backend/documents"
)

// Page states in crawl_pages.
const (
	StateQueued    = "queued"
	StateStored    = "stored"
	StateUnchanged = "unchanged"
	StateListing   = "listing"
	StateSkipped   = "skipped"
	StateFailed    = "failed"
)

// frontier is a source's crawl record in crawl_pages: which URLs the
// current run has queued and handled. A run killed half-way is resumed
// from it: handled URLs are not fetched again.
type frontier struct {
	db     *sql.DB
	source int64
	run    int64

	queueStmt, markStmt *sql.Stmt
}

// queuedPage is a URL waiting to be fetched, with the validators of its
// last fetch (for conditional requests).
type queuedPage struct {
	URL          string
	Depth        int
	ETag         string
	LastModified string
}

// openRun resumes the source's unfinished run, or starts a new one in
// which every URL known from earlier runs is queued again (a re-crawl).
func openRun(ctx context.Context, db *sql.DB, source int64) (*frontier, bool, error) {
	f := &frontier{db: db, source: source}
	resumed := false
	err := tx(ctx, db, func(tx *sql.Tx) error {
		var open bool
		if err := tx.QueryRowContext(ctx, `SELECT crawl_run, crawl_open FROM sources WHERE id=?`, source).Scan(&f.run, &open); err != nil {
			return err
		}
		if open {
			resumed = true
			return nil
		}
		f.run++
		if _, err := tx.ExecContext(ctx, `UPDATE sources SET crawl_run=?, crawl_open=1 WHERE id=?`, f.run, source); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE crawl_pages SET state='queued', run=?, reason='', updated_at=? WHERE source_id=?`,
			f.run, documents.FormatTime(time.Now()), source)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("open crawl run of source %d: %w", source, err)
	}
	return f, resumed, nil
}

func tx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	t, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(t); err != nil {
		t.Rollback()
		return err
	}
	return t.Commit()
}

// close marks the run finished, so the next crawl is a re-crawl.
func (f *frontier) close(ctx context.Context) error {
	_, err := f.db.ExecContext(ctx, `UPDATE sources SET crawl_open=0 WHERE id=? AND crawl_run=?`, f.source, f.run)
	if err != nil {
		return fmt.Errorf("close crawl run of source %d: %w", f.source, err)
	}
	return nil
}

const (
	qQueuePage = `INSERT INTO crawl_pages(source_id, url, run, state, depth) VALUES (?,?,?, 'queued', ?)
			ON CONFLICT(source_id, url) DO NOTHING`
	qMarkPage = `INSERT INTO crawl_pages(source_id, url, run, state, reason, http_status, etag, last_modified, document_id, updated_at)
		VALUES (?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT(source_id, url) DO UPDATE SET run=excluded.run, state=excluded.state, reason=excluded.reason,
			http_status=excluded.http_status,
			etag=CASE WHEN excluded.http_status=304 THEN crawl_pages.etag ELSE excluded.etag END,
			last_modified=CASE WHEN excluded.http_status=304 THEN crawl_pages.last_modified ELSE excluded.last_modified END,
			document_id=COALESCE(excluded.document_id, crawl_pages.document_id), updated_at=excluded.updated_at`
)

// add queues URLs not yet known to this source; it returns the ones that
// were new.
func (f *frontier) add(ctx context.Context, urls []string, depth int) ([]string, error) {
	if len(urls) == 0 {
		return nil, nil
	}
	var added []string
	err := tx(ctx, f.db, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, qQueuePage)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, u := range urls {
			r, err := stmt.ExecContext(ctx, f.source, u, f.run, depth)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n == 1 {
				added = append(added, u)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue URLs of source %d: %w", f.source, err)
	}
	return added, nil
}

// known returns every URL of this source's crawl record.
func (f *frontier) known(ctx context.Context) (map[string]bool, error) {
	rows, err := f.db.QueryContext(ctx, `SELECT url FROM crawl_pages WHERE source_id=?`, f.source)
	if err != nil {
		return nil, fmt.Errorf("read crawl record of source %d: %w", f.source, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("read crawl record of source %d: %w", f.source, err)
		}
		out[u] = true
	}
	return out, rows.Err()
}

// prepare prepares the statements of addTx and markTx.
func (f *frontier) prepare(ctx context.Context) error {
	var err error
	if f.queueStmt, err = f.db.PrepareContext(ctx, qQueuePage); err != nil {
		return fmt.Errorf("crawl record of source %d: %w", f.source, err)
	}
	if f.markStmt, err = f.db.PrepareContext(ctx, qMarkPage); err != nil {
		f.queueStmt.Close()
		return fmt.Errorf("crawl record of source %d: %w", f.source, err)
	}
	return nil
}

func (f *frontier) closeStmts() {
	if f.queueStmt != nil {
		f.queueStmt.Close()
		f.markStmt.Close()
	}
}

// addTx queues URLs (the caller knows they are new) inside tx.
func (f *frontier) addTx(ctx context.Context, tx *sql.Tx, urls []string, depth int) error {
	stmt := tx.StmtContext(ctx, f.queueStmt)
	for _, u := range urls {
		if _, err := stmt.ExecContext(ctx, f.source, u, f.run, depth); err != nil {
			return fmt.Errorf("queue %s: %w", u, err)
		}
	}
	return nil
}

// queued lists the URLs of this run still to fetch.
func (f *frontier) queued(ctx context.Context) ([]queuedPage, error) {
	rows, err := f.db.QueryContext(ctx, `SELECT url, depth, etag, last_modified FROM crawl_pages
		WHERE source_id=? AND state='queued' ORDER BY depth, rowid`, f.source)
	if err != nil {
		return nil, fmt.Errorf("read crawl frontier of source %d: %w", f.source, err)
	}
	defer rows.Close()
	var out []queuedPage
	for rows.Next() {
		var q queuedPage
		if err := rows.Scan(&q.URL, &q.Depth, &q.ETag, &q.LastModified); err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// handled counts the URLs this run has already handled (for page limits
// and progress after a resume).
func (f *frontier) handled(ctx context.Context) (int, error) {
	var n int
	err := f.db.QueryRowContext(ctx, `SELECT count(*) FROM crawl_pages WHERE source_id=? AND state<>'queued'`, f.source).Scan(&n)
	return n, err
}

// pageResult is the outcome of handling one URL.
type pageResult struct {
	State        string
	Reason       string
	Status       int
	ETag         string
	LastModified string
	DocumentID   int64
}

// markTx records the outcome of one URL inside tx. Validators of a 304
// are kept.
func (f *frontier) markTx(ctx context.Context, tx *sql.Tx, u string, r pageResult) error {
	var doc any
	if r.DocumentID != 0 {
		doc = r.DocumentID
	}
	_, err := tx.StmtContext(ctx, f.markStmt).ExecContext(ctx,
		f.source, u, f.run, r.State, r.Reason, r.Status, r.ETag, r.LastModified, doc, documents.FormatTime(time.Now()))
	if err != nil {
		return fmt.Errorf("record crawl of %s: %w", u, err)
	}
	return nil
}

// PageRecord is one row of a source's crawl record.
type PageRecord struct {
	URL        string `json:"url"`
	State      string `json:"state"`
	Reason     string `json:"reason,omitempty"`
	HTTPStatus int    `json:"http_status,omitempty"`
	DocumentID *int64 `json:"document_id,omitempty"`
}

// Pages lists the crawl record of a source (state "" = all).
func Pages(ctx context.Context, db *sql.DB, source int64, state string) ([]PageRecord, error) {
	rows, err := db.QueryContext(ctx, `SELECT url, state, reason, http_status, document_id FROM crawl_pages
		WHERE source_id=? AND (?='' OR state=?) ORDER BY rowid`, source, state, state)
	if err != nil {
		return nil, fmt.Errorf("crawl record of source %d: %w", source, err)
	}
	defer rows.Close()
	out := []PageRecord{}
	for rows.Next() {
		var p PageRecord
		var doc sql.NullInt64
		if err := rows.Scan(&p.URL, &p.State, &p.Reason, &p.HTTPStatus, &doc); err != nil {
			return nil, err
		}
		if doc.Valid {
			p.DocumentID = &doc.Int64
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return nil, err
	}
	return out, nil
}
