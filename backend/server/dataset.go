package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/doppelhq/doppel/backend/dataset"
	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/jobs"
)

// DatasetBuildBody starts a dataset build.
type DatasetBuildBody struct {
	// Generator is heuristic (default), llm or preference.
	Generator string `json:"generator,omitempty"`
	// Model is the Ollama model of the llm and preference generators.
	Model string `json:"model,omitempty"`
	// PairsPerChunk: 1 keeps the extract as the answer; N > 1 asks the model for N pairs.
	PairsPerChunk int `json:"pairs_per_chunk,omitempty"`
	// TestRatio is the share of documents in the test split (0 = 0.1, negative = none).
	TestRatio float64 `json:"test_ratio,omitempty"`
	// Seed fixes the split (0 = 42).
	Seed int64 `json:"seed,omitempty"`
	// Language keeps answers in this ISO 639-3 language ("" = majority, "any" = no filter).
	Language string `json:"language,omitempty"`
	// Attempts (llm only) is the most model calls per extract (0 = 3).
	Attempts int `json:"attempts,omitempty"`
	// From (preference only) is an instruct version whose instructions the model answers.
	From string `json:"from,omitempty"`
	// Tokenizer is the Ollama model whose tokenizer counts tokens ("" = default, "none" = estimate).
	Tokenizer string `json:"tokenizer,omitempty"`
}

func init() {
	Register(func(s *Server) {
		s.Handle(Route{Method: "GET", Path: "/api/v1/datasets", Summary: "Dataset versions, newest first", Tag: "datasets", Response: []dataset.Version{}}, s.listDatasets)
		s.Handle(Route{Method: "POST", Path: "/api/v1/datasets/build", Summary: "Build a dataset version (a dataset.build job)", Tag: "datasets", Request: DatasetBuildBody{}, Response: jobs.Job{}}, s.buildDataset)
		s.Handle(Route{Method: "GET", Path: "/api/v1/datasets/{version}", Summary: "One dataset version with its stats", Tag: "datasets", Response: dataset.Version{}}, s.getDataset)
		s.Handle(Route{Method: "GET", Path: "/api/v1/datasets/{version}/samples", Summary: "A window of a version's samples (?search=&source_id=&doc_kind=&status=&split=&min_chars=&max_chars=&offset=&limit=)", Tag: "datasets", Response: dataset.SamplePage{}}, s.datasetSamples)
		s.Handle(Route{Method: "GET", Path: "/api/v1/datasets/{version}/documents", Summary: "The documents a version was built from, with their split", Tag: "datasets", Response: []dataset.VersionDocument{}}, s.datasetDocuments)
		s.Handle(Route{Method: "POST", Path: "/api/v1/datasets/{version}/edits", Summary: "Edit, approve or reject samples: makes a new version", Tag: "datasets", Request: dataset.EditRequest{}, Response: dataset.Version{}}, s.editDataset)
		s.Handle(Route{Method: "POST", Path: "/api/v1/datasets/{version}/export", Summary: "Export a version to a folder (train.jsonl, test.jsonl, README.md)", Tag: "datasets", Request: dataset.ExportRequest{}, Response: dataset.ExportResult{}}, s.exportDataset)
	})
}

func datasetError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, dataset.ErrVersionNotFound):
		WriteError(w, http.StatusNotFound, err)
	case errors.Is(err, dataset.ErrExportExists):
		WriteError(w, http.StatusConflict, err)
	case errors.Is(err, dataset.ErrNoChange):
		WriteError(w, http.StatusUnprocessableEntity, err)
	default:
		WriteError(w, http.StatusInternalServerError, err)
	}
}

func (s *Server) listDatasets(w http.ResponseWriter, r *http.Request) {
	vs, err := s.app.Datasets.Versions(r.Context())
	if err != nil {
		datasetError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, vs)
}

