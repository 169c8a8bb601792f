// Package documents is the document store of the data collection stage:
// the user's writing, standardized to Markdown, deduplicated by canonical
// URL and by content hash, and versioned when a re-crawl changes it.
//
// Every write runs in one transaction, so a crash never leaves a document
// half-written and nothing stored before is lost.
package documents

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"

	"github.com/doppelhq/doppel/backend/store"
)

// Kinds of document.
const (
	Article = "article"
	Post    = "post"
	Code    = "code"
	Note    = "note"
)

// ErrNotFound is returned for an unknown document or source id.
var ErrNotFound = errors.New("not found")

// ErrInvalid is returned for input that cannot be stored.
var ErrInvalid = errors.New("invalid document")

// TimeFormat is how timestamps are stored (UTC, millisecond precision);
// strings in this format sort chronologically.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// FormatTime renders t for storage.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// Store reads and writes documents and sources.
type Store struct {
	st *store.Store
	// stmts caches the prepared statements of the write path (query ->
	// *sql.Stmt); transactions use them through Tx.StmtContext, which
	// reuses the statement already prepared on the transaction's connection.
	stmts sync.Map
}

// New returns a Store over the database.
func New(s *store.Store) *Store { return &Store{st: s} }

// writeQueries are the statements of the write path.
var writeQueries = []string{qFindByURL, qFindByHash, qInsertDoc, qOldDoc, qRefreshDoc, qInsertVersion, qUpdateDoc, qAddAlias, qTombByURL, qTombByHash}

// Warm prepares the write path's statements. Call it outside a
// transaction (preparing takes a connection of its own); inside one, a
// statement not prepared yet is prepared on the transaction, uncached.
func (s *Store) Warm(ctx context.Context) error {
	for _, q := range writeQueries {
		if _, ok := s.stmts.Load(q); ok {
			continue
		}
		st, err := s.st.DB.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare document statements: %w", err)
		}
		if _, loaded := s.stmts.LoadOrStore(q, st); loaded {
			st.Close()
		}
	}
	return nil
}

// txStmt returns the prepared statement for query, bound to tx.
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if v, ok := s.stmts.Load(query); ok {
		return tx.StmtContext(ctx, v.(*sql.Stmt)), nil
	}
	return tx.PrepareContext(ctx, query)
}

func (s *Store) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := s.txStmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (s *Store) queryRow(ctx context.Context, tx *sql.Tx, query string, args []any, dest ...any) error {
	st, err := s.txStmt(ctx, tx, query)
	if err != nil {
		return err
	}
	return st.QueryRowContext(ctx, args...).Scan(dest...)
}

// DB is the underlying database (the crawler keeps its frontier beside it).
func (s *Store) DB() *sql.DB { return s.st.DB }

// Input is one extracted document to store.
type Input struct {
	SourceID int64
	Platform string
	Kind     string
	// URL is the canonical URL, or the file path for imports.
	URL string
	// Aliases are other URLs of the same document (the fetched URL when it
	// differs from the canonical one, the same post on another platform).
	Aliases     []string
	Title       string
	Author      string
	PublishedAt time.Time
	Language    string
	Tags        []string
	// Content is Markdown.
	Content      string
	Raw          []byte
	ContentType  string
	ETag         string
	LastModified string
}

// Outcome says what Upsert did.
type Outcome string

// Upsert outcomes.
const (
	Added     Outcome = "new"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged"
	// Duplicate: the content already exists under another URL; the URL was
	// added to that document as an alias.
	Duplicate Outcome = "duplicate"
)

// Result is the outcome of one Upsert.
type Result struct {
	ID      int64   `json:"id"`
	Outcome Outcome `json:"outcome"`
}

