// Package feature is the feature pipeline of Doppel: it turns documents into
// cleaned, chunked and embedded text that search, the dataset builder and
// chat retrieve from.
//
//	documents ──clean──▶ cleaned text ──chunk──▶ chunks ──embed──▶ vectors + FTS
//
// Cleaning (this file) is a visible list of rules. Every rule works on one
// line at a time (given whether the line is inside a fenced code block or a
// math block), so cleaning any range of a document gives the same text as
// cleaning the whole document and cutting the range out of it: that is what
// lets a chunk keep offsets into the original content while its text is the
// cleaned one.
package feature

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Rule is one cleaning step, listed for users and docs.
type Rule struct {
	// Name is a short identifier.
	Name string `json:"name"`
	// Doc says what the rule does and where it does not apply.
	Doc string `json:"doc"`
}

// Rules lists the cleaning rules in the order they apply. Code blocks (```
// or ~~~ fences, `inline code`) and math ($$ blocks, $inline$, \(…\), \[…\])
// are never changed beyond line endings.
var Rules = []Rule{
	{"line-endings", "CRLF becomes LF; a byte-order mark is dropped."},
	{"styled-letters", "Mathematical bold/italic/script/double-struck letters and digits (U+1D400–U+1D7FF), fullwidth forms, circled and squared letters, letterlike symbols (ℍ, ℯ…) and ligatures (ﬁ) become plain letters (NFKC for those characters)."},
	{"unicode-nfc", "All other text is put in Unicode NFC (composed accents); superscripts, fractions and other symbols keep their meaning."},
	{"invisible-characters", "Zero-width spaces, word joiners, soft hyphens and stray byte-order marks are removed (the zero-width joiner inside emoji stays)."},
	{"spaces", "No-break, thin, ideographic and other Unicode spaces and tabs inside prose become one ASCII space; runs of spaces collapse; trailing spaces go. Leading indentation (lists, quotes) stays."},
	{"boilerplate-lines", "Whole lines that are share/subscribe/follow prompts, 'Originally published at', 'Continue reading', 'Like this:', 'Loading…', cookie notices and similar (see boilerplatePatterns) are dropped."},
	{"blank-lines", "More than one blank line in a row becomes one; blank lines at the start and end go."},
}

// boilerplatePatterns match whole prose lines (after the other rules) that
// blogs and platforms add around the writing and that say nothing of the
// author's own. They are anchored and short so real sentences survive.
var boilerplatePatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^(share|share this|share this( post| article)?|share on \w+|like this|related|related posts)\s*:?$`),
	regexp.MustCompile(`(?i)^(click to )?(share|tweet|email|print)( this)?( on| to| via)? ?(twitter|x|facebook|linkedin|reddit|whatsapp|telegram|pocket|email|a friend)?( \(opens in new window\))?$`),
	regexp.MustCompile(`(?i)^(subscribe|subscribe now|sign up|sign up for (my|our|the) newsletter.*|join (my|the) newsletter.*|get new posts by email.*)$`),
	regexp.MustCompile(`(?i)^(follow me on|follow us on|find me on) [\w ,./@-]{1,60}$`),
	regexp.MustCompile(`(?i)^(originally published (at|on)|this (post|article) (was )?(originally|first) (published|appeared) (at|on))\b.{0,200}$`),
	regexp.MustCompile(`(?i)^(continue reading|read more|read the full (post|article)|keep reading)\W{0,4}.{0,40}$`),
	regexp.MustCompile(`(?i)^(loading|loading\.\.\.|loading…)$`),
	regexp.MustCompile(`(?i)^(this (site|website) uses cookies|we use cookies|accept (all )?cookies).{0,200}$`),
	regexp.MustCompile(`(?i)^(posted in|filed under|tagged|tags|categories|category)\s*:.{0,200}$`),
	regexp.MustCompile(`(?i)^(leave a (comment|reply)|\d+ (comments?|responses?|replies)|no comments yet\.?)$`),
	regexp.MustCompile(`(?i)^(thanks for reading!?|thank you for reading!?)(\s*subscribe.{0,80})?$`),
	regexp.MustCompile(`(?i)^(advertisement|sponsored|skip to (main )?content|back to top|↑ back to top)$`),
}

// lineKind says how the rules treat a line.
type lineKind uint8

const (
	prose     lineKind = iota
	fence              // an opening or closing ``` / ~~~ / $$ line
	code               // inside a fenced code block
	mathBlock          // inside a $$ or \[ \] math block
)