func (s *Server) buildDataset(w http.ResponseWriter, r *http.Request) {
	var b DatasetBuildBody
	if !DecodeJSON(w, r, &b) {
		return
	}
	cfg := dataset.BuildConfig{Generator: b.Generator, Model: strings.TrimSpace(b.Model), PairsPerChunk: b.PairsPerChunk,
		TestRatio: b.TestRatio, Seed: b.Seed, Attempts: b.Attempts, From: strings.TrimSpace(b.From), Tokenizer: strings.TrimSpace(b.Tokenizer)}
	cfg.Filters.Language = b.Language
	if err := cfg.Normalize(); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	if cfg.From != "" {
		// Fail now, not in the job, when the version does not exist.
		v, err := s.app.Datasets.Version(r.Context(), cfg.From)
		if err != nil {
			WriteError(w, http.StatusBadRequest, err)
			return
		}
		cfg.From = v.ID
	}
	title := "Build " + cfg.Generator + " dataset"
	if cfg.Model != "" {
		title += " with " + cfg.Model
	}
	j, err := s.app.Jobs.Submit(r.Context(), doppel.KindDatasetBuild, title, cfg)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusAccepted, j)
}

func (s *Server) getDataset(w http.ResponseWriter, r *http.Request) {
	v, err := s.app.Datasets.Version(r.Context(), r.PathValue("version"))
	if err != nil {
		datasetError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, v)
}

func (s *Server) datasetSamples(w http.ResponseWriter, r *http.Request) {
	qv := r.URL.Query()
	q := dataset.SampleQuery{Search: qv.Get("search"), DocKind: qv.Get("doc_kind"), Status: qv.Get("status"), Split: qv.Get("split")}
	ints := map[string]*int{"min_chars": &q.MinChars, "max_chars": &q.MaxChars, "offset": &q.Offset, "limit": &q.Limit}
	for k, dst := range ints {
		if v := qv.Get(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				WriteError(w, http.StatusBadRequest, fmt.Errorf("%s=%q: want a non-negative integer", k, v))
				return
			}
			*dst = n
		}
	}
	if v := qv.Get("source_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			WriteError(w, http.StatusBadRequest, fmt.Errorf("source_id=%q: want an integer", v))
			return
		}
		q.SourceID = n
	}
	switch q.Status {
	case "", "pending", "approved", "rejected":
	default:
		WriteError(w, http.StatusBadRequest, fmt.Errorf("status=%q: want pending, approved or rejected", q.Status))
		return
	}
	switch q.Split {
	case "", "train", "test":
	default:
		WriteError(w, http.StatusBadRequest, fmt.Errorf("split=%q: want train or test", q.Split))
		return
	}
	page, err := s.app.Datasets.Samples(r.Context(), r.PathValue("version"), q)
	if err != nil {
		datasetError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, page)
}

func (s *Server) datasetDocuments(w http.ResponseWriter, r *http.Request) {
	docs, err := s.app.Datasets.Documents(r.Context(), r.PathValue("version"))
	if err != nil {
		datasetError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, docs)
}

func (s *Server) editDataset(w http.ResponseWriter, r *http.Request) {
	var req dataset.EditRequest
	if !DecodeJSON(w, r, &req) {
		return
	}
	v, err := s.app.Datasets.Edit(r.Context(), r.PathValue("version"), req)
	if err != nil {
		if errors.Is(err, dataset.ErrVersionNotFound) || errors.Is(err, dataset.ErrNoChange) {
			datasetError(w, err)
			return
		}
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	WriteJSON(w, http.StatusCreated, v)
}

func (s *Server) exportDataset(w http.ResponseWriter, r *http.Request) {
	var req dataset.ExportRequest
	if !DecodeJSON(w, r, &req) {
		return
	}
	if req.Dir == "" {
		WriteError(w, http.StatusBadRequest, errors.New("dir is required"))
		return
	}
	res, err := s.app.Datasets.Export(r.Context(), r.PathValue("version"), req)
	if err != nil {
		if strings.Contains(err.Error(), "format") {
			WriteError(w, http.StatusBadRequest, err)
			return
		}
		datasetError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, res)
}
