package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/jobs"
	"github.com/doppelhq/doppel/backend/llm"
	"github.com/doppelhq/doppel/backend/settings"
	"github.com/doppelhq/doppel/models"
)

// SettingsBody is the editable settings.
type SettingsBody struct {
	// OllamaURL is the Ollama server to use ("" = OLLAMA_HOST or managed).
	OllamaURL *string `json:"ollama_url,omitempty"`
	// EmbedModel is the embedding model for indexing and search.
	EmbedModel *string `json:"embed_model,omitempty"`
	// ChatModel is the default chat model.
	ChatModel *string `json:"chat_model,omitempty"`
	// EvalGate is "off" (accept by hand) or "auto" (an evaluation accepts a
	// candidate that beats the accepted twin).
	EvalGate *string `json:"eval_gate,omitempty"`
	// EvalJudge is the judge model of evaluations ("" = none).
	EvalJudge *string `json:"eval_judge,omitempty"`
}

// SettingsView is what GET /api/v1/settings returns.
type SettingsView struct {
	DataDir    string `json:"data_dir"`
	OllamaURL  string `json:"ollama_url"`
	EmbedModel string `json:"embed_model"`
	ChatModel  string `json:"chat_model"`
	EvalGate   string `json:"eval_gate"`
	EvalJudge  string `json:"eval_judge"`
	// OllamaHostEnv is $OLLAMA_HOST of the running process, for display.
	OllamaHostEnv string `json:"ollama_host_env"`
}

// PullBody asks for a registry model.
type PullBody struct {
	// Name is the registry model name, e.g. "qwen2.5:0.5b".
	Name string `json:"name"`
}

func (s *Server) routesCore() {
	s.handle(Route{Method: "GET", Path: "/api/v1/status", Summary: "Data dir, schema version, Ollama and its models", Tag: "system", Response: doppel.Status{}}, s.status)
	s.handle(Route{Method: "GET", Path: "/api/v1/settings", Summary: "Current settings", Tag: "system", Response: SettingsView{}}, s.getSettings)
	s.handle(Route{Method: "PUT", Path: "/api/v1/settings", Summary: "Change settings", Tag: "system", Request: SettingsBody{}, Response: SettingsView{}}, s.putSettings)

	s.handle(Route{Method: "GET", Path: "/api/v1/models", Summary: "Models installed in Ollama", Tag: "models", Response: []llm.Model{}}, s.listModels)
	s.handle(Route{Method: "GET", Path: "/api/v1/models/catalog", Summary: "Doppel's model catalog", Tag: "models", Response: []models.Entry{}}, s.catalog)
	s.handle(Route{Method: "POST", Path: "/api/v1/models/pull", Summary: "Pull a model from the registry (a job)", Tag: "models", Request: PullBody{}, Response: jobs.Job{}}, s.pullModel)
	s.handle(Route{Method: "POST", Path: "/api/v1/models/import", Summary: "Import a local GGUF file or safetensors folder (a job)", Tag: "models", Request: llm.ImportRequest{}, Response: jobs.Job{}}, s.importModel)
	s.handle(Route{Method: "DELETE", Path: "/api/v1/models/{name...}", Summary: "Delete a model", Tag: "models"}, s.deleteModel)

	s.handle(Route{Method: "GET", Path: "/api/v1/jobs", Summary: "Jobs, newest first (?status=&kind=&limit=)", Tag: "jobs", Response: []jobs.Job{}}, s.listJobs)
	s.handle(Route{Method: "GET", Path: "/api/v1/jobs/events", Summary: "Live job updates (SSE, event: job)", Tag: "jobs", Stream: "text/event-stream"}, s.jobEvents)
	s.handle(Route{Method: "GET", Path: "/api/v1/jobs/{id}", Summary: "One job", Tag: "jobs", Response: jobs.Job{}}, s.getJob)
	s.handle(Route{Method: "POST", Path: "/api/v1/jobs/{id}/cancel", Summary: "Cancel a queued or running job", Tag: "jobs", Response: jobs.Job{}}, s.cancelJob)
	s.handle(Route{Method: "POST", Path: "/api/v1/jobs/{id}/resume", Summary: "Resume an interrupted, failed or cancelled job", Tag: "jobs", Response: jobs.Job{}}, s.resumeJob)
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	st, err := s.app.Status(r.Context(), true)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusOK, st)
}

func (s *Server) settingsView(ctx context.Context) (SettingsView, error) {
	all, err := s.app.Settings.All(ctx)
	if err != nil {
		return SettingsView{}, err
	}
	return SettingsView{DataDir: s.app.DataDir, OllamaURL: all[settings.OllamaURL], EmbedModel: all[settings.EmbedModel],
		ChatModel: all[settings.ChatModel], EvalGate: orDefault(all[settings.EvalGate], "off"), EvalJudge: all[settings.EvalJudge], OllamaHostEnv: os.Getenv("OLLAMA_HOST")}, nil
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) {
	v, err := s.settingsView(r.Context())
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusOK, v)
}

