package platforms

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/doppelhq/doppel/backend/crawl"
	"github.com/doppelhq/doppel/backend/documents"
)

type mastoStatus struct {
	ID          string `json:"id"`
	CreatedAt   string `json:"created_at"`
	URL         string `json:"url"`
	URI         string `json:"uri"`
	Content     string `json:"content"`
	SpoilerText string `json:"spoiler_text"`
	Visibility  string `json:"visibility"`
	Language    string `json:"language"`
	Reblog      *struct {
		ID string `json:"id"`
	} `json:"reblog"`
	Tags []struct {
		Name string `json:"name"`
	} `json:"tags"`
	Account struct {
		DisplayName string `json:"display_name"`
	} `json:"account"`
}

// mastodon pages through an account's public statuses (boosts excluded)
// with max_id, newest first.
func (r *syncRun) mastodon(ctx context.Context, location string) error {
	u, err := url.Parse(location)
	if err != nil {
		return fmt.Errorf("mastodon account %s: %w", location, err)
	}
	inst := u.Scheme + "://" + u.Host
	acct := account(location)
	var who struct {
		ID string `json:"id"`
	}
	if _, err := r.getJSON(ctx, inst+"/api/v1/accounts/lookup?acct="+url.QueryEscape(acct), nil, &who); err != nil {
		return fmt.Errorf("mastodon account @%s on %s: %w", acct, u.Host, err)
	}
	if who.ID == "" {
		return fmt.Errorf("mastodon account @%s on %s: %w", acct, u.Host, ErrNotFound)
	}
	maxID := ""
	for !r.full() {
		q := url.Values{"limit": {"40"}, "exclude_reblogs": {"true"}}
		if maxID != "" {
			q.Set("max_id", maxID)
		}
		var page []mastoStatus
		if _, err := r.getJSON(ctx, inst+"/api/v1/accounts/"+url.PathEscape(who.ID)+"/statuses?"+q.Encode(), nil, &page); err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, st := range page {
			maxID = st.ID
			if st.Reblog != nil || (st.Visibility != "public" && st.Visibility != "unlisted" && st.Visibility != "") {
				continue
			}
			link := st.URL
			if link == "" {
				link = st.URI
			}
			md, err := crawl.FeedHTMLToMarkdown(st.Content, "", nil)
			if err != nil || strings.TrimSpace(md) == "" {
				continue // media-only status
			}
			in := documents.Input{Platform: "mastodon", Kind: documents.Post, URL: link, Title: st.SpoilerText, Author: st.Account.DisplayName,
				PublishedAt: parseTime(st.CreatedAt), Language: st.Language, Content: md, Raw: []byte(st.Content), ContentType: "text/html"}
			if st.URI != "" && st.URI != link {
				in.Aliases = []string{st.URI}
			}
			for _, t := range st.Tags {
				in.Tags = append(in.Tags, t.Name)
			}
			if err := r.store(ctx, in); err != nil {
				return err
			}
		}
	}
	return nil
}
