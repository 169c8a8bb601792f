package documents

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Deleted is the Upsert outcome for a document the user deleted: it
// matches a tombstone by URL or content hash and is not stored again.
const Deleted Outcome = "deleted"

// Tombstone is a document the user deleted.
type Tombstone struct {
	ID          int64    `json:"id"`
	URL         string   `json:"url"`
	URLs        []string `json:"urls"`
	ContentHash string   `json:"content_hash"`
	Title       string   `json:"title"`
	Platform    string   `json:"platform"`
	SourceID    *int64   `json:"source_id,omitempty"`
	DeletedAt   string   `json:"deleted_at"`
}

// deletedDoc is what a tombstone keeps of the document, to restore it.
type deletedDoc struct {
	Input
	Excluded bool `json:"excluded"`
}

const (
	qTombByURL  = `SELECT tombstone_id FROM document_tombstone_urls WHERE url=?`
	qTombByHash = `SELECT id FROM document_tombstones WHERE content_hash=? LIMIT 1`
)

// tombstoned tells whether any of urls, or the content hash, belongs to a
// deleted document.
func (s *Store) tombstoned(ctx context.Context, tx *sql.Tx, urls []string, hash string) (bool, error) {
	var id int64
	for _, u := range urls {
		err := s.queryRow(ctx, tx, qTombByURL, []any{u}, &id)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, err
		}
	}
	err := s.queryRow(ctx, tx, qTombByHash, []any{hash}, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Delete removes a document with its versions and aliases, and leaves a
// tombstone (its URLs and content hash) so that no later crawl, import or
// sync stores it again. Restore undoes it. It returns the tombstone.
func (s *Store) Delete(ctx context.Context, id int64) (*Tombstone, error) {
	d, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	var excluded bool
	if err := s.st.DB.QueryRowContext(ctx, `SELECT excluded FROM documents WHERE id=?`, id).Scan(&excluded); err != nil {
		return nil, fmt.Errorf("delete document %d: %w", id, err)
	}
	keep := deletedDoc{Excluded: excluded, Input: Input{Platform: d.Platform, Kind: d.Kind, URL: d.URL, Aliases: d.Aliases,
		Title: d.Title, Author: d.Author, Language: d.Language, Tags: d.Tags, Content: d.Content, ContentType: d.ContentType}}
	if d.SourceID != nil {
		keep.SourceID = *d.SourceID
	}
	if t, err := time.Parse(TimeFormat, d.PublishedAt); err == nil {
		keep.PublishedAt = t
	}
	doc, err := json.Marshal(keep)
	if err != nil {
		return nil, fmt.Errorf("delete document %d: %w", id, err)
	}
	urls := append([]string{d.URL}, d.Aliases...)
	now := FormatTime(time.Now())
	var tomb int64
	err = s.st.Tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `INSERT INTO document_tombstones(url, content_hash, title, platform, source_id, document, deleted_at)
			VALUES (?,?,?,?,?,?,?)`, d.URL, d.ContentHash, d.Title, d.Platform, d.SourceID, string(doc), now)
		if err != nil {
			return err
		}
		tomb, _ = r.LastInsertId()
		for _, u := range urls {
			if _, err := tx.ExecContext(ctx, `INSERT INTO document_tombstone_urls(url, tombstone_id) VALUES (?,?)
				ON CONFLICT(url) DO UPDATE SET tombstone_id=excluded.tombstone_id`, u, tomb); err != nil {
				return err
			}
		}
		// The next crawl fetches its pages in full (no 304), sees the
		// tombstone and reports them as deleted by the user.
		if _, err := tx.ExecContext(ctx, `UPDATE crawl_pages SET etag='', last_modified='' WHERE document_id=?`, id); err != nil {
			return err
		}
		r, err = tx.ExecContext(ctx, `DELETE FROM documents WHERE id=?`, id)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("document %d: %w", id, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("delete document %d: %w", id, err)
	}
	return &Tombstone{ID: tomb, URL: d.URL, URLs: urls, ContentHash: d.ContentHash, Title: d.Title, Platform: d.Platform,
		SourceID: d.SourceID, DeletedAt: now}, nil
}

// Tombstones lists deleted documents, most recently deleted first.
func (s *Store) Tombstones(ctx context.Context) ([]Tombstone, error) {
	rows, err := s.st.DB.QueryContext(ctx, `SELECT t.id, t.url, t.content_hash, t.title, t.platform, t.source_id, t.deleted_at,
		COALESCE((SELECT json_group_array(url) FROM document_tombstone_urls u WHERE u.tombstone_id=t.id), '[]')
		FROM document_tombstones t ORDER BY t.deleted_at DESC, t.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list deleted documents: %w", err)
	}
	defer rows.Close()
	out := []Tombstone{}
	for rows.Next() {
		var t Tombstone
		var src sql.NullInt64
		var urls string
		if err := rows.Scan(&t.ID, &t.URL, &t.ContentHash, &t.Title, &t.Platform, &src, &t.DeletedAt, &urls); err != nil {
			return nil, fmt.Errorf("list deleted documents: %w", err)
		}
		if src.Valid {
			t.SourceID = &src.Int64
		}
		if json.Unmarshal([]byte(urls), &t.URLs) != nil || t.URLs == nil {
			t.URLs = []string{}
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Restore undoes the deletion of the document that had URL u (its
// canonical URL or an alias): the tombstone goes, the document is stored
// again as it was (without its old versions), and the crawl record of its
// URLs forgets their validators, so the next crawl fetches them in full.
func (s *Store) Restore(ctx context.Context, u string) (Result, error) {
	u = strings.TrimSpace(u)
	if err := s.Warm(ctx); err != nil {
		return Result{}, err
	}
	var res Result
	err := s.st.Tx(ctx, func(tx *sql.Tx) error {
		var id int64
		var doc string
		err := tx.QueryRowContext(ctx, `SELECT t.id, t.document FROM document_tombstones t
			WHERE t.id=(SELECT tombstone_id FROM document_tombstone_urls WHERE url=?)`, u).Scan(&id, &doc)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no deleted document has the URL %s", ErrNotFound, u)
		}
		if err != nil {
			return err
		}
		var keep deletedDoc
		if err := json.Unmarshal([]byte(doc), &keep); err != nil {
			return fmt.Errorf("tombstone %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE crawl_pages SET etag='', last_modified=''
			WHERE url IN (SELECT url FROM document_tombstone_urls WHERE tombstone_id=?)`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM document_tombstones WHERE id=?`, id); err != nil {
			return err
		}
		if keep.SourceID != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sources WHERE id=?`, keep.SourceID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				keep.SourceID = 0 // the source was removed since
			}
		}
		if strings.TrimSpace(keep.Content) == "" {
			return nil // an old tombstone without the document: the next crawl brings it back
		}
		p, err := Prepare(keep.Input)
		if err != nil {
			return err
		}
		if res, err = s.upsertTx(ctx, tx, p); err != nil {
			return err
		}
		if keep.Excluded && res.ID != 0 {
			_, err = tx.ExecContext(ctx, `UPDATE documents SET excluded=1 WHERE id=?`, res.ID)
		}
		return err
	})
	if err != nil {
		return Result{}, fmt.Errorf("restore %s: %w", u, err)
	}
	return res, nil
}
