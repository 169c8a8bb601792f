package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/doppelhq/doppel/backend/chat"
	"github.com/doppelhq/doppel/backend/rag"
)

// The Ollama-compatible API: POST /api/chat, POST /api/generate,
// GET /api/tags, POST /api/show and GET /api/version, so the ollama CLI
// (OLLAMA_HOST=doppel's address) and Open WebUI talk to the twin with RAG.
// These are exact routes; everything else under /api/ stays a 404.

// OllamaMessage is a chat message.
type OllamaMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// OllamaChatRequest is the body of POST /api/chat (unknown fields ignored).
type OllamaChatRequest struct {
	Model    string          `json:"model"`
	Messages []OllamaMessage `json:"messages"`
	// Stream defaults to true, as in Ollama.
	Stream  *bool          `json:"stream,omitempty"`
	Options map[string]any `json:"options,omitempty"`
	// RAG (a Doppel extension) turns retrieval off with false.
	RAG       *bool        `json:"rag,omitempty"`
	Retrieval *rag.Options `json:"retrieval,omitempty"`
}

// OllamaGenerateRequest is the body of POST /api/generate.
type OllamaGenerateRequest struct {
	Model   string         `json:"model"`
	Prompt  string         `json:"prompt"`
	System  string         `json:"system,omitempty"`
	Stream  *bool          `json:"stream,omitempty"`
	Options map[string]any `json:"options,omitempty"`
	// Raw prompts bypass templates; Doppel always applies its own.
	Raw       bool         `json:"raw,omitempty"`
	RAG       *bool        `json:"rag,omitempty"`
	Retrieval *rag.Options `json:"retrieval,omitempty"`
}

// OllamaResponse is one NDJSON line of /api/chat (Message) or
// /api/generate (Response); the last one (done) carries the counts and the
// citations.
type OllamaResponse struct {
	Model      string         `json:"model"`
	CreatedAt  time.Time      `json:"created_at"`
	Message    *OllamaMessage `json:"message,omitempty"`
	Response   *string        `json:"response,omitempty"`
	Done       bool           `json:"done"`
	DoneReason string         `json:"done_reason,omitempty"`
	// Durations in nanoseconds, as Ollama reports them.
	TotalDuration   int64           `json:"total_duration,omitempty"`
	PromptEvalCount int             `json:"prompt_eval_count,omitempty"`
	EvalCount       int             `json:"eval_count,omitempty"`
	EvalDuration    int64           `json:"eval_duration,omitempty"`
	Citations       *[]rag.Citation `json:"citations,omitempty"`
	TraceID         int64           `json:"trace_id,omitempty"`
	Warnings        []string        `json:"warnings,omitempty"`
}

// OllamaTags is GET /api/tags.
type OllamaTags struct {
	Models []chat.Model `json:"models"`
}

// OllamaShowRequest is the body of POST /api/show.
type OllamaShowRequest struct {
	Model string `json:"model"`
	// Name is the older spelling of Model.
	Name string `json:"name,omitempty"`
}