// docLine is one line of a document with its cleaning decision.
type docLine struct {
	start, end int // byte range in the content, without the newline
	kind       lineKind
	drop       bool // dropped as boilerplate or a repeated blank line
}

// analysis is the per-document state that makes range cleaning consistent
// with whole-document cleaning: line kinds and drop decisions are made once
// on full lines.
type analysis struct {
	content string
	lines   []docLine
	isCode  bool // the whole document is source code
}

var fenceRe = regexp.MustCompile("^ {0,3}(```+|~~~+)")

func analyze(content string, wholeCode bool) *analysis {
	a := &analysis{content: content, isCode: wholeCode}
	var open string // the fence that opened the current block ("" = none)
	inMath := ""
	prevBlank := true // drop blank lines at the start
	for pos := 0; pos <= len(content); {
		nl := strings.IndexByte(content[pos:], '\n')
		end := len(content)
		if nl >= 0 {
			end = pos + nl
		}
		l := docLine{start: pos, end: end}
		text := strings.TrimRight(content[pos:end], "\r")
		trimmed := strings.TrimSpace(text)
		switch {
		case wholeCode:
			l.kind = code
		case open != "":
			if m := fenceRe.FindString(text); m != "" && strings.TrimSpace(m)[:1] == open[:1] && len(strings.TrimSpace(m)) >= len(open) && strings.TrimSpace(text[len(m):]) == "" {
				l.kind, open = fence, ""
			} else {
				l.kind = code
			}
		case inMath != "":
			if strings.HasSuffix(trimmed, inMath) {
				l.kind, inMath = fence, ""
			} else {
				l.kind = mathBlock
			}
		default:
			if m := fenceRe.FindString(text); m != "" {
				l.kind, open = fence, strings.TrimSpace(m)
			} else if strings.HasPrefix(trimmed, "$$") && (trimmed == "$$" || !strings.HasSuffix(trimmed[2:], "$$")) {
				l.kind, inMath = fence, "$$"
			} else if strings.HasPrefix(trimmed, `\[`) && !strings.HasSuffix(trimmed, `\]`) {
				l.kind, inMath = fence, `\]`
			} else if strings.HasPrefix(trimmed, "$$") || (strings.HasPrefix(trimmed, `\[`) && strings.HasSuffix(trimmed, `\]`)) {
				l.kind = mathBlock // a one-line display formula
			}
		}
		if l.kind == prose {
			cleaned := strings.TrimSpace(cleanProse(text))
			switch {
			case cleaned == "":
				l.drop = prevBlank
				prevBlank = true
			case isBoilerplate(cleaned):
				l.drop = true
			default:
				prevBlank = false
			}
		} else {
			prevBlank = false
		}
		a.lines = append(a.lines, l)
		if nl < 0 {
			break
		}
		pos = end + 1
	}
	return a
}

func isBoilerplate(line string) bool {
	if len(line) > 240 {
		return false
	}
	l := strings.TrimLeft(line, "#>*-_ ")
	l = strings.Trim(l, "*_ ")
	for _, re := range boilerplatePatterns {
		if re.MatchString(l) {
			return true
		}
	}
	return false
}

// Clean applies the cleaning rules to a whole Markdown text.
func Clean(content string) string {
	a := analyze(content, false)
	return a.clean(0, len(content))
}

// CleanRange returns the cleaned text of content[start:end] (byte offsets)
// as it appears in a document of the given kind; it equals cutting the same
// range out of the cleaned document. Chunk texts are made this way.
func CleanRange(kind, content string, start, end int) string {
	return analyze(content, kind == "code").clean(start, end)
}