func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) {
	var b SettingsBody
	if !DecodeJSON(w, r, &b) {
		return
	}
	if b.OllamaURL != nil && *b.OllamaURL != "" {
		if _, err := llm.ParseHost(*b.OllamaURL); err != nil {
			WriteError(w, http.StatusBadRequest, err)
			return
		}
	}
	if b.EvalGate != nil && *b.EvalGate != "off" && *b.EvalGate != "auto" {
		WriteError(w, http.StatusBadRequest, fmt.Errorf("eval_gate %q: want off or auto", *b.EvalGate))
		return
	}
	for key, val := range map[string]*string{settings.OllamaURL: b.OllamaURL, settings.EmbedModel: b.EmbedModel, settings.ChatModel: b.ChatModel,
		settings.EvalGate: b.EvalGate, settings.EvalJudge: b.EvalJudge} {
		if val == nil {
			continue
		}
		if err := s.app.Settings.Set(r.Context(), key, strings.TrimSpace(*val)); err != nil {
			WriteError(w, http.StatusInternalServerError, err)
			return
		}
	}
	s.getSettings(w, r)
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// EngineError maps engine failures to 503 and others to 502/500.
func EngineError(w http.ResponseWriter, err error) {
	if errors.Is(err, llm.ErrNoOllama) {
		WriteError(w, http.StatusServiceUnavailable, err)
		return
	}
	WriteError(w, http.StatusBadGateway, err)
}

func (s *Server) listModels(w http.ResponseWriter, r *http.Request) {
	ms, err := s.app.Models.List(r.Context())
	if err != nil {
		EngineError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, ms)
}

func (s *Server) catalog(w http.ResponseWriter, r *http.Request) {
	c, err := models.Catalog()
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusOK, c)
}

func (s *Server) pullModel(w http.ResponseWriter, r *http.Request) {
	var b PullBody
	if !DecodeJSON(w, r, &b) {
		return
	}
	if strings.TrimSpace(b.Name) == "" {
		WriteError(w, http.StatusBadRequest, errors.New("name is required"))
		return
	}
	j, err := s.app.Jobs.Submit(r.Context(), doppel.KindModelPull, "Pull "+b.Name, doppel.PullRequest{Name: strings.TrimSpace(b.Name)})
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusAccepted, j)
}

func (s *Server) importModel(w http.ResponseWriter, r *http.Request) {
	var b llm.ImportRequest
	if !DecodeJSON(w, r, &b) {
		return
	}
	if strings.TrimSpace(b.Name) == "" || strings.TrimSpace(b.Path) == "" {
		WriteError(w, http.StatusBadRequest, errors.New("name and path are required"))
		return
	}
	// Check the path now so the user sees a bad file at once, not in a job.
	if _, err := llm.ImportFiles(b.Path); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	j, err := s.app.Jobs.Submit(r.Context(), doppel.KindModelImport, "Import "+b.Name, b)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusAccepted, j)
}

func (s *Server) deleteModel(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := s.app.Models.Delete(r.Context(), name); err != nil {
		if strings.Contains(err.Error(), "not found") {
			WriteError(w, http.StatusNotFound, err)
			return
		}
		EngineError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func jobErr(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, jobs.ErrNotFound):
		WriteError(w, http.StatusNotFound, err)
	case errors.Is(err, jobs.ErrFinished):
		WriteError(w, http.StatusConflict, err)
	default:
		WriteError(w, http.StatusInternalServerError, err)
	}
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := jobs.Filter{Status: jobs.Status(q.Get("status")), Kind: q.Get("kind"), Limit: 200}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n <= 0 {
			WriteError(w, http.StatusBadRequest, fmt.Errorf("bad limit %q", l))
			return
		}
		f.Limit = n
	}
	js, err := s.app.Jobs.List(r.Context(), f)
	if err != nil {
		jobErr(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, js)
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "job")
	if !ok {
		return
	}
	j, err := s.app.Jobs.Get(r.Context(), id)
	if err != nil {
		jobErr(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, j)
}

func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "job")
	if !ok {
		return
	}
	if err := s.app.Jobs.Cancel(r.Context(), id); err != nil {
		jobErr(w, err)
		return
	}
	s.getJob(w, r)
}

func (s *Server) resumeJob(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "job")
	if !ok {
		return
	}
	j, err := s.app.Jobs.ResumeAndSubmit(r.Context(), id)
	if err != nil {
		if errors.Is(err, jobs.ErrNotFound) {
			jobErr(w, err)
			return
		}
		WriteError(w, http.StatusConflict, err)
		return
	}
	WriteJSON(w, http.StatusAccepted, j)
}

// jobEvents streams every job change (from any process on the data dir) as
// "job" events, polling the store; a heartbeat comment keeps quiet streams
// alive and detects a gone client in the desktop window.
func (s *Server) jobEvents(w http.ResponseWriter, r *http.Request) {
	ev := NewSSE(w)
	since := time.Now().Add(-2 * time.Second)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	lastBeat := time.Now()
	for {
		js, err := s.app.Jobs.List(r.Context(), jobs.Filter{Since: since})
		if err == nil {
			for i := len(js) - 1; i >= 0; i-- {
				if js[i].UpdatedAt.After(since) {
					since = js[i].UpdatedAt
				}
				if err := ev.Send("job", js[i]); err != nil {
					return
				}
			}
		}
		if time.Since(lastBeat) > 10*time.Second {
			if err := ev.Comment("ping"); err != nil {
				return
			}
			lastBeat = time.Now()
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
	}
}

// ClientError is an uncaught error reported by the UI.
type ClientError struct {
	// Message is the error text.
	Message string `json:"message"`
	// Where is the script location or context.
	Where string `json:"where"`
}

func init() {
	Register(func(s *Server) {
		s.Handle(Route{Method: "POST", Path: "/api/v1/client-errors", Summary: "Log an uncaught UI error (the desktop window has no console)", Tag: "system", Request: ClientError{}}, func(w http.ResponseWriter, r *http.Request) {
			var e ClientError
			if !DecodeJSON(w, r, &e) {
				return
			}
			slog.Warn("ui error", "message", truncate(e.Message, 2000), "where", truncate(e.Where, 500))
			w.WriteHeader(http.StatusNoContent)
		})
	})
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
