package crawl

import (
	"strings"

	"golang.org/x/net/html"
)

// pageIndex holds the elements that metadata, link and listing detection
// look at, gathered in one walk over the parsed page. (Asking cascadia for
// each of the ~25 selectors walked the whole tree every time: a visible
// share of extraction on large pages.) Each field matches what the
// selector in its comment finds, in document order.
type pageIndex struct {
	// meta is the first meta[property=V], meta[name=V] and
	// meta[itemprop=V] of each V, keyed {"property", V} and so on.
	meta map[[2]string]*html.Node
	// httpEquiv: meta[http-equiv].
	httpEquiv []*html.Node
	// articleTags: meta[property="article:tag"].
	articleTags []*html.Node
	// html, title, body, h1, time: the first html, title, body, h1 and
	// time[datetime].
	html, title, body, h1, time *html.Node
	// canonical: the first link[rel="canonical"].
	canonical *html.Node
	// alternates: link[rel="alternate"].
	alternates []*html.Node
	// links: a[href], link[rel=next], link[rel=prev].
	links []*html.Node
	// relTags: a[rel~="tag"], a[rel~="category"].
	relTags []*html.Node
	// jsonLD: script[type="application/ld+json"].
	jsonLD []*html.Node
	// entries counts the elements matching selEntries (post summaries).
	entries int
}

func indexPage(root *html.Node) *pageIndex {
	ix := &pageIndex{meta: map[[2]string]*html.Node{}}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			ix.add(n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return ix
}

func (ix *pageIndex) add(n *html.Node) {
	if selEntries.Match(n) {
		ix.entries++
	}
	first := func(p **html.Node) {
		if *p == nil {
			*p = n
		}
	}
	switch n.Data {
	case "meta":
		for _, a := range n.Attr {
			switch a.Key {
			case "property", "name", "itemprop":
				if k := [2]string{a.Key, a.Val}; ix.meta[k] == nil {
					ix.meta[k] = n
				}
				if a.Key == "property" && a.Val == "article:tag" {
					ix.articleTags = append(ix.articleTags, n)
				}
			case "http-equiv":
				ix.httpEquiv = append(ix.httpEquiv, n)
			}
		}
	case "html":
		first(&ix.html)
	case "title":
		first(&ix.title)
	case "body":
		first(&ix.body)
	case "h1":
		first(&ix.h1)
	case "time":
		if hasAttr(n, "datetime") {
			first(&ix.time)
		}
	case "script":
		if t, ok := attrValue(n, "type"); ok && t == "application/ld+json" {
			ix.jsonLD = append(ix.jsonLD, n)
		}
	case "link":
		switch rel, _ := attrValue(n, "rel"); rel {
		case "canonical":
			first(&ix.canonical)
		case "alternate":
			ix.alternates = append(ix.alternates, n)
		case "next", "prev":
			ix.links = append(ix.links, n)
		}
	case "a":
		if hasAttr(n, "href") {
			ix.links = append(ix.links, n)
		}
		if rel, ok := attrValue(n, "rel"); ok {
			for _, w := range strings.Fields(rel) {
				if w == "tag" || w == "category" {
					ix.relTags = append(ix.relTags, n)
					break
				}
			}
		}
	}
}

// metaContent is the trimmed content of the first meta[key=val].
func (ix *pageIndex) metaContent(key, val string) string {
	if n := ix.meta[[2]string{key, val}]; n != nil {
		return strings.TrimSpace(attrOf(n, "content"))
	}
	return ""
}

// trimmedAttr is the trimmed attribute name of n, "" when n is nil.
func trimmedAttr(n *html.Node, name string) string {
	if n == nil {
		return ""
	}
	return strings.TrimSpace(attrOf(n, name))
}

func hasAttr(n *html.Node, name string) bool {
	_, ok := attrValue(n, name)
	return ok
}

func attrValue(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

// textOf is the text content of n, "" when n is nil.
func textOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}
