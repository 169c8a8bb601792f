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

// Source is where documents come from: a site URL, a platform account, an
// export archive or a folder.
type Source struct {
	ID int64 `json:"id"`
	// Kind is site | medium | substack | devto | hashnode | wordpress |
	// mastodon | bluesky | github | x_archive | linkedin_export |
	// mastodon_outbox | reddit_export | folder.
	Kind string `json:"kind"`
	// Location is a URL, an account handle or a file path.
	Location  string          `json:"location"`
	Title     string          `json:"title"`
	Config    json.RawMessage `json:"config"`
	CreatedAt string          `json:"created_at"`
	LastRunAt string          `json:"last_run_at,omitempty"`
	LastJobID *int64          `json:"last_job_id,omitempty"`
	// LastResult is the JSON summary of the last run.
	LastResult json.RawMessage `json:"last_result,omitempty"`
	// Documents is how many documents this source holds.
	Documents int `json:"documents"`
}

const sourceCols = `s.id, s.kind, s.location, s.title, s.config, s.created_at, s.last_run_at, s.last_job_id, s.last_result,
	(SELECT count(*) FROM documents d WHERE d.source_id=s.id)`

func scanSource(r scanner) (*Source, error) {
	var s Source
	var cfg, result string
	var lastRun sql.NullString
	var job sql.NullInt64
	if err := r.Scan(&s.ID, &s.Kind, &s.Location, &s.Title, &cfg, &s.CreatedAt, &lastRun, &job, &result, &s.Documents); err != nil {
		return nil, err
	}
	s.Config = json.RawMessage(cfg)
	if !json.Valid(s.Config) {
		s.Config = json.RawMessage("{}")
	}
	s.LastRunAt = lastRun.String
	if job.Valid {
		s.LastJobID = &job.Int64
	}
	if result != "" && json.Valid([]byte(result)) {
		s.LastResult = json.RawMessage(result)
	}
	return &s, nil
}

// EnsureSource returns the source of this kind and location, adding it
// when new. The bool is true when it was added.
func (s *Store) EnsureSource(ctx context.Context, kind, location, title string) (*Source, bool, error) {
	kind, location = strings.TrimSpace(kind), strings.TrimSpace(location)
	if kind == "" || location == "" {
		return nil, false, fmt.Errorf("%w: a source needs a kind and a location", ErrInvalid)
	}
	var id int64
	added := false
	err := s.st.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id FROM sources WHERE kind=? AND location=?`, kind, location).Scan(&id)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		r, err := tx.ExecContext(ctx, `INSERT INTO sources(kind, location, title) VALUES (?,?,?)`, kind, location, title)
		if err != nil {
			return err
		}
		id, _ = r.LastInsertId()
		added = true
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("add source %s %s: %w", kind, location, err)
	}
	src, err := s.Source(ctx, id)
	return src, added, err
}

// Source returns one source.
func (s *Store) Source(ctx context.Context, id int64) (*Source, error) {
	src, err := scanSource(s.st.DB.QueryRowContext(ctx, `SELECT `+sourceCols+` FROM sources s WHERE s.id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("source %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("source %d: %w", id, err)
	}
	return src, nil
}

// Sources lists all sources, newest first.
func (s *Store) Sources(ctx context.Context) ([]Source, error) {
	rows, err := s.st.DB.QueryContext(ctx, `SELECT `+sourceCols+` FROM sources s ORDER BY s.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	defer rows.Close()
	out := []Source{}
	for rows.Next() {
		src, err := scanSource(rows)
		if err != nil {
			return nil, fmt.Errorf("list sources: %w", err)
		}
		out = append(out, *src)
	}
	return out, rows.Err()
}

// StartRun records that job is running for source id.
func (s *Store) StartRun(ctx context.Context, id, job int64) error {
	var j any
	if job != 0 {
		j = job
	}
	_, err := s.st.DB.ExecContext(ctx, `UPDATE sources SET last_run_at=?, last_job_id=? WHERE id=?`, FormatTime(time.Now()), j, id)
	if err != nil {
		return fmt.Errorf("record run of source %d: %w", id, err)
	}
	return nil
}

// FinishRun stores the summary of the last run of source id.
func (s *Store) FinishRun(ctx context.Context, id int64, result any) error {
	b, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("encode result of source %d: %w", id, err)
	}
	_, err = s.st.DB.ExecContext(ctx, `UPDATE sources SET last_run_at=?, last_result=? WHERE id=?`, FormatTime(time.Now()), string(b), id)
	if err != nil {
		return fmt.Errorf("record result of source %d: %w", id, err)
	}
	return nil
}

// DeleteSource removes a source and its crawl record. With withDocuments
// its documents are deleted too; otherwise they stay, detached.
func (s *Store) DeleteSource(ctx context.Context, id int64, withDocuments bool) error {
	return s.st.Tx(ctx, func(tx *sql.Tx) error {
		if withDocuments {
			if _, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE source_id=?`, id); err != nil {
				return fmt.Errorf("delete documents of source %d: %w", id, err)
			}
		}
		r, err := tx.ExecContext(ctx, `DELETE FROM sources WHERE id=?`, id)
		if err != nil {
			return fmt.Errorf("delete source %d: %w", id, err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("source %d: %w", id, ErrNotFound)
		}
		return nil
	})
}
