// Package store opens Doppel's single SQLite database (with sqlite-vec and
// FTS5) and migrates it one numbered step at a time.
//
// Every capability keeps its tables here, in migrations/NNNN_name.sql. The
// database is a plain file in the data dir; the desktop app, the CLI and the
// server may all have it open at once (WAL, busy timeout, immediate
// transactions), so none of them sees "database is locked".
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	sqlite_vec "github.com/asg017/sqlite-vec-go-bindings/cgo"
	sqlite3 "github.com/mattn/go-sqlite3"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrSchemaTooNew is returned when the database was written by a newer Doppel.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

// ErrCorrupt is returned when the file is not a usable SQLite database.
var ErrCorrupt = errors.New("database file is corrupt or not a SQLite database")

// FileName is the database file inside the data dir.
const FileName = "doppel.db"

// Store is the open database. DB is safe for concurrent use.
type Store struct {
	DB   *sql.DB
	Path string
}

var vecOnce sync.Once

// Migration is one numbered schema step.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations in order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(name, "_")
		if !ok || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migration %q: want NNNN_name.sql", name)
		}
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %q: %w", name, err)
		}
		b, err := migrationFiles.ReadFile("migrations/" + name)
		if err != nil {
			return nil, fmt.Errorf("migration %q: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(rest, ".sql"), SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %d_%s: versions must be 1..N without gaps", m.Version, m.Name)
		}
	}
	return out, nil
}

// LatestVersion is the schema version this binary migrates to.
func LatestVersion() int {
	ms, err := Migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// DSN builds the connection string used for every open.
func DSN(path string) string {
	q := url.Values{}
	q.Set("_foreign_keys", "on")
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_txlock", "immediate")
	q.Set("_synchronous", "NORMAL")
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database at path and migrates it to
// the latest version. A file that is not SQLite gives ErrCorrupt; a schema
// newer than this binary gives ErrSchemaTooNew; neither touches the file.
func Open(ctx context.Context, path string) (*Store, error) {
	return open(ctx, path, LatestVersion())
}

// OpenAt is Open that stops at the given schema version (for tests).
func OpenAt(ctx context.Context, path string, version int) (*Store, error) {
	return open(ctx, path, version)
}

func open(ctx context.Context, path string, target int) (*Store, error) {
	vecOnce.Do(sqlite_vec.Auto)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", filepath.Dir(path), err)
	}
	if err := checkWritable(filepath.Dir(path)); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite3", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	s := &Store{DB: db, Path: path}
	if err := s.ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.migrate(ctx, target); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".doppel-write-test-*")
	if err != nil {
		return fmt.Errorf("data dir %s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return nil
}

func (s *Store) ping(ctx context.Context) error {
	var mode string
	err := s.DB.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
	if err == nil {
		var n int
		err = s.DB.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n)
	}
	if err != nil {
		var se sqlite3.Error
		if errors.As(err, &se) && (se.Code == sqlite3.ErrNotADB || se.Code == sqlite3.ErrCorrupt) {
			return fmt.Errorf("%s: %w (move it aside to start fresh, or restore a backup): %v", s.Path, ErrCorrupt, err)
		}
		return fmt.Errorf("open database %s: %w", s.Path, err)
	}
	return nil
}

// SchemaVersion reports the version recorded in the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.DB.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version of %s: %w", s.Path, err)
	}
	return v, nil
}

func (s *Store) migrate(ctx context.Context, target int) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	cur, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if cur > len(ms) {
		return fmt.Errorf("%s has schema version %d, this Doppel knows up to %d: %w (upgrade Doppel)", s.Path, cur, len(ms), ErrSchemaTooNew)
	}
	for _, m := range ms {
		if m.Version <= cur || m.Version > target {
			continue
		}
		if err := s.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// apply runs one migration and bumps user_version in the same transaction,
// so a crash leaves the database at the previous version, never half-way.
func (s *Store) apply(ctx context.Context, m Migration) error {
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %d_%s on %s: %w", m.Version, m.Name, s.Path, err)
	}
	defer tx.Rollback()
	// Another process may have migrated while we waited for the write lock.
	var cur int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
		return fmt.Errorf("migration %d_%s on %s: %w", m.Version, m.Name, s.Path, err)
	}
	if cur >= m.Version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migration %d_%s on %s: %w", m.Version, m.Name, s.Path, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.Version)); err != nil {
		return fmt.Errorf("migration %d_%s on %s: %w", m.Version, m.Name, s.Path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %d_%s on %s: %w", m.Version, m.Name, s.Path, err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.DB.Close() }

// Tx runs fn in one immediate transaction, committing if fn returns nil.
func (s *Store) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
