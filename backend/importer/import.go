package importer

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/doppelhq/doppel/backend/documents"
)

// Source kinds this package imports.
const (
	KindX        = "x_archive"
	KindLinkedIn = "linkedin_export"
	KindMastodon = "mastodon_outbox"
	KindReddit   = "reddit_export"
	KindFolder   = "folder"
)

// FileError is a file of an export that was skipped, with the reason.
type FileError struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// Summary is the outcome of one import.
type Summary struct {
	SourceID int64  `json:"source_id"`
	Path     string `json:"path"`
	Kind     string `json:"kind"`
	Files    int    `json:"files"`
	// Tally counts the documents stored by outcome.
	documents.Tally
	Errors  []FileError `json:"errors"`
	Elapsed string      `json:"elapsed"`
}

// Progress is reported after each file.
type Progress struct {
	Done, Total int
	Message     string
}

// Detect tells which kind of export p is, from the files it holds.
func Detect(p string) (string, error) {
	l, err := open(p)
	if err != nil {
		return "", err
	}
	defer l.Close()
	return detect(l), nil
}

func detect(l *listing) string {
	switch {
	case len(l.find("tweets.js", "tweet.js")) > 0:
		return KindX
	case len(l.find("shares.csv")) > 0:
		return KindLinkedIn
	case len(l.find("outbox.json")) > 0:
		return KindMastodon
	case len(l.find("posts.csv", "comments.csv")) > 0:
		return KindReddit
	}
	return KindFolder
}

// Importer imports exports into the document store.
type Importer struct{ docs *documents.Store }

// New returns an Importer storing into docs.
func New(docs *documents.Store) *Importer { return &Importer{docs: docs} }

// Import reads the export or folder at p into source id. Files that fail
// are recorded in the summary; the rest goes on. Re-importing is
// idempotent: unchanged documents are skipped, changed ones versioned.
func (im *Importer) Import(ctx context.Context, source int64, p string, report func(Progress) error) (*Summary, error) {
	began := time.Now()
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", p, err)
	}
	l, err := open(abs)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	kind := detect(l)
	sum := &Summary{SourceID: source, Path: abs, Kind: kind, Errors: append([]FileError{}, l.refused...)}
	type job struct {
		e     entry
		parse func([]byte) ([]documents.Input, error)
	}
	var jobs []job
	add := func(es []entry, fn func(e entry) func([]byte) ([]documents.Input, error)) {
		for _, e := range es {
			jobs = append(jobs, job{e, fn(e)})
		}
	}
	fixed := func(f func([]byte) ([]documents.Input, error)) func(entry) func([]byte) ([]documents.Input, error) {
		return func(entry) func([]byte) ([]documents.Input, error) { return f }
	}
	switch kind {
	case KindX:
		add(l.find("tweets.js", "tweet.js"), fixed(ParseTweets))
	case KindLinkedIn:
		add(l.find("shares.csv"), fixed(ParseLinkedInShares))
		var arts []entry
		for _, e := range l.entries {
			if strings.Contains(strings.ToLower(e.Name), "articles/") && strings.HasSuffix(strings.ToLower(e.Name), ".html") {
				arts = append(arts, e)
			}
		}
		add(arts, func(e entry) func([]byte) ([]documents.Input, error) { return noteParser(abs, e.Name, "linkedin") })
	case KindMastodon:
		add(l.find("outbox.json"), fixed(ParseOutbox))
	case KindReddit:
		add(l.find("posts.csv", "comments.csv"), func(e entry) func([]byte) ([]documents.Input, error) {
			return func(b []byte) ([]documents.Input, error) { return ParseRedditCSV(b, path.Base(e.Name)) }
		})
	default:
		add(l.entries, func(e entry) func([]byte) ([]documents.Input, error) { return noteParser(abs, e.Name, "folder") })
	}

	for i, j := range jobs {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		data, err := j.e.read()
		if err == nil {
			var items []documents.Input
			items, err = j.parse(data)
			for _, in := range items {
				in.SourceID = source
				res, uerr := im.docs.Upsert(ctx, in)
				if uerr != nil {
					if ctx.Err() != nil {
						return sum, ctx.Err()
					}
					sum.Errors = append(sum.Errors, FileError{File: j.e.Name, Reason: uerr.Error()})
					continue
				}
				sum.Add(res.Outcome)
			}
		}
		if err != nil {
			sum.Errors = append(sum.Errors, FileError{File: j.e.Name, Reason: err.Error()})
		}
		sum.Files++
		if report != nil {
			if err := report(Progress{Done: i + 1, Total: len(jobs), Message: "import " + filepath.Base(abs)}); err != nil {
				return sum, err
			}
		}
	}
	sum.Elapsed = time.Since(began).Round(time.Millisecond).String()
	return sum, nil
}

// noteParser parses one folder file; its URL is a file:// URL of the file
// inside the export.
func noteParser(root, name, platform string) func([]byte) ([]documents.Input, error) {
	return func(data []byte) ([]documents.Input, error) {
		in, ok, err := ParseNote(name, data)
		if err != nil || !ok {
			return nil, err
		}
		in.Platform = platform
		in.URL = "file://" + filepath.ToSlash(root) + "/" + name
		if strings.HasSuffix(strings.ToLower(root), ".zip") {
			in.URL = "file://" + filepath.ToSlash(root) + "#" + name
		}
		return []documents.Input{in}, nil
	}
}
