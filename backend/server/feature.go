package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/feature"
	"github.com/doppelhq/doppel/backend/jobs"
	"github.com/doppelhq/doppel/backend/search"
)

func init() {
	Register(func(s *Server) {
		s.Handle(Route{Method: "POST", Path: "/api/v1/index", Summary: "Start an index run: chunk and embed new or changed documents (a job)", Tag: "feature",
			Request: doppel.IndexRequest{}, Response: jobs.Job{}}, s.startIndex)
		s.Handle(Route{Method: "GET", Path: "/api/v1/index", Summary: "Index status: documents, chunks, vectors, model, last run", Tag: "feature",
			Response: feature.Status{}}, s.indexStatus)
		s.Handle(Route{Method: "GET", Path: "/api/v1/index/rules", Summary: "The cleaning rules applied before chunking", Tag: "feature",
			Response: []feature.Rule{}}, s.cleaningRules)
		s.Handle(Route{Method: "POST", Path: "/api/v1/search", Summary: "Search the chunks (bm25, vector or hybrid)", Tag: "feature",
			Request: search.Query{}, Response: []search.Hit{}}, s.search)
	})
}

func (s *Server) startIndex(w http.ResponseWriter, r *http.Request) {
	var req doppel.IndexRequest
	if r.ContentLength != 0 {
		if !DecodeJSON(w, r, &req) {
			return
		}
	}
	req.EmbedModel = strings.TrimSpace(req.EmbedModel)
	if req.EmbedModel != "" {
		// Refuse a chat model or a missing one now, not in a failed job.
		if err := s.App().Embedder.Check(r.Context(), req.EmbedModel); err != nil {
			if errors.Is(err, feature.ErrNotEmbeddingModel) || errors.Is(err, feature.ErrModelNotFound) {
				WriteError(w, http.StatusBadRequest, err)
			} else {
				EngineError(w, err)
			}
			return
		}
	}
	j, err := s.App().Jobs.Submit(r.Context(), doppel.KindIndex, "Index documents", req)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusAccepted, j)
}

func (s *Server) indexStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.App().IndexStatus(r.Context())
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusOK, st)
}

func (s *Server) cleaningRules(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, feature.Rules)
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	var q search.Query
	if !DecodeJSON(w, r, &q) {
		return
	}
	hits, err := s.App().Search.Search(r.Context(), q)
	switch {
	case err == nil:
		WriteJSON(w, http.StatusOK, hits)
	case errors.Is(err, search.ErrEmptyQuery), errors.Is(err, search.ErrBadQuery):
		WriteError(w, http.StatusBadRequest, err)
	case errors.Is(err, search.ErrNoEmbeddingModel), errors.Is(err, search.ErrNotIndexed):
		WriteError(w, http.StatusConflict, err)
	case errors.Is(err, feature.ErrModelNotFound):
		WriteError(w, http.StatusServiceUnavailable, err)
	default:
		EngineError(w, err)
	}
}
