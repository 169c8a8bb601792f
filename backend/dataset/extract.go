// Package dataset builds instruct and preference datasets from the user's
// documents: it cuts documents into extracts, turns extracts into samples
// with a generator (heuristic, llm or preference), filters them (length,
// language, boilerplate, near-duplicates), splits them by document into
// train and test, stores them as immutable content-addressed versions, lets
// the user curate them (each edit is a new version) and exports them as
// JSONL folders that TRL, Unsloth, axolotl and Hugging Face datasets read.
package dataset

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Document is the part of a stored document a dataset needs.
type Document struct {
	ID          int64
	SourceID    int64
	Platform    string
	Kind        string // article | post | code | note
	URL         string
	Title       string
	Author      string
	Content     string
	ContentHash string
}

// LoadDocuments reads every document that is not excluded, oldest id first.
func LoadDocuments(ctx context.Context, db *sql.DB) ([]Document, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, COALESCE(source_id, 0), platform, kind, url, title, author, content, content_hash
		FROM documents WHERE excluded = 0 ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read documents: %w", err)
	}
	defer rows.Close()
	var out []Document
	for rows.Next() {
		var d Document
		if err := rows.Scan(&d.ID, &d.SourceID, &d.Platform, &d.Kind, &d.URL, &d.Title, &d.Author, &d.Content, &d.ContentHash); err != nil {
			return nil, fmt.Errorf("read documents: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read documents: %w", err)
	}
	return out, nil
}

// Extract sizes from the reference design: articles are packed by
// paragraphs and sentences into 1,000–2,000 characters; short posts are
// taken whole.
const (
	MinExtract = 1000
	MaxExtract = 2000
)

// Extract is a piece of a document that becomes one or more samples.
type Extract struct {
	DocumentID int64
	Index      int
	// Heading is the nearest Markdown heading above the extract ("" for the
	// part before the first heading).
	Heading string
	// First is true for the first extract of its section.
	First bool
	Text  string
	// Instruction is the instruction already written for this extract (a
	// preference build from an instruct version); "" lets the generator
	// write or derive one.
	Instruction string
}

// Key identifies the extract across runs: the document, its position and
// the hash of its text (and of its given instruction, if any).
func (e Extract) Key() string {
	h := sha256.Sum256([]byte(e.Text))
	k := fmt.Sprintf("%d:%d:%s", e.DocumentID, e.Index, hex.EncodeToString(h[:8]))
	if e.Instruction != "" {
		hi := sha256.Sum256([]byte(e.Instruction))
		k += ":" + hex.EncodeToString(hi[:8])
	}
	return k
}

// Section is a run of a Markdown document under one heading.
type Section struct {
	Heading string
	Level   int
	Body    string
}

var headingRe = regexp.MustCompile(`^(#{1,6})\s+(.+?)\s*#*\s*$`)

// Sections splits Markdown at its headings, ignoring '#' lines inside code
// fences. Empty sections are dropped.
func Sections(md string) []Section {
	var out []Section
	cur := Section{}
	var body strings.Builder
	inFence := false
	flush := func() {
		cur.Body = strings.TrimSpace(body.String())
		if cur.Body != "" {
			out = append(out, cur)
		}
		body.Reset()
	}
	for _, line := range strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			inFence = !inFence
		}
		if !inFence {
			if m := headingRe.FindStringSubmatch(line); m != nil {
				flush()
				cur = Section{Heading: cleanInline(m[2]), Level: len(m[1])}
				continue
			}
		}
		body.WriteString(line)
		body.WriteByte('\n')
	}
	flush()
	return out
}