// clean builds the cleaned text of the byte range [start, end).
func (a *analysis) clean(start, end int) string {
	var b strings.Builder
	first := true
	for _, l := range a.lines {
		if l.end < start || l.start > end || (l.start == end && end > start) {
			continue
		}
		if l.drop {
			continue
		}
		s, e := max(l.start, start), min(l.end, end)
		if s > e {
			continue
		}
		seg := a.content[s:e]
		switch l.kind {
		case prose:
			seg = cleanProse(seg)
			if s == l.start {
				// Leading indentation is structure (lists, quotes).
			} else {
				seg = strings.TrimLeft(seg, " ")
			}
			seg = strings.TrimRight(seg, " ")
		default:
			seg = strings.TrimRight(seg, "\r")
			if a.isCode {
				seg = strings.TrimPrefix(seg, "\ufeff")
			}
		}
		if !first {
			b.WriteByte('\n')
		}
		first = false
		b.WriteString(seg)
	}
	out := strings.Trim(b.String(), "\n")
	if a.isCode {
		return out
	}
	// Blank lines at the edges of a range: the document-level collapse
	// already left at most one in a row inside.
	return strings.TrimLeft(strings.TrimRight(out, " \n"), "\n")
}

// protectedRe finds inline spans that cleaning must not touch: `code`,
// $math$ and \(math\).
var protectedRe = regexp.MustCompile("`+[^`]*`+|\\$[^$\\s][^$\\n]*?\\$|\\\\\\(.*?\\\\\\)")

// cleanProse applies the character rules to one prose line (or part of one),
// leaving inline code and math as they are.
func cleanProse(s string) string {
	s = strings.TrimRight(s, "\r")
	spans := protectedRe.FindAllStringIndex(s, -1)
	if len(spans) == 0 {
		return normalizeText(s)
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(normalizeText(s[last:sp[0]]))
		b.WriteString(s[sp[0]:sp[1]])
		last = sp[1]
	}
	b.WriteString(normalizeText(s[last:]))
	return b.String()
}

// normalizeText applies styled-letters, unicode-nfc, invisible-characters
// and spaces to prose.
func normalizeText(s string) string {
	if s == "" {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	lead := true   // still in leading indentation
	space := false // a space is pending
	for i, w := 0, 0; i < len(s); i += w {
		r, n := utf8.DecodeRuneInString(s[i:])
		w = n
		switch {
		case r == utf8.RuneError && n == 1:
			continue // invalid UTF-8 byte
		case isInvisible(r):
			continue
		case r == '\t' || r == ' ' || isUnicodeSpace(r):
			if lead {
				if r == '\t' {
					b.WriteString("    ")
				} else {
					b.WriteByte(' ')
				}
			} else {
				space = true
			}
			continue
		}
		lead = false
		if space {
			b.WriteByte(' ')
			space = false
		}
		if isStyled(r) {
			b.WriteString(norm.NFKC.String(string(r)))
		} else {
			b.WriteRune(r)
		}
	}
	if space {
		b.WriteByte(' ')
	}
	return norm.NFC.String(b.String())
}

// isStyled reports characters whose compatibility form is a plain letter or
// digit in a different style: the ones LinkedIn and X "fonts" are made of.
func isStyled(r rune) bool {
	switch {
	case r >= 0x1D400 && r <= 0x1D7FF: // Mathematical Alphanumeric Symbols
		return true
	case r >= 0xFF01 && r <= 0xFF5E: // fullwidth ASCII
		return true
	case r >= 0xFB00 && r <= 0xFB06: // ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ
		return true
	case r >= 0x24B6 && r <= 0x24E9: // Ⓐ…ⓩ
		return true
	case r >= 0x1F130 && r <= 0x1F149: // 🄰…🅉 squared letters
		return true
	case r >= 0x2100 && r <= 0x214F: // letterlike symbols: ℂ ℍ ℎ ℯ ℓ…
		return unicode.IsLetter(r)
	}
	return false
}

func isInvisible(r rune) bool {
	switch r {
	case 0x200B, 0x2060, 0xFEFF, 0x00AD, 0x180E, 0x200E, 0x200F:
		return true
	}
	return false
}

func isUnicodeSpace(r rune) bool {
	switch {
	case r == 0x00A0, r == 0x202F, r == 0x205F, r == 0x3000, r == 0x1680:
		return true
	case r >= 0x2000 && r <= 0x200A:
		return true
	}
	return false
}
