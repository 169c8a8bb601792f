package platforms

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/doppelhq/doppel/backend/documents"
)

type ghRepo struct {
	Name          string   `json:"name"`
	FullName      string   `json:"full_name"`
	HTMLURL       string   `json:"html_url"`
	Description   string   `json:"description"`
	Fork          bool     `json:"fork"`
	Archived      bool     `json:"archived"`
	DefaultBranch string   `json:"default_branch"`
	Language      string   `json:"language"`
	Topics        []string `json:"topics"`
	CreatedAt     string   `json:"created_at"`
	PushedAt      string   `json:"pushed_at"`
}

type ghContent struct {
	Path     string `json:"path"`
	HTMLURL  string `json:"html_url"`
	Content  string `json:"content"`
	Encoding string `json:"encoding"`
	Size     int64  `json:"size"`
}

// Limits per repository for the GitHub adapter.
const (
	maxDocsPerRepo = 20
	maxCodePerRepo = 15
	maxFileBytes   = 100 << 10
)

var codeExt = map[string]bool{".go": true, ".py": true, ".ts": true, ".tsx": true, ".js": true, ".rs": true, ".rb": true, ".java": true,
	".kt": true, ".swift": true, ".c": true, ".h": true, ".cpp": true, ".cs": true, ".ex": true, ".hs": true, ".ml": true, ".scala": true,
	".php": true, ".lua": true, ".sh": true, ".sql": true, ".clj": true, ".zig": true}

func (r *syncRun) ghHeader() http.Header {
	h := http.Header{"Accept": {"application/vnd.github+json"}, "X-Github-Api-Version": {"2022-11-28"}}
	if r.cfg.GitHubToken != "" {
		h.Set("Authorization", "Bearer "+r.cfg.GitHubToken)
	}
	return h
}

// github stores, for each public repository the user owns (forks left
// out): the README, Markdown documents and a sample of source files (kind
// code), within per-repository caps.
func (r *syncRun) github(ctx context.Context, user string) error {
	api := strings.TrimSuffix(r.cfg.GitHubAPI, "/")
	for page := 1; !r.full(); page++ {
		var repos []ghRepo
		u := fmt.Sprintf("%s/users/%s/repos?type=owner&sort=pushed&per_page=100&page=%d", api, url.PathEscape(user), page)
		if _, err := r.getJSON(ctx, u, r.ghHeader(), &repos); err != nil {
			return fmt.Errorf("github %s: %w", user, err)
		}
		if len(repos) == 0 {
			return nil
		}
		for _, repo := range repos {
			if repo.Fork {
				continue
			}
			if err := r.githubRepo(ctx, api, repo); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *syncRun) githubRepo(ctx context.Context, api string, repo ghRepo) error {
	var tree struct {
		Tree []struct {
			Path string `json:"path"`
			Type string `json:"type"`
			Size int64  `json:"size"`
		} `json:"tree"`
		Truncated bool `json:"truncated"`
	}
	tu := fmt.Sprintf("%s/repos/%s/git/trees/%s?recursive=1", api, repo.FullName, url.PathEscape(repo.DefaultBranch))
	if _, err := r.getJSON(ctx, tu, r.ghHeader(), &tree); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.fail(repo.HTMLURL, err)
		return nil
	}
	docs, code := 0, 0
	for _, f := range tree.Tree {
		if f.Type != "blob" || f.Size > maxFileBytes || f.Size == 0 || strings.Contains(f.Path, "vendor/") || strings.Contains(f.Path, "node_modules/") {
			continue
		}
		ext := strings.ToLower(path.Ext(f.Path))
		kind := ""
		switch {
		case (ext == ".md" || ext == ".markdown" || ext == ".mdx") && docs < maxDocsPerRepo:
			kind = documents.Article
			docs++
		case codeExt[ext] && code < maxCodePerRepo && !strings.HasSuffix(f.Path, "_test.go"):
			kind = documents.Code
			code++
		default:
			continue
		}
		if r.full() {
			return nil
		}
		var c ghContent
		cu := fmt.Sprintf("%s/repos/%s/contents/%s?ref=%s", api, repo.FullName, escapePath(f.Path), url.QueryEscape(repo.DefaultBranch))
		if _, err := r.getJSON(ctx, cu, r.ghHeader(), &c); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.fail(repo.HTMLURL+"/blob/"+repo.DefaultBranch+"/"+f.Path, err)
			continue
		}
		text, err := decodeContent(c)
		if err != nil {
			r.fail(c.HTMLURL, err)
			continue
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		title := repo.Name + ": " + f.Path
		if strings.EqualFold(path.Base(f.Path), "readme.md") && !strings.Contains(f.Path, "/") {
			title = repo.Name
			if repo.Description != "" {
				title += " — " + repo.Description
			}
		}
		content := text
		if kind == documents.Code {
			lang := strings.TrimPrefix(ext, ".")
			content = "```" + lang + "\n" + strings.TrimRight(text, "\n") + "\n```"
		}
		link := c.HTMLURL
		if link == "" {
			link = repo.HTMLURL + "/blob/" + repo.DefaultBranch + "/" + f.Path
		}
		in := documents.Input{Platform: "github", Kind: kind, URL: link, Title: title, PublishedAt: parseTime(repo.PushedAt),
			Tags: repo.Topics, Content: content, ContentType: "text/plain"}
		if err := r.store(ctx, in); err != nil {
			return err
		}
	}
	return nil
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i := range parts {
		parts[i] = url.PathEscape(parts[i])
	}
	return strings.Join(parts, "/")
}

func decodeContent(c ghContent) (string, error) {
	if c.Encoding != "base64" {
		return c.Content, nil
	}
	b, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(c.Content, "\n", ""))
	if err != nil {
		return "", fmt.Errorf("%s: bad base64 content: %w", c.Path, err)
	}
	if strings.IndexByte(string(b[:min(len(b), 8000)]), 0) >= 0 {
		return "", nil // binary
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), nil
}