// Extracts cuts a document into extracts: whole when it is short (posts
// and anything under MaxExtract), else section by section, packing
// paragraphs (and sentences of over-long paragraphs) into MinExtract..
// MaxExtract characters. Code fences are never split.
func Extracts(d Document) []Extract {
	content := strings.TrimSpace(d.Content)
	if content == "" {
		return nil
	}
	if utf8.RuneCountInString(content) <= MaxExtract {
		h := ""
		if ss := Sections(content); len(ss) == 1 {
			h = ss[0].Heading
		}
		return []Extract{{DocumentID: d.ID, Index: 0, Heading: h, First: true, Text: content}}
	}
	// Units are paragraphs (over-long ones split by sentences), each with
	// the heading it sits under; a section's heading is kept as Markdown at
	// the start of its first unit so answers keep the author's structure.
	type unit struct {
		text, heading string
		first         bool
	}
	var units []unit
	for _, sec := range Sections(content) {
		for i, p := range paragraphs(sec.Body) {
			var parts []string
			if utf8.RuneCountInString(p) > MaxExtract && !strings.HasPrefix(p, "```") {
				parts = packSentences(Sentences(p), MaxExtract)
			} else {
				parts = []string{p}
			}
			for j, t := range parts {
				first := i == 0 && j == 0
				if first && sec.Heading != "" {
					t = strings.Repeat("#", max(sec.Level, 2)) + " " + sec.Heading + "\n\n" + t
				}
				units = append(units, unit{t, sec.Heading, first})
			}
		}
	}
	var out []Extract
	var cur []string
	var head unit
	n := 0
	emit := func() {
		if len(cur) > 0 {
			out = append(out, Extract{DocumentID: d.ID, Index: len(out), Heading: head.heading, First: head.first, Text: strings.Join(cur, "\n\n")})
		}
		cur, n = nil, 0
	}
	for _, u := range units {
		l := utf8.RuneCountInString(u.text)
		if n > 0 && n+2+l > MaxExtract {
			emit()
		}
		if n == 0 {
			head = u
		} else {
			n += 2
		}
		cur = append(cur, u.text)
		n += l
		if n >= MinExtract {
			emit()
		}
	}
	if len(cur) > 0 {
		tail := strings.Join(cur, "\n\n")
		// A short tail joins the previous extract when both fit.
		if len(out) > 0 && utf8.RuneCountInString(out[len(out)-1].Text)+2+n <= MaxExtract {
			out[len(out)-1].Text += "\n\n" + tail
		} else {
			emit()
		}
	}
	return out
}

// paragraphs splits at blank lines, keeping code fences whole.
func paragraphs(s string) []string {
	var out []string
	var cur strings.Builder
	inFence := false
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			inFence = !inFence
		}
		if t == "" && !inFence {
			if cur.Len() > 0 {
				out = append(out, strings.TrimSpace(cur.String()))
				cur.Reset()
			}
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	if cur.Len() > 0 {
		out = append(out, strings.TrimSpace(cur.String()))
	}
	return out
}

func packSentences(ss []string, max int) []string {
	var out []string
	var cur strings.Builder
	for _, s := range ss {
		if cur.Len() > 0 && utf8.RuneCountInString(cur.String())+1+utf8.RuneCountInString(s) > max {
			out = append(out, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(s)
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// Sentences splits text after '.', '!' or '?' followed by a space and an
// upper-case letter, digit or quote (a cheap rule that keeps "e.g. this"
// and "3.14" together).
func Sentences(s string) []string {
	s = strings.Join(strings.Fields(s), " ")
	var out []string
	start := 0
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if rs[i] != '.' && rs[i] != '!' && rs[i] != '?' {
			continue
		}
		j := i + 1
		for j < len(rs) && (rs[j] == '"' || rs[j] == '\'' || rs[j] == ')' || rs[j] == '”') {
			j++
		}
		if j >= len(rs) {
			break
		}
		if rs[j] != ' ' || j+1 >= len(rs) {
			continue
		}
		next := rs[j+1]
		if !unicode.IsUpper(next) && !unicode.IsDigit(next) && next != '"' && next != '“' {
			continue
		}
		if i > 0 && rs[i] == '.' && isAbbrev(rs[start:i]) {
			continue
		}
		out = append(out, strings.TrimSpace(string(rs[start:j])))
		start = j + 1
	}
	if t := strings.TrimSpace(string(rs[start:])); t != "" {
		out = append(out, t)
	}
	return out
}

func isAbbrev(before []rune) bool {
	w := before
	for i := len(before) - 1; i >= 0; i-- {
		if before[i] == ' ' {
			w = before[i+1:]
			break
		}
	}
	switch strings.ToLower(string(w)) {
	case "e.g", "i.e", "mr", "mrs", "ms", "dr", "vs", "etc", "fig", "no", "st":
		return true
	}
	return false
}

var (
	linkRe     = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	emphasisRe = regexp.MustCompile("[*_`]+")
)

// cleanInline strips Markdown links, images and emphasis from a line.
func cleanInline(s string) string {
	s = linkRe.ReplaceAllString(s, "$1")
	s = emphasisRe.ReplaceAllString(s, "")
	return strings.TrimSpace(s)
}
