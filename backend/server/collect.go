package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/doppelhq/doppel/backend/documents"
	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/jobs"
)

// AddSourceBody adds a source and starts its first run.
type AddSourceBody struct {
	// URL is a site URL, a Medium profile or "medium:@handle" (crawled), or
	// an account on dev.to, Hashnode, Mastodon, Bluesky or GitHub (read
	// through its API); a WordPress site is read through its REST API.
	URL string `json:"url,omitempty"`
	// Path is an export archive, export folder or folder of notes (imported).
	Path string `json:"path,omitempty"`
	// DelayMS overrides the politeness delay of a crawl, in milliseconds.
	DelayMS *int64 `json:"delay_ms,omitempty"`
	// MaxPages caps a crawl (0 = 5000).
	MaxPages int `json:"max_pages,omitempty"`
}

// SourceRun is a source with the job that runs it.
type SourceRun struct {
	Source documents.Source `json:"source"`
	Job    jobs.Job         `json:"job"`
}

// RestoreBody names a deleted document by one of its URLs.
type RestoreBody struct {
	URL string `json:"url"`
}

// ExcludeBody excludes or includes a document.
type ExcludeBody struct {
	Excluded bool `json:"excluded"`
}

func init() {
	Register(func(s *Server) {
		s.Handle(Route{Method: "GET", Path: "/api/v1/sources", Summary: "Sources with document counts and their last run", Tag: "collect", Response: []documents.Source{}}, s.listSources)
		s.Handle(Route{Method: "POST", Path: "/api/v1/sources", Summary: "Add a site URL or an export/folder path and start crawling or importing it (a job)", Tag: "collect", Request: AddSourceBody{}, Response: SourceRun{}}, s.addSource)
		s.Handle(Route{Method: "GET", Path: "/api/v1/sources/{id}", Summary: "One source", Tag: "collect", Response: documents.Source{}}, s.getSource)
		s.Handle(Route{Method: "POST", Path: "/api/v1/sources/{id}/run", Summary: "Crawl or import a source again (a job)", Tag: "collect", Response: SourceRun{}}, s.runSource)
		s.Handle(Route{Method: "DELETE", Path: "/api/v1/sources/{id}", Summary: "Remove a source (?documents=1 also deletes its documents)", Tag: "collect"}, s.deleteSource)
		s.Handle(Route{Method: "GET", Path: "/api/v1/documents", Summary: "Documents (?q=&platform=&kind=&source=&after=&before=&excluded=&sort=&desc=&limit=&offset=)", Tag: "collect", Response: documents.Page{}}, s.listDocuments)
		s.Handle(Route{Method: "GET", Path: "/api/v1/documents/{id}", Summary: "One document with its Markdown content", Tag: "collect", Response: documents.Document{}}, s.getDocument)
		s.Handle(Route{Method: "GET", Path: "/api/v1/documents/{id}/versions", Summary: "Previous versions of a document", Tag: "collect", Response: []documents.Version{}}, s.documentVersions)
		s.Handle(Route{Method: "PUT", Path: "/api/v1/documents/{id}/excluded", Summary: "Exclude a document from training and search, or include it again", Tag: "collect", Request: ExcludeBody{}, Response: documents.Document{}}, s.excludeDocument)
		s.Handle(Route{Method: "DELETE", Path: "/api/v1/documents/{id}", Summary: "Delete a document (a tombstone keeps later crawls from storing it again)", Tag: "collect"}, s.deleteDocument)
		s.Handle(Route{Method: "GET", Path: "/api/v1/documents/deleted", Summary: "Documents the user deleted (tombstones), most recent first", Tag: "collect", Response: []documents.Tombstone{}}, s.listDeleted)
		s.Handle(Route{Method: "POST", Path: "/api/v1/documents/restore", Summary: "Restore a deleted document by one of its URLs", Tag: "collect", Request: RestoreBody{}, Response: documents.Result{}}, s.restoreDocument)
	})
}

func docError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, documents.ErrNotFound):
		WriteError(w, http.StatusNotFound, err)
	case errors.Is(err, documents.ErrInvalid):
		WriteError(w, http.StatusBadRequest, err)
	default:
		WriteError(w, http.StatusInternalServerError, err)
	}
}

func (s *Server) listSources(w http.ResponseWriter, r *http.Request) {
	ss, err := s.app.Documents.Sources(r.Context())
	if err != nil {
		docError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, ss)
}

func (s *Server) getSource(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "source")
	if !ok {
		return
	}
	src, err := s.app.Documents.Source(r.Context(), id)
	if err != nil {
		docError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, src)
}

func (s *Server) addSource(w http.ResponseWriter, r *http.Request) {
	var b AddSourceBody
	if !DecodeJSON(w, r, &b) {
		return
	}
	b.URL, b.Path = strings.TrimSpace(b.URL), strings.TrimSpace(b.Path)
	if (b.URL == "") == (b.Path == "") {
		WriteError(w, http.StatusBadRequest, errors.New("give either url (a site to crawl) or path (an export or folder to import)"))
		return
	}
	if b.DelayMS != nil && *b.DelayMS < 0 {
		WriteError(w, http.StatusBadRequest, errors.New("delay_ms must be 0 or more"))
		return
	}
	if b.URL != "" {
		s.startSourceRun(w, r, doppel.KindCrawl, doppel.CrawlRequest{URL: b.URL, DelayMS: b.DelayMS, MaxPages: b.MaxPages})
		return
	}
	s.startSourceRun(w, r, doppel.KindImport, doppel.ImportRequest{Path: b.Path})
}

