package importer

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"gopkg.in/yaml.v3"

	"github.com/doppelhq/doppel/backend/crawl"
	"github.com/doppelhq/doppel/backend/documents"
)

// ErrMalformed marks a file that could not be parsed.
var ErrMalformed = errors.New("malformed")

// ParseTweets reads data/tweets.js of an X/Twitter archive
// ("window.YTD.tweets.part0 = [...]"). Retweets are left out: they are not
// the user's writing.
func ParseTweets(data []byte) ([]documents.Input, error) {
	if i := bytes.IndexByte(data, '='); i >= 0 && bytes.HasPrefix(bytes.TrimSpace(data), []byte("window.")) {
		data = data[i+1:]
	}
	var rows []struct {
		Tweet struct {
			ID        string `json:"id_str"`
			FullText  string `json:"full_text"`
			CreatedAt string `json:"created_at"`
			Entities  struct {
				Hashtags []struct {
					Text string `json:"text"`
				} `json:"hashtags"`
			} `json:"entities"`
		} `json:"tweet"`
	}
	if err := json.Unmarshal(bytes.TrimRight(bytes.TrimSpace(data), ";"), &rows); err != nil {
		return nil, fmt.Errorf("%w tweets.js: %v", ErrMalformed, err)
	}
	var out []documents.Input
	for _, r := range rows {
		t := r.Tweet
		text := strings.TrimSpace(t.FullText)
		if t.ID == "" || text == "" || strings.HasPrefix(text, "RT @") {
			continue
		}
		in := documents.Input{Platform: "x", Kind: documents.Post, URL: "https://x.com/i/web/status/" + url.PathEscape(t.ID), Content: text}
		if ts, err := time.Parse(time.RubyDate, t.CreatedAt); err == nil {
			in.PublishedAt = ts.UTC()
		}
		for _, h := range t.Entities.Hashtags {
			in.Tags = append(in.Tags, h.Text)
		}
		out = append(out, in)
	}
	return out, nil
}

