// Package importer reads the user's exports and folders into the document
// store: an X/Twitter archive, a LinkedIn export, a Mastodon outbox, a
// Reddit export and a folder of Markdown/text/HTML (Obsidian, Hugo, Jekyll).
//
// Archives are read in memory, never extracted: entries with unsafe paths
// (zip-slip) or over the size cap are skipped with a reason, and a
// malformed file is recorded with its reason while the rest goes on.
package importer

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// MaxEntry caps the size of one file read from an export (50 MB).
const MaxEntry = 50 << 20

// maxEntry is MaxEntry, lowered by tests.
var maxEntry int64 = MaxEntry

// entry is one file of an export, in a folder or a zip archive.
type entry struct {
	// Name is the slash-separated path inside the export.
	Name string
	Size int64
	open func() (io.ReadCloser, error)
}

// read returns the entry's bytes, refusing more than MaxEntry.
func (e entry) read() ([]byte, error) {
	if e.Size > maxEntry {
		return nil, fmt.Errorf("%d bytes is over the %d-byte cap", e.Size, maxEntry)
	}
	rc, err := e.open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxEntry+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > maxEntry {
		return nil, fmt.Errorf("over the %d-byte cap", maxEntry)
	}
	return b, nil
}

// safeName reports whether an archive entry name stays inside the archive
// (no absolute paths, no "..", no backslash tricks).
func safeName(name string) bool {
	if name == "" || strings.Contains(name, "\\") || strings.HasPrefix(name, "/") || strings.Contains(name, "\x00") {
		return false
	}
	return filepath.IsLocal(filepath.FromSlash(name)) && !strings.HasPrefix(path.Clean(name), "../")
}

// listing is the files of an export, plus entries refused on the way.
type listing struct {
	entries []entry
	refused []FileError
	closer  io.Closer
}

func (l *listing) Close() error {
	if l.closer != nil {
		return l.closer.Close()
	}
	return nil
}

// find returns the entries whose base name matches one of names
// (case-insensitive), in path order.
func (l *listing) find(names ...string) []entry {
	var out []entry
	for _, e := range l.entries {
		base := strings.ToLower(path.Base(e.Name))
		for _, n := range names {
			if base == strings.ToLower(n) {
				out = append(out, e)
			}
		}
	}
	return out
}

// open lists a folder, a zip archive or a single file.
func open(p string) (*listing, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", p, err)
	}
	if st.IsDir() {
		return listDir(p)
	}
	if strings.EqualFold(filepath.Ext(p), ".zip") {
		return listZip(p)
	}
	abs := p
	return &listing{entries: []entry{{Name: filepath.Base(p), Size: st.Size(), open: func() (io.ReadCloser, error) { return os.Open(abs) }}}}, nil
}

func listDir(root string) (*listing, error) {
	l := &listing{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			rel, _ := filepath.Rel(root, p)
			l.refused = append(l.refused, FileError{File: filepath.ToSlash(rel), Reason: err.Error()})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || name == "node_modules") {
				return fs.SkipDir // .git, .obsidian, .trash
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil // symlinks could point outside the folder
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		full := p
		l.entries = append(l.entries, entry{Name: filepath.ToSlash(rel), Size: info.Size(), open: func() (io.ReadCloser, error) { return os.Open(full) }})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", root, err)
	}
	return l, nil
}

func listZip(p string) (*listing, error) {
	zr, err := zip.OpenReader(p)
	if errors.Is(err, zip.ErrInsecurePath) && zr != nil {
		err = nil // unsafe entries are refused one by one below
	}
	if err != nil {
		return nil, fmt.Errorf("open archive %s: %w", p, err)
	}
	l := &listing{closer: zr}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if !safeName(f.Name) {
			l.refused = append(l.refused, FileError{File: f.Name, Reason: "unsafe path in archive (zip-slip); skipped"})
			continue
		}
		if f.UncompressedSize64 > uint64(maxEntry) {
			l.refused = append(l.refused, FileError{File: f.Name, Reason: fmt.Sprintf("entry of %d bytes is over the %d-byte cap", f.UncompressedSize64, maxEntry)})
			continue
		}
		zf := f
		l.entries = append(l.entries, entry{Name: f.Name, Size: int64(f.UncompressedSize64), open: func() (io.ReadCloser, error) { return zf.Open() }})
	}
	sort.Slice(l.entries, func(i, j int) bool { return l.entries[i].Name < l.entries[j].Name })
	return l, nil
}
