package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/doppelhq/doppel/backend/jobs"
	"github.com/doppelhq/doppel/backend/train"
)

// TrainStarted is the answer to starting, resuming or re-running a run.
type TrainStarted struct {
	Run *train.Run `json:"run"`
	Job *jobs.Job  `json:"job"`
}

// TrainProposal is the detected hardware and the settings proposed for a base.
type TrainProposal struct {
	Base     string           `json:"base"`
	BasePath string           `json:"base_path"`
	Device   string           `json:"device"`
	Detected *train.Detection `json:"detected,omitempty"`
	// EnvReady is false until the trainer environment exists (created on the first run).
	EnvReady bool   `json:"env_ready"`
	Note     string `json:"note,omitempty"`
}

func init() {
	Register(func(s *Server) {
		s.Handle(Route{Method: "GET", Path: "/api/v1/train/runs", Summary: "Training runs, newest first, with their metrics", Tag: "training", Response: []train.Run{}}, s.listRuns)
		s.Handle(Route{Method: "POST", Path: "/api/v1/train/runs", Summary: "Start a training run (a job)", Tag: "training", Request: train.Request{}, Response: TrainStarted{}}, s.startTrainingRun)
		s.Handle(Route{Method: "GET", Path: "/api/v1/train/runs/{id}", Summary: "One run with config, settings, metrics and log tail", Tag: "training", Response: train.Run{}}, s.getRun)
		s.Handle(Route{Method: "POST", Path: "/api/v1/train/runs/{id}/cancel", Summary: "Stop a run (it checkpoints first)", Tag: "training", Response: train.Run{}}, s.cancelRun)
		s.Handle(Route{Method: "POST", Path: "/api/v1/train/runs/{id}/resume", Summary: "Resume a failed or cancelled run from its last checkpoint", Tag: "training", Response: TrainStarted{}}, s.resumeRun)
		s.Handle(Route{Method: "POST", Path: "/api/v1/train/runs/{id}/rerun", Summary: "Start a new run with exactly this run's config", Tag: "training", Response: TrainStarted{}}, s.rerun)
		s.Handle(Route{Method: "GET", Path: "/api/v1/train/proposal", Summary: "Detected hardware and proposed settings (?base=&backend=)", Tag: "training", Response: TrainProposal{}}, s.proposal)
		s.Handle(Route{Method: "GET", Path: "/api/v1/train/versions", Summary: "Model versions made by training, with lineage and status", Tag: "training", Response: []train.ModelVersion{}}, s.versions)
		s.Handle(Route{Method: "POST", Path: "/api/v1/train/versions/{name}/accept", Summary: "Make a model version the accepted twin", Tag: "training", Response: train.ModelVersion{}}, s.acceptVersion)
		s.Handle(Route{Method: "POST", Path: "/api/v1/train/versions/{name}/reject", Summary: "Archive a candidate", Tag: "training", Response: train.ModelVersion{}}, s.rejectVersion)
	})
}

func trainErr(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, train.ErrNotFound):
		WriteError(w, http.StatusNotFound, err)
	case errors.Is(err, train.ErrNotCancellable), errors.Is(err, train.ErrNotResumable):
		WriteError(w, http.StatusConflict, err)
	default:
		WriteError(w, http.StatusBadRequest, err)
	}
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	rs, err := s.app.Train.List(r.Context(), 200, r.URL.Query().Get("metrics") != "0")
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusOK, rs)
}

func (s *Server) startTrainingRun(w http.ResponseWriter, r *http.Request) {
	var b train.Request
	if !DecodeJSON(w, r, &b) {
		return
	}
	run, j, err := s.app.Train.Start(r.Context(), b)
	if err != nil {
		trainErr(w, err)
		return
	}
	WriteJSON(w, http.StatusAccepted, TrainStarted{Run: run, Job: j})
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "run")
	if !ok {
		return
	}
	run, err := s.app.Train.Get(r.Context(), id)
	if err != nil {
		trainErr(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, run)
}

func (s *Server) cancelRun(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "run")
	if !ok {
		return
	}
	run, err := s.app.Train.Cancel(r.Context(), id)
	if err != nil {
		trainErr(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, run)
}

func (s *Server) resumeRun(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "run")
	if !ok {
		return
	}
	run, j, err := s.app.Train.Resume(r.Context(), id)
	if err != nil {
		trainErr(w, err)
		return
	}
	WriteJSON(w, http.StatusAccepted, TrainStarted{Run: run, Job: j})
}

func (s *Server) rerun(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "run")
	if !ok {
		return
	}
	run, j, err := s.app.Train.RerunAndSubmit(r.Context(), id)
	if err != nil {
		trainErr(w, err)
		return
	}
	WriteJSON(w, http.StatusAccepted, TrainStarted{Run: run, Job: j})
}

func (s *Server) proposal(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name, path, _, err := train.ResolveBase(r.Context(), q.Get("base"))
	if err != nil {
		trainErr(w, err)
		return
	}
	p := TrainProposal{Base: name, BasePath: path, Device: train.GuessDevice()}
	py, err := s.app.Train.Env.FindPython()
	if err != nil {
		p.Note = "the trainer environment is created on the first run; settings are proposed then"
		WriteJSON(w, http.StatusOK, p)
		return
	}
	p.EnvReady = true
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Minute)
	defer cancel()
	d, err := s.app.Train.Env.Detect(ctx, py, path, q.Get("backend"))
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	p.Detected, p.Device = d, d.Device()
	WriteJSON(w, http.StatusOK, p)
}

func (s *Server) versions(w http.ResponseWriter, r *http.Request) {
	vs, err := s.app.Train.Versions(r.Context())
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusOK, vs)
}

func (s *Server) acceptVersion(w http.ResponseWriter, r *http.Request) {
	v, err := s.app.Train.Accept(r.Context(), r.PathValue("name"))
	if err != nil {
		trainErr(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, v)
}

func (s *Server) rejectVersion(w http.ResponseWriter, r *http.Request) {
	v, err := s.app.Train.Reject(r.Context(), r.PathValue("name"))
	if err != nil {
		trainErr(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, v)
}
