package platforms

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/doppelhq/doppel/backend/documents"
)

type bskyFeed struct {
	Feed []struct {
		Post struct {
			URI    string `json:"uri"`
			Author struct {
				DID         string `json:"did"`
				Handle      string `json:"handle"`
				DisplayName string `json:"displayName"`
			} `json:"author"`
			Record struct {
				Type      string   `json:"$type"`
				Text      string   `json:"text"`
				CreatedAt string   `json:"createdAt"`
				Langs     []string `json:"langs"`
				Tags      []string `json:"tags"`
			} `json:"record"`
		} `json:"post"`
		// Reason is set for reposts.
		Reason map[string]any `json:"reason"`
	} `json:"feed"`
	Cursor string `json:"cursor"`
}

// bluesky pages through an author feed (app.bsky.feed.getAuthorFeed on the
// public AppView), keeping the author's own posts, not reposts.
func (r *syncRun) bluesky(ctx context.Context, handle string) error {
	base := strings.TrimSuffix(r.cfg.Bluesky, "/")
	cursor := ""
	for !r.full() {
		q := url.Values{"actor": {handle}, "limit": {"100"}, "filter": {"posts_with_replies"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page bskyFeed
		if _, err := r.getJSON(ctx, base+"/xrpc/app.bsky.feed.getAuthorFeed?"+q.Encode(), nil, &page); err != nil {
			return fmt.Errorf("bluesky %s: %w", handle, err)
		}
		for _, it := range page.Feed {
			p := it.Post
			if it.Reason != nil || !strings.EqualFold(p.Author.Handle, handle) && !strings.EqualFold(p.Author.DID, handle) {
				continue
			}
			text := strings.TrimSpace(p.Record.Text)
			if text == "" {
				continue
			}
			rkey := p.URI[strings.LastIndex(p.URI, "/")+1:]
			link := "https://bsky.app/profile/" + p.Author.Handle + "/post/" + rkey
			in := documents.Input{Platform: "bluesky", Kind: documents.Post, URL: link, Aliases: []string{p.URI}, Author: p.Author.DisplayName,
				PublishedAt: parseTime(p.Record.CreatedAt), Tags: p.Record.Tags, Content: text}
			if len(p.Record.Langs) > 0 {
				in.Language = p.Record.Langs[0]
			}
			if err := r.store(ctx, in); err != nil {
				return err
			}
		}
		if page.Cursor == "" || len(page.Feed) == 0 || page.Cursor == cursor {
			return nil
		}
		cursor = page.Cursor
	}
	return nil
}