func init() {
	Register(func(s *Server) {
		s.Handle(Route{Method: "POST", Path: "/api/chat", Summary: "Ollama-compatible chat (NDJSON stream unless stream=false), with RAG and citations", Tag: "ollama",
			Request: OllamaChatRequest{}, Response: OllamaResponse{}, Stream: "application/x-ndjson"}, s.ollamaChat)
		s.Handle(Route{Method: "POST", Path: "/api/generate", Summary: "Ollama-compatible generate (NDJSON stream unless stream=false), with RAG", Tag: "ollama",
			Request: OllamaGenerateRequest{}, Response: OllamaResponse{}, Stream: "application/x-ndjson"}, s.ollamaGenerate)
		s.Handle(Route{Method: "GET", Path: "/api/tags", Summary: "Ollama-compatible model list (the twin first)", Tag: "ollama", Response: OllamaTags{}}, s.ollamaTags)
		s.Handle(Route{Method: "POST", Path: "/api/show", Summary: "Ollama-compatible model details (the twin shows its model)", Tag: "ollama", Request: OllamaShowRequest{}}, s.ollamaShow)
		// The ollama CLI checks that the server is up with HEAD / first.
		s.Handle(Route{Method: "HEAD", Path: "/{$}", Summary: "Ollama-compatible heartbeat", Tag: "ollama"}, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
		s.Handle(Route{Method: "GET", Path: "/api/version", Summary: "Ollama-compatible version", Tag: "ollama"}, s.ollamaVersion)
	})
}

func ollamaErr(w http.ResponseWriter, err error) { WriteError(w, chatStatus(err), err) }

func (s *Server) ollamaChat(w http.ResponseWriter, r *http.Request) {
	var req OllamaChatRequest
	if err := decodeLenient(r, w, &req); err != nil {
		ollamaErr(w, err)
		return
	}
	if strings.TrimSpace(req.Model) == "" {
		ollamaErr(w, fmt.Errorf("%w: model is required", chat.ErrBadRequest))
		return
	}
	if len(req.Messages) == 0 {
		// Ollama loads the model for an empty chat; there is nothing to load here.
		WriteJSON(w, http.StatusOK, OllamaResponse{Model: req.Model, CreatedAt: time.Now().UTC(), Message: &OllamaMessage{Role: "assistant"}, Done: true, DoneReason: "load"})
		return
	}
	msgs := make([]rag.Message, 0, len(req.Messages))
	for i, m := range req.Messages {
		switch m.Role {
		case "system", "user", "assistant":
			msgs = append(msgs, rag.Message{Role: m.Role, Content: m.Content})
		case "tool":
		default:
			ollamaErr(w, fmt.Errorf("%w: messages[%d] has unknown role %q", chat.ErrBadRequest, i, m.Role))
			return
		}
	}
	cr := chat.Request{Model: req.Model, Messages: msgs, RAG: req.RAG == nil || *req.RAG, Options: req.Options, Endpoint: "ollama.chat"}
	if req.Retrieval != nil {
		cr.Retrieval = *req.Retrieval
	}
	s.ollamaRun(w, r, cr, req.Stream == nil || *req.Stream, true)
}

func (s *Server) ollamaGenerate(w http.ResponseWriter, r *http.Request) {
	var req OllamaGenerateRequest
	if err := decodeLenient(r, w, &req); err != nil {
		ollamaErr(w, err)
		return
	}
	if strings.TrimSpace(req.Model) == "" {
		ollamaErr(w, fmt.Errorf("%w: model is required", chat.ErrBadRequest))
		return
	}
	if req.Prompt == "" {
		empty := ""
		WriteJSON(w, http.StatusOK, OllamaResponse{Model: req.Model, CreatedAt: time.Now().UTC(), Response: &empty, Done: true, DoneReason: "load"})
		return
	}
	var msgs []rag.Message
	if req.System != "" {
		msgs = append(msgs, rag.Message{Role: "system", Content: req.System})
	}
	msgs = append(msgs, rag.Message{Role: "user", Content: req.Prompt})
	cr := chat.Request{Model: req.Model, Messages: msgs, RAG: req.RAG == nil || *req.RAG, Options: req.Options, Endpoint: "ollama.generate"}
	if req.Retrieval != nil {
		cr.Retrieval = *req.Retrieval
	}
	s.ollamaRun(w, r, cr, req.Stream == nil || *req.Stream, false)
}

func (s *Server) ollamaRun(w http.ResponseWriter, r *http.Request, cr chat.Request, stream, isChat bool) {
	line := func(text string) OllamaResponse {
		o := OllamaResponse{Model: cr.Model, CreatedAt: time.Now().UTC()}
		if isChat {
			o.Message = &OllamaMessage{Role: "assistant", Content: text}
		} else {
			t := text
			o.Response = &t
		}
		return o
	}
	final := func(res *chat.Result, text string) OllamaResponse {
		o := line(text)
		o.Done, o.DoneReason = true, res.DoneReason
		if o.DoneReason == "" {
			o.DoneReason = "stop"
		}
		o.TotalDuration = int64(res.Timings.TotalMs * 1e6)
		o.EvalDuration = int64(res.Timings.GenerationMs * 1e6)
		o.PromptEvalCount, o.EvalCount = res.PromptTokens, res.CompletionTokens
		o.Citations, o.TraceID, o.Warnings = &res.Citations, res.TraceID, res.Warnings
		return o
	}
	if !stream {
		res, err := s.App().Chat.Chat(r.Context(), cr, chat.Hooks{})
		if err != nil {
			ollamaErr(w, err)
			return
		}
		WriteJSON(w, http.StatusOK, final(res, res.Answer))
		return
	}
	ls := newLineStream(w, "application/x-ndjson")
	res, err := s.App().Chat.Chat(r.Context(), cr, chat.Hooks{
		OnStart: func(st chat.Start) error {
			if len(st.Warnings) > 0 {
				w.Header().Set("X-Doppel-Warning", strings.Join(st.Warnings, "; "))
			}
			return nil
		},
		OnDelta: func(d string) error { return ls.send(line(d)) },
	})
	if err != nil {
		if !ls.started {
			ollamaErr(w, err)
			return
		}
		if !errors.Is(err, chat.ErrDisconnected) {
			_ = ls.send(apiError{Error: err.Error()})
		}
		return
	}
	_ = ls.send(final(res, ""))
}

func (s *Server) ollamaTags(w http.ResponseWriter, r *http.Request) {
	ms, err := s.App().Chat.Models(r.Context())
	if err != nil {
		ollamaErr(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, OllamaTags{Models: ms})
}

func (s *Server) ollamaShow(w http.ResponseWriter, r *http.Request) {
	var req OllamaShowRequest
	if err := decodeLenient(r, w, &req); err != nil {
		ollamaErr(w, err)
		return
	}
	name := req.Model
	if name == "" {
		name = req.Name
	}
	if strings.TrimSpace(name) == "" {
		ollamaErr(w, fmt.Errorf("%w: model is required", chat.ErrBadRequest))
		return
	}
	resp, _, err := s.App().Chat.Show(r.Context(), name)
	if err != nil {
		ollamaErr(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, resp)
}

func (s *Server) ollamaVersion(w http.ResponseWriter, r *http.Request) {
	st := s.App().Engine.Status(r.Context())
	v := st.Version
	if v == "" {
		v = "0.0.0"
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]string{"version": v})
}
