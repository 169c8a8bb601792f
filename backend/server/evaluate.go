package server

import (
	"errors"
	"net/http"

	"github.com/doppelhq/doppel/backend/evaluate"
	"github.com/doppelhq/doppel/backend/jobs"
)

// EvaluationStarted is the answer to starting an evaluation.
type EvaluationStarted struct {
	Evaluation *evaluate.Evaluation `json:"evaluation"`
	Job        *jobs.Job            `json:"job"`
}

func init() {
	Register(func(s *Server) {
		s.Handle(Route{Method: "GET", Path: "/api/v1/evaluations", Summary: "Model evaluations, newest first, with scores (?model=)", Tag: "training", Response: []evaluate.Evaluation{}}, s.listEvaluations)
		s.Handle(Route{Method: "POST", Path: "/api/v1/evaluations", Summary: "Evaluate a trained model against the accepted twin and its base (a job)", Tag: "training", Request: evaluate.Options{}, Response: EvaluationStarted{}}, s.startEvaluation)
		s.Handle(Route{Method: "GET", Path: "/api/v1/evaluations/{id}", Summary: "One evaluation: scores, gate, samples and every model's answers", Tag: "training", Response: evaluate.Evaluation{}}, s.getEvaluation)
	})
}

func evalErr(w http.ResponseWriter, err error) {
	if errors.Is(err, evaluate.ErrNotFound) {
		WriteError(w, http.StatusNotFound, err)
		return
	}
	WriteError(w, http.StatusBadRequest, err)
}

func (s *Server) listEvaluations(w http.ResponseWriter, r *http.Request) {
	evs, err := s.app.Evaluate.List(r.Context(), r.URL.Query().Get("model"), 200)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusOK, evs)
}

func (s *Server) startEvaluation(w http.ResponseWriter, r *http.Request) {
	var b evaluate.Options
	if !DecodeJSON(w, r, &b) {
		return
	}
	if b.Samples < 0 || b.MaxTokens < 0 || b.Samples > 1000 || b.MaxTokens > 4096 {
		WriteError(w, http.StatusBadRequest, errors.New("samples must be 0–1000 and max_tokens 0–4096 (0 = default)"))
		return
	}
	ev, j, err := s.app.Evaluate.Start(r.Context(), b)
	if err != nil {
		evalErr(w, err)
		return
	}
	WriteJSON(w, http.StatusAccepted, EvaluationStarted{Evaluation: ev, Job: j})
}

func (s *Server) getEvaluation(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "evaluation")
	if !ok {
		return
	}
	ev, err := s.app.Evaluate.Get(r.Context(), id)
	if err != nil {
		evalErr(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, ev)
}
