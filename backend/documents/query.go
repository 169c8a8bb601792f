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

// Summary is a document without its content (for lists).
type Summary struct {
	ID          int64    `json:"id"`
	SourceID    *int64   `json:"source_id,omitempty"`
	Platform    string   `json:"platform"`
	Kind        string   `json:"kind"`
	URL         string   `json:"url"`
	Title       string   `json:"title"`
	Author      string   `json:"author"`
	PublishedAt string   `json:"published_at,omitempty"`
	Language    string   `json:"language"`
	Tags        []string `json:"tags"`
	Words       int      `json:"words"`
	ContentHash string   `json:"content_hash"`
	Version     int      `json:"version"`
	Excluded    bool     `json:"excluded"`
	FetchedAt   string   `json:"fetched_at"`
	UpdatedAt   string   `json:"updated_at"`
}

// Document is a stored document with its content.
type Document struct {
	Summary
	// Content is Markdown.
	Content string `json:"content"`
	// Aliases are the other URLs of this document.
	Aliases     []string `json:"aliases"`
	ContentType string   `json:"content_type"`
	// HasRaw says whether the fetched bytes are kept.
	HasRaw bool `json:"has_raw"`
}

const summaryCols = `d.id, d.source_id, d.platform, d.kind, d.url, d.title, d.author, d.published_at, d.language, d.tags,
	d.words, d.content_hash, d.version, d.excluded, d.fetched_at, d.updated_at`

type scanner interface{ Scan(...any) error }

func scanSummary(r scanner, extra ...any) (Summary, error) {
	var s Summary
	var src sql.NullInt64
	var pub sql.NullString
	var tags string
	dst := append([]any{&s.ID, &src, &s.Platform, &s.Kind, &s.URL, &s.Title, &s.Author, &pub, &s.Language, &tags,
		&s.Words, &s.ContentHash, &s.Version, &s.Excluded, &s.FetchedAt, &s.UpdatedAt}, extra...)
	if err := r.Scan(dst...); err != nil {
		return s, err
	}
	if src.Valid {
		s.SourceID = &src.Int64
	}
	s.PublishedAt = pub.String
	if err := json.Unmarshal([]byte(tags), &s.Tags); err != nil || s.Tags == nil {
		s.Tags = []string{}
	}
	return s, nil
}

// Get returns one document with its content and aliases.
func (s *Store) Get(ctx context.Context, id int64) (*Document, error) {
	var d Document
	var hasRaw bool
	row := s.st.DB.QueryRowContext(ctx, `SELECT `+summaryCols+`, d.content, d.content_type, d.raw IS NOT NULL FROM documents d WHERE d.id=?`, id)
	sum, err := scanSummary(row, &d.Content, &d.ContentType, &hasRaw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("document %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("document %d: %w", id, err)
	}
	d.Summary, d.HasRaw = sum, hasRaw
	rows, err := s.st.DB.QueryContext(ctx, `SELECT url FROM document_urls WHERE document_id=? ORDER BY url`, id)
	if err != nil {
		return nil, fmt.Errorf("aliases of document %d: %w", id, err)
	}
	defer rows.Close()
	d.Aliases = []string{}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("aliases of document %d: %w", id, err)
		}
		d.Aliases = append(d.Aliases, u)
	}
	return &d, rows.Err()
}

// Raw returns the fetched bytes of a document (decompressed), or nil.
func (s *Store) Raw(ctx context.Context, id int64) ([]byte, error) {
	var b []byte
	err := s.st.DB.QueryRowContext(ctx, `SELECT raw FROM documents WHERE id=?`, id).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("document %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("raw bytes of document %d: %w", id, err)
	}
	raw, err := decompress(b)
	if err != nil {
		return nil, fmt.Errorf("raw bytes of document %d: %w", id, err)
	}
	return raw, nil
}

// Version is a previous version of a document.
type Version struct {
	Version     int    `json:"version"`
	Title       string `json:"title"`
	Content     string `json:"content"`
	ContentHash string `json:"content_hash"`
	FetchedAt   string `json:"fetched_at"`
}

