package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestMigrationsAreNumberedWithoutGaps(t *testing.T) {
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}
	for i, m := range ms {
		if m.Version != i+1 {
			t.Errorf("migration %d has version %d", i, m.Version)
		}
		if strings.TrimSpace(m.SQL) == "" {
			t.Errorf("migration %d_%s is empty", m.Version, m.Name)
		}
	}
}

func TestOpenMigratesEmptyDB(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v != LatestVersion() {
		t.Fatalf("schema version %d, want %d", v, LatestVersion())
	}
	var mode string
	if err := s.DB.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
	var fk int
	if err := s.DB.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d, %v; want 1", fk, err)
	}
	// The extensions every capability relies on are present.
	if _, err := s.DB.Exec("CREATE VIRTUAL TABLE t_fts USING fts5(x)"); err != nil {
		t.Fatalf("fts5: %v", err)
	}
	var vecVersion string
	if err := s.DB.QueryRow("SELECT vec_version()").Scan(&vecVersion); err != nil {
		t.Fatalf("sqlite-vec: %v", err)
	}
}

// Every earlier schema version upgrades to the latest, keeping its rows.
func TestOpenMigratesEveryEarlierVersion(t *testing.T) {
	ctx := context.Background()
	for v := 1; v < LatestVersion(); v++ {
		t.Run(fmt.Sprintf("from_v%d", v), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			old, err := OpenAt(ctx, path, v)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := old.SchemaVersion(ctx); got != v {
				t.Fatalf("OpenAt(%d) left version %d", v, got)
			}
			if _, err := old.DB.Exec(`INSERT INTO settings(key, value) VALUES ('probe', 'kept')`); err != nil {
				t.Fatal(err)
			}
			old.Close()
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatalf("upgrade from v%d: %v", v, err)
			}
			defer s.Close()
			if got, _ := s.SchemaVersion(ctx); got != LatestVersion() {
				t.Fatalf("after upgrade: version %d, want %d", got, LatestVersion())
			}
			var val string
			if err := s.DB.QueryRow(`SELECT value FROM settings WHERE key='probe'`).Scan(&val); err != nil || val != "kept" {
				t.Fatalf("row lost in upgrade: %q, %v", val, err)
			}
		})
	}
}

func TestOpenRefusesBadFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	garbage := filepath.Join(dir, "garbage.db")
	junk := bytes.Repeat([]byte("this is not a database "), 400)
	if err := os.WriteFile(garbage, junk, 0o644); err != nil {
		t.Fatal(err)
	}

	newer := filepath.Join(dir, "newer.db")
	s, err := Open(ctx, newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.Exec(fmt.Sprintf("PRAGMA user_version = %d", LatestVersion()+5)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	newerBefore, _ := os.ReadFile(newer)

	notDir := filepath.Join(dir, "plainfile")
	if err := os.WriteFile(notDir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name    string
		path    string
		wantErr error
		want    string
	}{
		{"corrupt file", garbage, ErrCorrupt, garbage},
		{"newer schema", newer, ErrSchemaTooNew, newer},
		{"data dir is a file", filepath.Join(notDir, FileName), nil, notDir},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Open(ctx, c.path)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			if c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Fatalf("error %v is not %v", err, c.wantErr)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not name %s", err, c.want)
			}
		})
	}
	// Nothing was changed by the failed opens.
	if b, _ := os.ReadFile(garbage); !bytes.Equal(b, junk) {
		t.Error("corrupt file was modified")
	}
	if b, _ := os.ReadFile(newer); !bytes.Equal(b, newerBefore) {
		t.Error("newer database was modified")
	}
}

// Two handles on one file (the desktop app and the CLI) write at the same
// time without "database is locked".
func TestConcurrentWritersDoNotLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for w, s := range []*Store{a, b, a, b} {
		wg.Add(1)
		go func(w int, s *Store) {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				err := s.Tx(ctx, func(tx *sql.Tx) error {
					_, err := tx.Exec(`INSERT INTO settings(key, value) VALUES (?, ?)
						ON CONFLICT(key) DO UPDATE SET value = excluded.value`, fmt.Sprintf("k%d-%d", w, i), "v")
					return err
				})
				if err != nil {
					errs <- err
				}
			}
		}(w, s)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int
	if err := a.DB.QueryRow(`SELECT count(*) FROM settings WHERE key LIKE 'k%'`).Scan(&n); err != nil || n != 400 {
		t.Fatalf("rows = %d, %v; want 400", n, err)
	}
}
