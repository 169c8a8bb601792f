package readability

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// hasTextContent reports whether a node or any of its descendants have text content other than spaces.
func hasTextContent(node *html.Node) bool {
	if node.Type == html.TextNode {
		return hasContent(node.Data)
	}
	for child := range node.ChildNodes() {
		if hasTextContent(child) {
			return true
		}
	}
	return false
}

type runeCounter interface {
	Count(rune)
	// addText counts a whole text node, as Count would rune by rune
	// (doppel patch).
	addText(*textStats)
}

// textStats is what the counters need from one text node (doppel patch).
// Readability counts the same text again for every element above it
// (scoring, link density, conditional cleaning): one pass over each text
// node, kept by the Parser for the rest of the parse, replaces a pass per
// ancestor.
type textStats struct {
	data     string // the text the stats are for
	nonSpace int    // runes that are not whitespace
	gaps     int    // whitespace runs between two non-space runes
	leading  bool   // whitespace before the first non-space rune
	trailing bool   // whitespace after the last non-space rune
	anySpace bool
	commas   int
}

func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || '\t' <= r && r <= '\r'
	}
	return unicode.IsSpace(r)
}

func newTextStats(s string) *textStats {
	st := &textStats{data: s}
	var commas commaCounter
	inSpace := false
	for _, r := range s {
		if isSpace(r) {
			st.anySpace = true
			inSpace = true
			continue
		}
		commas.Count(r)
		if st.nonSpace == 0 {
			st.leading = inSpace
		} else if inSpace {
			st.gaps++
		}
		st.nonSpace++
		inSpace = false
	}
	st.trailing = st.nonSpace > 0 && inSpace
	st.commas = commas.Total
	return st
}

// textStats returns the stats of text node n, from the parse's cache
// while n's text is unchanged (doppel patch).
func (ps *Parser) textStats(n *html.Node) *textStats {
	if st, ok := ps.textCache[n]; ok && st.data == n.Data {
		return st
	}
	if ps.textCache == nil {
		ps.textCache = make(map[*html.Node]*textStats)
	}
	st := newTextStats(n.Data)
	ps.textCache[n] = st
	return st
}

type charCounter struct {
	Total int

	lastCharWasSpace bool
	seenNonSpace     bool
}

// Count keeps a number of total characters (runes) it was passed. Leading and trailing whitespace
// are ignored, and consecutive runs of whitespace between words are counted as a single space.
func (c *charCounter) Count(r rune) {
	if unicode.IsSpace(r) {
		c.lastCharWasSpace = true
		return
	}
	if c.lastCharWasSpace && c.seenNonSpace {
		c.Total += 2
	} else {
		c.Total += 1
	}
	c.lastCharWasSpace = false
	c.seenNonSpace = true
}

// addText is Count for every rune of a text node (doppel patch).
func (c *charCounter) addText(st *textStats) {
	if st.nonSpace == 0 {
		if st.anySpace {
			c.lastCharWasSpace = true
		}
		return
	}
	if (c.lastCharWasSpace || st.leading) && c.seenNonSpace {
		c.Total += 2
	} else {
		c.Total += 1
	}
	c.Total += st.nonSpace - 1 + st.gaps
	c.lastCharWasSpace = st.trailing
	c.seenNonSpace = true
}

func (c *charCounter) ResetContext() runeCounter {
	c.lastCharWasSpace = false
	c.seenNonSpace = false
	return c
}

type commaCounter struct {
	Total int
}

func (c *commaCounter) Count(r rune) {
	switch r {
	// Commas as used in Latin, Sindhi, Chinese and various other scripts.
	// see: https://en.wikipedia.org/wiki/Comma#Comma_variants
	case '\u002C', '\u060C', '\uFE50', '\uFE10', '\uFE11', '\u2E41', '\u2E34', '\u2E32', '\uFF0C':
		c.Total++
	}
}

// countCharsAndCommas returns counts for both characters and commas in a node's
// text. Leading and trailing whitespace is not counted, nor are consecutive
// runs of whitespace.
func countCharsAndCommas(node *html.Node) (int, int) {
	var ps Parser
	return ps.countCharsAndCommas(node)
}

// countCharsAndCommas is countCharsAndCommas with ps's cache of text
// counts (doppel patch).
func (ps *Parser) countCharsAndCommas(node *html.Node) (int, int) {
	chars := &charCounter{}
	commas := &commaCounter{}

	// Walk the node and its descendants to count all non-space characters and
	// different comma variants separately.
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			// doppel patch: cached counts per text node.
			st := ps.textStats(n)
			chars.addText(st)
			commas.Total += st.commas
			return
		}
		for child := range n.ChildNodes() {
			walk(child)
		}
	}
	walk(node)

	return chars.Total, commas.Total
}