// Tally counts Upsert outcomes; a crawl, a platform sync and an import
// each report one in their summary.
type Tally struct {
	New       int `json:"new"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Duplicates are documents whose content was already stored under
	// another URL (recorded as an alias of that document).
	Duplicates int `json:"duplicates"`
	// DeletedByYou counts documents not stored because the user deleted
	// them (they match a tombstone by URL or content).
	DeletedByYou int `json:"skipped_deleted"`
}

// Add counts one outcome.
func (t *Tally) Add(o Outcome) {
	switch o {
	case Added:
		t.New++
	case Updated:
		t.Updated++
	case Unchanged:
		t.Unchanged++
	case Duplicate:
		t.Duplicates++
	case Deleted:
		t.DeletedByYou++
	}
}

// Hash is the content hash used for deduplication: sha256 of the content
// with whitespace runs collapsed, so re-wrapping does not count as a change.
func Hash(content string) string {
	h, _ := hashAndWords(content)
	return h
}

// hashAndWords computes Hash and Words in one pass over the fields.
func hashAndWords(content string) (string, int) {
	// The hashed bytes are strings.Join(strings.Fields(content), " "),
	// built in one allocation.
	b := make([]byte, 0, len(content))
	n := 0
	for f := range strings.FieldsSeq(content) {
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(b, f...)
		if isWord(f) {
			n++
		}
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), n
}

// isWord tells whether a field holds a letter or a digit.
func isWord(f string) bool {
	for _, r := range f {
		if r < utf8.RuneSelf {
			if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
				return true
			}
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// Words counts the words of Markdown text.
// Tokens made only of punctuation (Markdown markers such as "#" or "-")
// do not count.
func Words(content string) int {
	n := 0
	for f := range strings.FieldsSeq(content) {
		if isWord(f) {
			n++
		}
	}
	return n
}

// gzipWriters are reused: a flate writer allocates about 1 MB. The
// klauspost/compress gzip writes the same format as compress/gzip at
// ~1.4x the speed (BestSpeed; the raw page is compressed for every page
// stored, so it is a visible share of a crawl).
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return w
}}

func compress(raw []byte) ([]byte, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxRaw caps decompressed raw bytes (the crawler never stores more).
const maxRaw = 64 << 20

func decompress(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return io.ReadAll(io.LimitReader(zr, maxRaw))
}

func (in *Input) validate() error {
	in.URL = strings.TrimSpace(in.URL)
	switch {
	case in.URL == "":
		return fmt.Errorf("%w: empty URL", ErrInvalid)
	case in.Platform == "":
		return fmt.Errorf("%w %s: empty platform", ErrInvalid, in.URL)
	case strings.TrimSpace(in.Content) == "":
		return fmt.Errorf("%w %s: empty content", ErrInvalid, in.URL)
	}
	switch in.Kind {
	case Article, Post, Code, Note:
	case "":
		in.Kind = Article
	default:
		return fmt.Errorf("%w %s: unknown kind %q", ErrInvalid, in.URL, in.Kind)
	}
	return nil
}

// Prepared is an Input validated, hashed and compressed: the CPU work of
// storing a document, done before (and outside) the write transaction.
type Prepared struct {
	in    Input
	hash  string
	raw   []byte
	words int
}

// Input is the document being stored (validated: URL trimmed, kind set).
func (p *Prepared) Input() Input { return p.in }

// Prepare validates in and computes its content hash, word count and
// compressed raw bytes, ready for UpsertTx.
func Prepare(in Input) (*Prepared, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	raw, err := compress(in.Raw)
	if err != nil {
		return nil, fmt.Errorf("compress raw bytes of %s: %w", in.URL, err)
	}
	hash, words := hashAndWords(in.Content)
	return &Prepared{in: in, hash: hash, raw: raw, words: words}, nil
}

// Upsert stores one document in a single transaction: a new URL and new
// content insert a document; a known URL with the same content is
// unchanged (its validators are refreshed); a known URL with new content
// keeps the old text as a version and updates; new URL with known content
// becomes an alias of the existing document.
func (s *Store) Upsert(ctx context.Context, in Input) (Result, error) {
	p, err := Prepare(in)
	if err != nil {
		return Result{}, err
	}
	if err := s.Warm(ctx); err != nil {
		return Result{}, err
	}
	var res Result
	err = s.st.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = s.upsertTx(ctx, tx, p)
		return err
	})
	if err != nil {
		return Result{}, fmt.Errorf("store document %s: %w", p.in.URL, err)
	}
	return res, nil
}

// UpsertTx is Upsert inside the caller's transaction tx, so that a caller
// can store several documents, and its own bookkeeping, in one commit. On
// an error the caller rolls back (to a savepoint or the whole tx).
func (s *Store) UpsertTx(ctx context.Context, tx *sql.Tx, p *Prepared) (Result, error) {
	res, err := s.upsertTx(ctx, tx, p)
	if err != nil {
		return Result{}, fmt.Errorf("store document %s: %w", p.in.URL, err)
	}
	return res, nil
}

const (
	qFindByURL = `SELECT id FROM documents WHERE url=?
		UNION ALL SELECT document_id FROM document_urls WHERE url=? LIMIT 1`
	qFindByHash = `SELECT id FROM documents WHERE content_hash=? ORDER BY id LIMIT 1`
	qInsertDoc  = `INSERT INTO documents(source_id, platform, kind, url, title, author, published_at,
			language, tags, content, words, content_hash, raw, content_type, etag, last_modified, fetched_at, updated_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`
	qOldDoc        = `SELECT content_hash, title, content, raw, fetched_at, version, url FROM documents WHERE id=?`
	qRefreshDoc    = `UPDATE documents SET etag=?, last_modified=?, fetched_at=? WHERE id=?`
	qInsertVersion = `INSERT INTO document_versions(document_id, version, title, content, content_hash, raw, fetched_at)
		VALUES (?,?,?,?,?,?,?)`
	qUpdateDoc = `UPDATE documents SET source_id=COALESCE(?, source_id), platform=?, kind=?, title=?, author=?,
		published_at=COALESCE(?, published_at), language=?, tags=?, content=?, words=?, content_hash=?, raw=?, content_type=?,
		etag=?, last_modified=?, version=version+1, fetched_at=?, updated_at=? WHERE id=?`
	qAddAlias = `INSERT INTO document_urls(url, document_id)
			SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM documents WHERE url=?) ON CONFLICT(url) DO NOTHING`
)

// findByURL looks a URL up among canonical URLs and aliases.
func (s *Store) findByURL(ctx context.Context, tx *sql.Tx, u string) (int64, error) {
	var id int64
	err := s.queryRow(ctx, tx, qFindByURL, []any{u, u}, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

func (s *Store) upsertTx(ctx context.Context, tx *sql.Tx, p *Prepared) (Result, error) {
	in, hash, raw := p.in, p.hash, p.raw
	urls := append([]string{in.URL}, in.Aliases...)
	var id int64
	for _, u := range urls {
		found, err := s.findByURL(ctx, tx, u)
		if err != nil {
			return Result{}, err
		}
		if found != 0 {
			id = found
			break
		}
	}
	now := FormatTime(time.Now())
	tags, _ := json.Marshal(nonNil(in.Tags))
	var published any
	if !in.PublishedAt.IsZero() {
		published = FormatTime(in.PublishedAt)
	}
	var src any
	if in.SourceID != 0 {
		src = in.SourceID
	}

	if id == 0 {
		// A document the user deleted stays deleted.
		gone, err := s.tombstoned(ctx, tx, urls, hash)
		if err != nil {
			return Result{}, err
		}
		if gone {
			return Result{Outcome: Deleted}, nil
		}
		// Same content under another URL: one document, both URLs.
		err = s.queryRow(ctx, tx, qFindByHash, []any{hash}, &id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Result{}, err
		}
		if id != 0 {
			if err := s.addAliases(ctx, tx, id, urls); err != nil {
				return Result{}, err
			}
			return Result{ID: id, Outcome: Duplicate}, nil
		}
		r, err := s.exec(ctx, tx, qInsertDoc,
			src, in.Platform, in.Kind, in.URL, in.Title, in.Author, published, in.Language, string(tags), in.Content,
			p.words, hash, raw, in.ContentType, in.ETag, in.LastModified, now, now)
		if err != nil {
			return Result{}, err
		}
		id, _ = r.LastInsertId()
		if err := s.addAliases(ctx, tx, id, in.Aliases); err != nil {
			return Result{}, err
		}
		return Result{ID: id, Outcome: Added}, nil
	}

	var oldHash, oldTitle, oldContent, oldFetched, canonical string
	var oldRaw []byte
	var version int
	if err := s.queryRow(ctx, tx, qOldDoc, []any{id}, &oldHash, &oldTitle, &oldContent, &oldRaw, &oldFetched, &version, &canonical); err != nil {
		return Result{}, err
	}
	if err := s.addAliases(ctx, tx, id, urls); err != nil {
		return Result{}, err
	}
	if oldHash == hash && oldTitle == in.Title {
		_, err := s.exec(ctx, tx, qRefreshDoc, in.ETag, in.LastModified, now, id)
		return Result{ID: id, Outcome: Unchanged}, err
	}
	if _, err := s.exec(ctx, tx, qInsertVersion, id, version, oldTitle, oldContent, oldHash, oldRaw, oldFetched); err != nil {
		return Result{}, err
	}
	_, err := s.exec(ctx, tx, qUpdateDoc,
		src, in.Platform, in.Kind, in.Title, in.Author, published, in.Language, string(tags), in.Content, p.words,
		hash, raw, in.ContentType, in.ETag, in.LastModified, now, now, id)
	if err != nil {
		return Result{}, err
	}
	return Result{ID: id, Outcome: Updated}, nil
}

// addAliases records urls (other than the canonical one) for document id.
// A URL already pointing at another document keeps pointing there.
func (s *Store) addAliases(ctx context.Context, tx *sql.Tx, id int64, urls []string) error {
	for _, u := range urls {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		if _, err := s.exec(ctx, tx, qAddAlias, u, id, u); err != nil {
			return err
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