// readCSV returns the rows of a CSV file as maps keyed by lower-case
// header names.
func readCSV(data []byte, name string) ([]map[string]string, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%w %s: no header row: %v", ErrMalformed, name, err)
	}
	for i := range head {
		head[i] = strings.ToLower(strings.TrimSpace(head[i]))
	}
	var out []map[string]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, fmt.Errorf("%w %s: %v", ErrMalformed, name, err)
		}
		m := map[string]string{}
		for i, v := range rec {
			if i < len(head) {
				m[head[i]] = v
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func parseAnyTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, f := range []string{time.RFC3339, "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02", time.RubyDate} {
		if t, err := time.Parse(f, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// ParseLinkedInShares reads Shares.csv of a LinkedIn export.
func ParseLinkedInShares(data []byte) ([]documents.Input, error) {
	rows, err := readCSV(data, "Shares.csv")
	var out []documents.Input
	for i, r := range rows {
		text := strings.TrimSpace(r["sharecommentary"])
		if text == "" {
			continue
		}
		link := strings.TrimSpace(r["sharelink"])
		if link == "" {
			link = fmt.Sprintf("linkedin-share:%d", i+1)
		}
		out = append(out, documents.Input{Platform: "linkedin", Kind: documents.Post, URL: link, Content: text, PublishedAt: parseAnyTime(r["date"])})
	}
	return out, err
}

// ParseRedditCSV reads posts.csv or comments.csv of a Reddit export.
func ParseRedditCSV(data []byte, name string) ([]documents.Input, error) {
	rows, err := readCSV(data, name)
	var out []documents.Input
	for _, r := range rows {
		body := strings.TrimSpace(r["body"])
		title := strings.TrimSpace(r["title"])
		if body == "" || body == "[deleted]" || body == "[removed]" {
			continue
		}
		link := strings.TrimSpace(r["permalink"])
		if link == "" {
			continue
		}
		in := documents.Input{Platform: "reddit", Kind: documents.Post, URL: link, Title: title, Content: body, PublishedAt: parseAnyTime(r["date"])}
		if sub := strings.TrimSpace(r["subreddit"]); sub != "" {
			in.Tags = []string{"r/" + sub}
		}
		out = append(out, in)
	}
	return out, err
}

// ParseOutbox reads outbox.json of a Mastodon export (ActivityPub
// Create activities; boosts are left out).
func ParseOutbox(data []byte) ([]documents.Input, error) {
	var box struct {
		OrderedItems []struct {
			Type      string          `json:"type"`
			Published string          `json:"published"`
			Object    json.RawMessage `json:"object"`
		} `json:"orderedItems"`
	}
	if err := json.Unmarshal(data, &box); err != nil {
		return nil, fmt.Errorf("%w outbox.json: %v", ErrMalformed, err)
	}
	var out []documents.Input
	for _, it := range box.OrderedItems {
		if it.Type != "Create" {
			continue
		}
		var obj struct {
			ID        string `json:"id"`
			URL       any    `json:"url"`
			Content   string `json:"content"`
			Summary   string `json:"summary"`
			Published string `json:"published"`
			Tag       []struct {
				Type string `json:"type"`
				Name string `json:"name"`
			} `json:"tag"`
		}
		if json.Unmarshal(it.Object, &obj) != nil || obj.Content == "" {
			continue
		}
		md, err := crawl.FeedHTMLToMarkdown(obj.Content, "", nil)
		if err != nil || strings.TrimSpace(md) == "" {
			continue
		}
		link := obj.ID
		if s, ok := obj.URL.(string); ok && s != "" {
			link = s
		}
		if link == "" {
			continue
		}
		in := documents.Input{Platform: "mastodon", Kind: documents.Post, URL: link, Content: md, Title: obj.Summary, PublishedAt: parseAnyTime(obj.Published)}
		for _, t := range obj.Tag {
			if t.Type == "Hashtag" {
				in.Tags = append(in.Tags, strings.TrimPrefix(t.Name, "#"))
			}
		}
		out = append(out, in)
	}
	return out, nil
}

// FrontMatter is the metadata block of a Hugo/Jekyll/Obsidian file.
type FrontMatter struct {
	Title string
	Date  time.Time
	Tags  []string
	Draft bool
	// Present is true when the file had a front matter block.
	Present bool
}

// SplitFrontMatter separates YAML (---) or TOML (+++) front matter from the
// body. A block that does not parse is reported and left in the body.
func SplitFrontMatter(text string) (FrontMatter, string, error) {
	text = strings.TrimPrefix(text, "\ufeff")
	var fm FrontMatter
	for _, delim := range []string{"---", "+++"} {
		if !strings.HasPrefix(text, delim+"\n") && !strings.HasPrefix(text, delim+"\r\n") {
			continue
		}
		rest := text[len(delim):]
		end := strings.Index(rest, "\n"+delim)
		if end < 0 {
			return fm, text, nil
		}
		block, body := rest[:end], rest[end+len(delim)+1:]
		body = strings.TrimLeft(body, "\r\n")
		raw := map[string]any{}
		var err error
		if delim == "---" {
			err = yaml.Unmarshal([]byte(block), &raw)
		} else {
			err = toml.Unmarshal([]byte(block), &raw)
		}
		if err != nil {
			return fm, text, fmt.Errorf("%w front matter: %v", ErrMalformed, err)
		}
		fm.Present = true
		fm.Title, _ = raw["title"].(string)
		switch d := raw["date"].(type) {
		case time.Time:
			fm.Date = d.UTC()
		case string:
			fm.Date = parseAnyTime(d)
		case toml.LocalDate:
			fm.Date = d.AsTime(time.UTC)
		case toml.LocalDateTime:
			fm.Date = d.AsTime(time.UTC)
		}
		fm.Draft, _ = raw["draft"].(bool)
		for _, key := range []string{"tags", "categories"} {
			switch v := raw[key].(type) {
			case []any:
				for _, t := range v {
					if s, ok := t.(string); ok {
						fm.Tags = append(fm.Tags, s)
					}
				}
			case string:
				for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
					fm.Tags = append(fm.Tags, s)
				}
			}
		}
		return fm, body, nil
	}
	return fm, text, nil
}

// ParseNote turns one Markdown, text or HTML file of a folder into a
// document. ok is false for drafts and empty files.
func ParseNote(name string, data []byte) (in documents.Input, ok bool, err error) {
	ext := strings.ToLower(path.Ext(name))
	title := strings.TrimSuffix(path.Base(name), path.Ext(name))
	switch ext {
	case ".html", ".htm":
		u := &url.URL{Scheme: "file", Path: "/" + name}
		p, err := crawl.Extract(data, "text/html", u)
		if err != nil {
			return in, false, err
		}
		if p.Kind != crawl.PageArticle {
			return in, false, nil
		}
		if p.Title != "" {
			title = p.Title
		}
		return documents.Input{Kind: documents.Article, Title: title, Author: p.Author, PublishedAt: p.Published, Tags: p.Tags,
			Language: p.Language, Content: p.Markdown, Raw: data, ContentType: "text/html"}, true, nil
	case ".md", ".markdown", ".mdx", ".txt", ".text":
	default:
		return in, false, nil
	}
	text := crawl.DecodeHTML(data, "text/plain")
	fm, body, err := SplitFrontMatter(text)
	if err != nil {
		return in, false, err
	}
	if fm.Draft || strings.TrimSpace(body) == "" {
		return in, false, nil
	}
	kind := documents.Note
	if fm.Present && fm.Title != "" && !fm.Date.IsZero() {
		kind = documents.Article
	}
	if fm.Title != "" {
		title = fm.Title
	}
	return documents.Input{Kind: kind, Title: title, PublishedAt: fm.Date, Tags: fm.Tags, Content: strings.TrimSpace(body),
		Raw: data, ContentType: "text/markdown"}, true, nil
}
