package platforms

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/doppelhq/doppel/backend/documents"
	"github.com/doppelhq/doppel/backend/importer"
)

// devArticle is an article of the dev.to (Forem) API. The list endpoint
// gives tag_list as an array and tags as a string; the article endpoint
// swaps them, so both are kept raw.
type devArticle struct {
	ID           int64           `json:"id"`
	Title        string          `json:"title"`
	URL          string          `json:"url"`
	CanonicalURL string          `json:"canonical_url"`
	PublishedAt  string          `json:"published_at"`
	TagList      json.RawMessage `json:"tag_list"`
	Tags         json.RawMessage `json:"tags"`
	BodyMarkdown string          `json:"body_markdown"`
	User         struct {
		Name string `json:"name"`
	} `json:"user"`
}

func (a devArticle) tags() []string {
	for _, raw := range []json.RawMessage{a.TagList, a.Tags} {
		var list []string
		if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
			return list
		}
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			for _, t := range strings.Split(s, ",") {
				if t = strings.TrimSpace(t); t != "" {
					list = append(list, t)
				}
			}
			return list
		}
	}
	return nil
}

// devto lists a user's published articles, then fetches each for its
// Markdown body. An article cross-posted with a canonical URL (the user's
// blog) is stored under that URL, so it merges with the crawled copy.
func (r *syncRun) devto(ctx context.Context, user string) error {
	base := strings.TrimSuffix(r.cfg.DevTo, "/")
	for page := 1; !r.full(); page++ {
		var list []devArticle
		u := fmt.Sprintf("%s/api/articles?username=%s&page=%d&per_page=30", base, url.QueryEscape(user), page)
		if _, err := r.getJSON(ctx, u, nil, &list); err != nil {
			return err
		}
		if len(list) == 0 {
			return nil
		}
		for _, item := range list {
			var a devArticle
			au := fmt.Sprintf("%s/api/articles/%d", base, item.ID)
			if _, err := r.getJSON(ctx, au, nil, &a); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				r.fail(item.URL, err)
				continue
			}
			_, body, err := importer.SplitFrontMatter(a.BodyMarkdown)
			if err != nil {
				body = a.BodyMarkdown
			}
			in := documents.Input{Platform: "devto", Kind: documents.Article, URL: a.URL, Title: a.Title, Author: a.User.Name,
				PublishedAt: parseTime(a.PublishedAt), Tags: a.tags(), Content: strings.TrimSpace(body), ContentType: "text/markdown"}
			if a.CanonicalURL != "" && a.CanonicalURL != a.URL {
				in.URL, in.Aliases = a.CanonicalURL, []string{a.URL}
			}
			if err := r.store(ctx, in); err != nil {
				return err
			}
		}
	}
	return nil
}
