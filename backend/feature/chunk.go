package feature

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ChunkSettings are the chunk sizes, in characters (Unicode code points of
// the original content). They are settings: changing them re-chunks every
// document on the next index run.
type ChunkSettings struct {
	// ArticleMin is the size at which a chunk may end at a heading.
	ArticleMin int `json:"article_min"`
	// ArticleMax is the largest article chunk (before overlap).
	ArticleMax int `json:"article_max"`
	// Overlap is how much of the previous chunk (whole sentences where
	// possible) a chunk repeats when a section had to be split.
	Overlap int `json:"overlap"`
	// PostMax is the size up to which a post (or note) stays one chunk;
	// longer ones are chunked like articles with this maximum.
	PostMax int `json:"post_max"`
	// CodeMax is the largest code chunk; code splits at top-level
	// definitions (functions, classes, types) first.
	CodeMax int `json:"code_max"`
	// CodeOverlap is the overlap when one definition is split.
	CodeOverlap int `json:"code_overlap"`
}

// DefaultChunkSettings follow the reference design: articles packed into
// 1,000–2,000 characters, posts whole, code ~1,500 with overlap 100.
var DefaultChunkSettings = ChunkSettings{ArticleMin: 1000, ArticleMax: 2000, Overlap: 200, PostMax: 2000, CodeMax: 1500, CodeOverlap: 100}

// Validate checks that the sizes make sense.
func (s ChunkSettings) Validate() error {
	switch {
	case s.ArticleMax < 200 || s.CodeMax < 200 || s.PostMax < 200:
		return fmt.Errorf("chunk settings %+v: maximum sizes must be at least 200 characters", s)
	case s.ArticleMin < 0 || s.ArticleMin > s.ArticleMax:
		return fmt.Errorf("chunk settings %+v: article_min must be between 0 and article_max", s)
	case s.Overlap < 0 || s.Overlap > s.ArticleMax/2 || s.CodeOverlap < 0 || s.CodeOverlap > s.CodeMax/2:
		return fmt.Errorf("chunk settings %+v: overlaps must be between 0 and half the maximum", s)
	}
	return nil
}

// Hash identifies the settings and the chunker version, so that a change to
// either re-chunks the documents.
func (s ChunkSettings) Hash() string {
	h := sha256.Sum256(fmt.Appendf(nil, "chunker-v1 %d %d %d %d %d %d", s.ArticleMin, s.ArticleMax, s.Overlap, s.PostMax, s.CodeMax, s.CodeOverlap))
	return hex.EncodeToString(h[:8])
}

// Chunk is one retrievable piece of a document.
type Chunk struct {
	// Position is the 0-based order of the chunk in its document.
	Position int `json:"position"`
	// HeadingPath is the Markdown headings above the chunk ("Intro > Setup"),
	// or the definition a code chunk starts with.
	HeadingPath string `json:"heading_path"`
	// Start and End are character (code point) offsets into the document
	// content: the chunk was cut from content[Start:End].
	Start int `json:"start"`
	End   int `json:"end"`
	// ByteStart and ByteEnd are the same range in bytes of the UTF-8 content.
	ByteStart int `json:"-"`
	ByteEnd   int `json:"-"`
	// Text is the cleaned text of that range (CleanRange).
	Text string `json:"text"`
}

// span is a byte range of the content with the heading path where it starts.
type span struct {
	start, end int
	path       string
	heading    bool // starts a section (a heading line)
}

// ChunkDocument cuts a document of the given kind (article, post, note,
// code) into chunks. Articles follow Markdown structure: sections at
// headings, then paragraphs, then sentences, then words; posts and notes up
// to PostMax stay whole; code splits at top-level definitions, then lines.
// Chunks whose cleaned text is empty are left out.
func ChunkDocument(kind, content string, s ChunkSettings) []Chunk {
	if s.ArticleMax == 0 {
		s = DefaultChunkSettings
	}
	a := analyze(content, kind == "code")
	var spans []span
	switch kind {
	case "code":
		spans = pack(content, codeUnits(content, s.CodeMax-s.CodeOverlap), s.CodeMax/2, s.CodeMax, s.CodeOverlap, false)
	case "post", "note":
		if utf8.RuneCountInString(content) <= s.PostMax {
			spans = []span{{start: 0, end: len(content)}}
		} else {
			spans = pack(content, markdownUnits(a, s.PostMax-s.Overlap), s.PostMax/2, s.PostMax, s.Overlap, true)
		}
	default:
		spans = pack(content, markdownUnits(a, s.ArticleMax-s.Overlap), s.ArticleMin, s.ArticleMax, s.Overlap, true)
	}
	out := make([]Chunk, 0, len(spans))
	rc := runeCounter{s: content}
	for _, sp := range spans {
		text := a.clean(sp.start, sp.end)
		if strings.TrimSpace(text) == "" {
			continue
		}
		out = append(out, Chunk{
			Position: len(out), HeadingPath: sp.path,
			ByteStart: sp.start, ByteEnd: sp.end,
			Start: rc.at(sp.start), End: rc.at(sp.end),
			Text: text,
		})
	}
	return out
}

// runeCounter converts increasing byte offsets to code point offsets in
// one pass (offsets may step back a little for overlaps).
type runeCounter struct {
	s         string
	byteAt, n int
}

func (c *runeCounter) at(b int) int {
	if b < c.byteAt {
		c.n -= utf8.RuneCountInString(c.s[b:c.byteAt])
	} else {
		c.n += utf8.RuneCountInString(c.s[c.byteAt:b])
	}
	c.byteAt = b
	return c.n
}

var headingRe = regexp.MustCompile(`^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$`)

// markdownUnits splits Markdown into units no longer than limit characters:
// headings, whole blocks (paragraphs, lists, code and math blocks), and for
// longer blocks sentences (prose) or lines (code), then words.
func markdownUnits(a *analysis, limit int) []span {
	var units []span
	var stack []string // heading titles by level
	path := ""
	var block *span
	flush := func() {
		if block != nil {
			units = append(units, splitSpan(a.content, *block, limit)...)
			block = nil
		}
	}
	for i := 0; i < len(a.lines); i++ {
		l := a.lines[i]
		text := a.content[l.start:l.end]
		switch {
		case l.kind == prose && (l.drop || strings.TrimSpace(text) == ""):
			flush()
		case l.kind == prose && headingRe.MatchString(strings.TrimRight(text, "\r")):
			flush()
			m := headingRe.FindStringSubmatch(strings.TrimRight(text, "\r"))
			level := len(m[1])
			for len(stack) < level {
				stack = append(stack, "")
			}
			stack = append(stack[:level-1], strings.TrimSpace(normalizeText(m[2])))
			var parts []string
			for _, p := range stack {
				if p != "" {
					parts = append(parts, p)
				}
			}
			path = strings.Join(parts, " > ")
			units = append(units, span{start: l.start, end: l.end, path: path, heading: true})
		case l.kind == fence:
			// An opening fence starts a block that runs to its closing fence.
			flush()
			j := i + 1
			for j < len(a.lines) && a.lines[j].kind != fence {
				j++
			}
			if j >= len(a.lines) {
				j = len(a.lines) - 1
			}
			units = append(units, splitSpan(a.content, span{start: l.start, end: a.lines[j].end, path: path}, limit)...)
			i = j
		default:
			if block == nil {
				block = &span{start: l.start, end: l.end, path: path}
			} else {
				block.end = l.end
			}
		}
	}
	flush()
	return units
}

var sentenceEnd = regexp.MustCompile(`[.!?…]+["'”’)\]]*\s+`)

// splitSpan returns sp whole if it fits in limit characters, else its
// sentences (or lines for code and math), packed back up to limit, with
// words as the last resort.
func splitSpan(content string, sp span, limit int) []span {
	if utf8.RuneCountInString(content[sp.start:sp.end]) <= limit {
		return []span{sp}
	}
	text := content[sp.start:sp.end]
	var cuts []int // byte offsets (relative) where a piece may begin
	if strings.HasPrefix(strings.TrimSpace(text), "```") || strings.HasPrefix(strings.TrimSpace(text), "~~~") || strings.HasPrefix(strings.TrimSpace(text), "$$") {
		for i := 0; i < len(text); i++ {
			if text[i] == '\n' {
				cuts = append(cuts, i+1)
			}
		}
	} else {
		for _, m := range sentenceEnd.FindAllStringIndex(text, -1) {
			cuts = append(cuts, m[1])
		}
	}
	var out []span
	begin := 0
	emit := func(end int) {
		if end > begin {
			out = append(out, splitWords(content, span{start: sp.start + begin, end: sp.start + end, path: sp.path}, limit)...)
			begin = end
		}
	}
	last := 0 // the last cut seen that keeps the piece within limit
	for _, c := range cuts {
		if c >= len(text) {
			break
		}
		if utf8.RuneCountInString(text[begin:c]) > limit {
			if last > begin {
				emit(last)
			}
			if utf8.RuneCountInString(text[begin:c]) > limit {
				emit(c)
			}
		}
		last = c
	}
	if utf8.RuneCountInString(text[begin:]) > limit && last > begin {
		emit(last)
	}
	emit(len(text))
	return out
}

// splitWords cuts a span longer than limit at spaces (or anywhere, for
// text with no spaces) into pieces of at most limit characters.
func splitWords(content string, sp span, limit int) []span {
	var out []span
	for sp.start < sp.end {
		text := content[sp.start:sp.end]
		if utf8.RuneCountInString(text) <= limit {
			out = append(out, sp)
			break
		}
		// Byte offset of the limit-th character.
		cut, n := 0, 0
		for i := range text {
			if n == limit {
				cut = i
				break
			}
			n++
		}
		if sp := strings.LastIndexAny(text[:cut], " \n\t"); sp > cut/2 {
			cut = sp + 1
		}
		out = append(out, span{start: sp.start, end: sp.start + cut, path: sp.path})
		sp.start += cut
	}
	return out
}

// pack greedily joins units into chunks of at most max characters, ending
// a chunk at a section heading once it has min characters. A chunk that
// continues a section split for size starts with up to overlap characters
// of the end of the previous one (whole sentences where possible).
func pack(content string, units []span, min, max, overlap int, sentences bool) []span {
	var out []span
	var cur *span
	onlyHeadings := false // cur holds nothing but headings so far
	size := func(a, b int) int { return utf8.RuneCountInString(content[a:b]) }
	for _, u := range units {
		if cur != nil && onlyHeadings && size(cur.start, u.end) <= max {
			// A chunk is named by the deepest heading above its first text.
			cur.end, cur.path = u.end, u.path
			onlyHeadings = u.heading
			continue
		}
		if cur != nil {
			tooBig := size(cur.start, u.end) > max
			section := u.heading && size(cur.start, cur.end) >= min
			if tooBig || section {
				out = append(out, *cur)
				prev := *cur
				cur = nil
				if tooBig && !u.heading && overlap > 0 {
					st := overlapStart(content, prev, u.start, overlap, sentences)
					if st < u.start && size(st, u.end) <= max+overlap {
						cur = &span{start: st, end: u.end, path: u.path}
						continue
					}
				}
			}
		}
		if cur == nil {
			c := u
			cur = &c
			onlyHeadings = u.heading
			continue
		}
		cur.end = u.end
	}
	if cur != nil {
		// A small tail joins the chunk before it when both fit.
		if n := len(out); n > 0 && size(cur.start, cur.end) < min/4 && size(out[n-1].start, cur.end) <= max && cur.start >= out[n-1].end {
			out[n-1].end = cur.end
		} else {
			out = append(out, *cur)
		}
	}
	return out
}

// overlapStart finds where an overlap of at most n characters before next
// may begin inside prev: at a sentence (or line) start, else a word start.
func overlapStart(content string, prev span, next, n int, sentences bool) int {
	from := next
	for i := 0; i < n && from > prev.start; i++ {
		_, w := utf8.DecodeLastRuneInString(content[:from])
		from -= w
	}
	region := content[from:next]
	if sentences {
		if m := sentenceEnd.FindStringIndex(region); m != nil && m[1] < len(region) {
			return from + m[1]
		}
	}
	if i := strings.IndexByte(region, '\n'); i >= 0 && i+1 < len(region) {
		return from + i + 1
	}
	if i := strings.IndexAny(region, " \t"); i >= 0 && i+1 < len(region) {
		return from + i + 1
	}
	return next
}

var defRe = regexp.MustCompile(`^(func|def|class|fn|pub|impl|struct|type|interface|enum|trait|export|function|async|const|let|var|public|private|protected|static|module|package|import|from|#include|#define|template|@|object|val|sub|proc|defmodule|describe|it\(|test\()`)

// codeUnits splits source code at top-level definitions (a line at column 0
// that starts a function, class, type… together with the comments and
// decorators right above it), then lines, within limit characters.
func codeUnits(content string, limit int) []span {
	lines := strings.SplitAfter(content, "\n")
	var units []span
	start, pos := 0, 0
	commentStart := -1
	path := ""
	for i, l := range lines {
		trim := strings.TrimRight(l, "\r\n")
		isComment := strings.HasPrefix(trim, "//") || strings.HasPrefix(trim, "#") && !strings.HasPrefix(trim, "#include") && !strings.HasPrefix(trim, "#define") || strings.HasPrefix(trim, "/*") || strings.HasPrefix(trim, " *") || strings.HasPrefix(trim, "@")
		if i > 0 && defRe.MatchString(trim) && !strings.HasPrefix(trim, "@") {
			cut := pos
			if commentStart >= 0 {
				cut = commentStart
			}
			if cut > start {
				units = append(units, span{start: start, end: cut, path: path})
				start = cut
			}
			path = firstLine(trim)
		} else if i == 0 && defRe.MatchString(trim) {
			path = firstLine(trim)
		}
		switch {
		case isComment && commentStart < 0:
			commentStart = pos
		case !isComment:
			commentStart = -1
		}
		pos += len(l)
	}
	if start < len(content) {
		units = append(units, span{start: start, end: len(content), path: path})
	}
	var out []span
	for _, u := range units {
		out = append(out, splitCode(content, u, limit)...)
	}
	return out
}

// splitCode cuts a long code span at line ends.
func splitCode(content string, sp span, limit int) []span {
	if utf8.RuneCountInString(content[sp.start:sp.end]) <= limit {
		return []span{sp}
	}
	var out []span
	begin := sp.start
	last := begin
	for i := sp.start; i < sp.end; i++ {
		if content[i] != '\n' {
			continue
		}
		if utf8.RuneCountInString(content[begin:i+1]) > limit && last > begin {
			out = append(out, span{start: begin, end: last, path: sp.path})
			begin = last
		}
		last = i + 1
	}
	rest := span{start: begin, end: sp.end, path: sp.path}
	return append(out, splitWords(content, rest, limit)...)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, "{")
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80])
	}
	return strings.TrimSpace(s)
}
