package platforms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/doppelhq/doppel/backend/documents"
)

// hashnodeQuery pages through a publication's posts, newest first.
// Hashnode allows at most 20 posts a page.
const hashnodeQuery = `query Posts($host: String!, $first: Int!, $after: String) {
  publication(host: $host) {
    title
    posts(first: $first, after: $after) {
      edges { node { title url canonicalUrl publishedAt brief tags { name } author { name } content { markdown } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`

const hashnodePageSize = 20

// hnPost is one post of Hashnode's GraphQL API.
type hnPost struct {
	Title        string `json:"title"`
	URL          string `json:"url"`
	CanonicalURL string `json:"canonicalUrl"`
	PublishedAt  string `json:"publishedAt"`
	Brief        string `json:"brief"`
	Tags         []struct {
		Name string `json:"name"`
	} `json:"tags"`
	Author *struct {
		Name string `json:"name"`
	} `json:"author"`
	Content *struct {
		Markdown string `json:"markdown"`
	} `json:"content"`
}

// hnPage is one page of a publication's posts.
type hnPage struct {
	// Found is false when the API knows no publication at the host.
	Found     bool
	Posts     []hnPost
	HasNext   bool
	EndCursor string
}

// ErrMalformed marks an API answer that does not have the expected shape.
var ErrMalformed = errors.New("malformed API response")

// parseHashnodePage reads one GraphQL answer. GraphQL errors (the
// "errors" array) become an error carrying their messages; an answer
// without data, or one that says there is a next page without a cursor,
// is ErrMalformed.
func parseHashnodePage(body []byte) (hnPage, error) {
	var resp struct {
		Data *struct {
			Publication *struct {
				Posts *struct {
					Edges []struct {
						Node *hnPost `json:"node"`
					} `json:"edges"`
					PageInfo struct {
						HasNextPage bool   `json:"hasNextPage"`
						EndCursor   string `json:"endCursor"`
					} `json:"pageInfo"`
				} `json:"posts"`
			} `json:"publication"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return hnPage{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(resp.Errors) > 0 {
		msgs := make([]string, 0, len(resp.Errors))
		for _, e := range resp.Errors {
			msgs = append(msgs, strings.TrimSpace(e.Message))
		}
		return hnPage{}, fmt.Errorf("GraphQL error: %s", strings.Join(msgs, "; "))
	}
	if resp.Data == nil {
		return hnPage{}, fmt.Errorf("%w: no data", ErrMalformed)
	}
	pub := resp.Data.Publication
	if pub == nil {
		return hnPage{Found: false}, nil
	}
	if pub.Posts == nil {
		return hnPage{}, fmt.Errorf("%w: publication without posts", ErrMalformed)
	}
	p := hnPage{Found: true, HasNext: pub.Posts.PageInfo.HasNextPage, EndCursor: pub.Posts.PageInfo.EndCursor}
	if p.HasNext && p.EndCursor == "" {
		return hnPage{}, fmt.Errorf("%w: a next page without a cursor", ErrMalformed)
	}
	for _, e := range pub.Posts.Edges {
		if e.Node != nil {
			p.Posts = append(p.Posts, *e.Node)
		}
	}
	return p, nil
}

// hnImageAlign is the attribute Hashnode's editor leaves inside image
// links: ![alt](https://cdn.hashnode.com/x.png align="center").
var hnImageAlign = regexp.MustCompile(`(!\[[^\]]*\]\([^)\s]+)\s+align="[a-z]*"\)`)

// hashnodeMarkdown cleans a post's Markdown of Hashnode's editor quirks.
func hashnodeMarkdown(md string) string {
	return strings.TrimSpace(hnImageAlign.ReplaceAllString(md, "$1)"))
}

// hashnodeHost is the publication host of a location (https://HOST).
func hashnodeHost(location string) string {
	u, err := url.Parse(location)
	if err != nil || u.Host == "" {
		return strings.TrimPrefix(location, "hashnode:")
	}
	return u.Host
}

// hashnode pages through a publication's posts with Hashnode's public
// GraphQL API. A post cross-posted with a canonical URL (the user's own
// blog) is stored under that URL, so it merges with the crawled copy.
func (r *syncRun) hashnode(ctx context.Context, location string) error {
	host := hashnodeHost(location)
	after := ""
	seen := map[string]bool{}
	for !r.full() {
		vars := map[string]any{"host": host, "first": hashnodePageSize}
		if after != "" {
			vars["after"] = after
		}
		req, _ := json.Marshal(map[string]any{"query": hashnodeQuery, "variables": vars})
		body, _, err := r.doJSON(ctx, http.MethodPost, r.cfg.Hashnode, req, nil, nil)
		if err != nil {
			return fmt.Errorf("hashnode publication %s: %w", host, err)
		}
		page, err := parseHashnodePage(body)
		if err != nil {
			return fmt.Errorf("hashnode publication %s: %s: %w", host, r.cfg.Hashnode, err)
		}
		if !page.Found {
			return fmt.Errorf("hashnode publication %s: %w (no publication at this host)", host, ErrNotFound)
		}
		for _, p := range page.Posts {
			if r.full() {
				return nil
			}
			if err := r.storeHashnode(ctx, p); err != nil {
				return err
			}
		}
		if !page.HasNext {
			return nil
		}
		if seen[page.EndCursor] {
			return fmt.Errorf("hashnode publication %s: %w: cursor %q repeats", host, ErrMalformed, page.EndCursor)
		}
		seen[page.EndCursor] = true
		after = page.EndCursor
	}
	return nil
}

func (r *syncRun) storeHashnode(ctx context.Context, p hnPost) error {
	if strings.TrimSpace(p.URL) == "" {
		r.fail(fmt.Sprintf("hashnode post %q", p.Title), fmt.Errorf("%w: post without a URL", ErrMalformed))
		return nil
	}
	md := ""
	if p.Content != nil {
		md = hashnodeMarkdown(p.Content.Markdown)
	}
	in := documents.Input{Platform: "hashnode", Kind: documents.Article, URL: p.URL, Title: strings.TrimSpace(p.Title),
		PublishedAt: parseTime(p.PublishedAt), Content: md, ContentType: "text/markdown"}
	if p.Author != nil {
		in.Author = strings.TrimSpace(p.Author.Name)
	}
	for _, t := range p.Tags {
		if n := strings.TrimSpace(t.Name); n != "" {
			in.Tags = append(in.Tags, n)
		}
	}
	if c := strings.TrimSpace(p.CanonicalURL); c != "" && c != p.URL {
		if cu, err := url.Parse(c); err == nil && (cu.Scheme == "http" || cu.Scheme == "https") && cu.Host != "" {
			in.URL, in.Aliases = c, []string{p.URL}
		}
	}
	return r.store(ctx, in)
}