// Versions returns a document's previous versions, oldest first.
func (s *Store) Versions(ctx context.Context, id int64) ([]Version, error) {
	rows, err := s.st.DB.QueryContext(ctx, `SELECT version, title, content, content_hash, fetched_at FROM document_versions
		WHERE document_id=? ORDER BY version`, id)
	if err != nil {
		return nil, fmt.Errorf("versions of document %d: %w", id, err)
	}
	defer rows.Close()
	out := []Version{}
	for rows.Next() {
		var v Version
		if err := rows.Scan(&v.Version, &v.Title, &v.Content, &v.ContentHash, &v.FetchedAt); err != nil {
			return nil, fmt.Errorf("versions of document %d: %w", id, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Filter narrows List. Zero values mean "any".
type Filter struct {
	// Query matches title, URL or content (case-insensitive substring).
	Query     string
	Platforms []string
	Kinds     []string
	SourceID  int64
	// After and Before bound published_at (documents without a date are
	// left out when either is set).
	After, Before time.Time
	// Excluded: nil = all, else only excluded (true) or included (false).
	Excluded *bool
	// Sort is published_at | updated_at | title | words | id (default
	// published_at); Desc reverses it.
	Sort   string
	Desc   bool
	Limit  int
	Offset int
}

// Page is one page of List results.
type Page struct {
	Documents []Summary `json:"documents"`
	// Total is the number of documents matching the filter.
	Total int `json:"total"`
}

var sortCols = map[string]string{
	"published_at": "COALESCE(d.published_at, d.fetched_at)",
	"updated_at":   "d.updated_at",
	"title":        "d.title COLLATE NOCASE",
	"words":        "d.words",
	"id":           "d.id",
	"platform":     "d.platform",
	"kind":         "d.kind",
}

// List returns documents matching f.
func (s *Store) List(ctx context.Context, f Filter) (Page, error) {
	where := []string{"1=1"}
	var args []any
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + escapeLike(strings.ToLower(q)) + "%"
		where = append(where, `(lower(d.title) LIKE ? ESCAPE '\' OR lower(d.url) LIKE ? ESCAPE '\' OR lower(d.content) LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like)
	}
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		where = append(where, col+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",")+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	in("d.platform", f.Platforms)
	in("d.kind", f.Kinds)
	if f.SourceID != 0 {
		where = append(where, "d.source_id=?")
		args = append(args, f.SourceID)
	}
	if !f.After.IsZero() {
		where = append(where, "d.published_at >= ?")
		args = append(args, FormatTime(f.After))
	}
	if !f.Before.IsZero() {
		where = append(where, "d.published_at < ?")
		args = append(args, FormatTime(f.Before))
	}
	if f.Excluded != nil {
		where = append(where, "d.excluded=?")
		args = append(args, *f.Excluded)
	}
	cond := strings.Join(where, " AND ")
	var page Page
	if err := s.st.DB.QueryRowContext(ctx, `SELECT count(*) FROM documents d WHERE `+cond, args...).Scan(&page.Total); err != nil {
		return Page{}, fmt.Errorf("count documents: %w", err)
	}
	col, ok := sortCols[f.Sort]
	if !ok && f.Sort != "" {
		return Page{}, fmt.Errorf("%w: unknown sort %q", ErrInvalid, f.Sort)
	}
	if !ok {
		col = sortCols["published_at"]
	}
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	limit := f.Limit
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	q := `SELECT ` + summaryCols + ` FROM documents d WHERE ` + cond + ` ORDER BY ` + col + ` ` + dir + `, d.id ` + dir + ` LIMIT ? OFFSET ?`
	rows, err := s.st.DB.QueryContext(ctx, q, append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return Page{}, fmt.Errorf("list documents: %w", err)
	}
	defer rows.Close()
	page.Documents = []Summary{}
	for rows.Next() {
		sum, err := scanSummary(rows)
		if err != nil {
			return Page{}, fmt.Errorf("list documents: %w", err)
		}
		page.Documents = append(page.Documents, sum)
	}
	return page, rows.Err()
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// SetExcluded excludes a document from training and search (or includes it
// again) without deleting it.
func (s *Store) SetExcluded(ctx context.Context, id int64, excluded bool) error {
	return s.st.Tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE documents SET excluded=?, updated_at=? WHERE id=?`, excluded, FormatTime(time.Now()), id)
		if err != nil {
			return fmt.Errorf("exclude document %d: %w", id, err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("document %d: %w", id, ErrNotFound)
		}
		return nil
	})
}