// startSourceRun plans the source (so a bad URL or path fails now, not in a job),
// then submits its job.
func (s *Server) startSourceRun(w http.ResponseWriter, r *http.Request, kind string, payload any) {
	var src *documents.Source
	var err error
	var title string
	switch p := payload.(type) {
	case doppel.CrawlRequest:
		src, err = s.app.PlanCrawl(r.Context(), p)
		title = "Crawl " + p.URL
	case doppel.ImportRequest:
		src, err = s.app.PlanImport(r.Context(), p)
		title = "Import " + p.Path
	}
	if err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	if src.LastJobID != nil {
		if prev, err := s.app.Jobs.Get(r.Context(), *src.LastJobID); err == nil && !prev.Status.Finished() {
			WriteError(w, http.StatusConflict, fmt.Errorf("source %s is already being collected by job %d", src.Location, prev.ID))
			return
		}
	}
	j, err := s.app.Jobs.Submit(r.Context(), kind, title, payload)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	if err := s.app.Documents.StartRun(r.Context(), src.ID, j.ID); err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	if fresh, err := s.app.Documents.Source(r.Context(), src.ID); err == nil {
		src = fresh
	}
	WriteJSON(w, http.StatusAccepted, SourceRun{Source: *src, Job: *j})
}

func (s *Server) runSource(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "source")
	if !ok {
		return
	}
	src, err := s.app.Documents.Source(r.Context(), id)
	if err != nil {
		docError(w, err)
		return
	}
	switch src.Kind {
	case "site", "medium", "substack", "devto", "mastodon", "bluesky", "github":
		s.startSourceRun(w, r, doppel.KindCrawl, doppel.CrawlRequest{URL: src.Location})
	default:
		s.startSourceRun(w, r, doppel.KindImport, doppel.ImportRequest{Path: src.Location})
	}
}

func (s *Server) deleteSource(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "source")
	if !ok {
		return
	}
	withDocs := r.URL.Query().Get("documents") == "1" || r.URL.Query().Get("documents") == "true"
	if err := s.app.Documents.DeleteSource(r.Context(), id, withDocs); err != nil {
		docError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listDocuments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := documents.Filter{Query: q.Get("q"), Sort: q.Get("sort"), Desc: q.Get("desc") == "1" || q.Get("desc") == "true"}
	split := func(v string) []string {
		var out []string
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	f.Platforms, f.Kinds = split(q.Get("platform")), split(q.Get("kind"))
	for _, p := range []struct {
		key string
		dst *int
	}{{"limit", &f.Limit}, {"offset", &f.Offset}} {
		if v := q.Get(p.key); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				WriteError(w, http.StatusBadRequest, fmt.Errorf("bad %s %q", p.key, v))
				return
			}
			*p.dst = n
		}
	}
	if v := q.Get("source"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			WriteError(w, http.StatusBadRequest, fmt.Errorf("bad source %q", v))
			return
		}
		f.SourceID = n
	}
	for _, p := range []struct {
		key string
		dst *time.Time
	}{{"after", &f.After}, {"before", &f.Before}} {
		if v := q.Get(p.key); v != "" {
			t, err := time.Parse("2006-01-02", v)
			if err != nil {
				WriteError(w, http.StatusBadRequest, fmt.Errorf("bad %s %q: want YYYY-MM-DD", p.key, v))
				return
			}
			*p.dst = t
		}
	}
	switch q.Get("excluded") {
	case "":
	case "1", "true":
		t := true
		f.Excluded = &t
	case "0", "false":
		fl := false
		f.Excluded = &fl
	default:
		WriteError(w, http.StatusBadRequest, fmt.Errorf("bad excluded %q: want true or false", q.Get("excluded")))
		return
	}
	page, err := s.app.Documents.List(r.Context(), f)
	if err != nil {
		docError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, page)
}

func (s *Server) getDocument(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "document")
	if !ok {
		return
	}
	d, err := s.app.Documents.Get(r.Context(), id)
	if err != nil {
		docError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, d)
}

func (s *Server) documentVersions(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "document")
	if !ok {
		return
	}
	if _, err := s.app.Documents.Get(r.Context(), id); err != nil {
		docError(w, err)
		return
	}
	vs, err := s.app.Documents.Versions(r.Context(), id)
	if err != nil {
		docError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, vs)
}

func (s *Server) excludeDocument(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "document")
	if !ok {
		return
	}
	var b ExcludeBody
	if !DecodeJSON(w, r, &b) {
		return
	}
	if err := s.app.Documents.SetExcluded(r.Context(), id, b.Excluded); err != nil {
		docError(w, err)
		return
	}
	s.getDocument(w, r)
}

func (s *Server) deleteDocument(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "document")
	if !ok {
		return
	}
	if _, err := s.app.Documents.Delete(r.Context(), id); err != nil {
		docError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listDeleted(w http.ResponseWriter, r *http.Request) {
	ts, err := s.app.Documents.Tombstones(r.Context())
	if err != nil {
		docError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, ts)
}

func (s *Server) restoreDocument(w http.ResponseWriter, r *http.Request) {
	var b RestoreBody
	if !DecodeJSON(w, r, &b) {
		return
	}
	if strings.TrimSpace(b.URL) == "" {
		WriteError(w, http.StatusBadRequest, fmt.Errorf("restore: url is required"))
		return
	}
	res, err := s.app.Documents.Restore(r.Context(), b.URL)
	if err != nil {
		docError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, res)
}
