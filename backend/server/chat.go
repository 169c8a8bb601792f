package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/doppelhq/doppel/backend/chat"
	"github.com/doppelhq/doppel/backend/rag"
)

// Chat page, traces and /api/v1/rag. The OpenAI- and Ollama-compatible
// APIs are in openai.go and ollama.go; all of them call chat.Service.

// NewConversationBody starts a conversation.
type NewConversationBody struct {
	Title string `json:"title,omitempty"`
	// Model is the twin alias "doppel" (default) or an Ollama model.
	Model string `json:"model,omitempty"`
	// RAG grounds answers on the user's writing (default true).
	RAG *bool `json:"rag,omitempty"`
}

// UpdateConversationBody renames a conversation or changes its model/RAG.
type UpdateConversationBody struct {
	Title *string `json:"title,omitempty"`
	Model *string `json:"model,omitempty"`
	RAG   *bool   `json:"rag,omitempty"`
}

// FeedbackBody rates an answer.
type FeedbackBody struct {
	// Rating is 1 (thumbs up), -1 (thumbs down) or 0 (clear).
	Rating int    `json:"rating"`
	Note   string `json:"note"`
}

// RAGBody is a one-shot question.
type RAGBody struct {
	Query string `json:"query"`
	// Model is the twin alias (default) or an Ollama model.
	Model     string         `json:"model,omitempty"`
	Retrieval rag.Options    `json:"retrieval,omitzero"`
	Options   map[string]any `json:"options,omitempty"`
}

// RAGResponse is the answer to a RAGBody.
type RAGResponse struct {
	Answer    string         `json:"answer"`
	Citations []rag.Citation `json:"citations"`
	TraceID   int64          `json:"trace_id"`
	Model     string         `json:"model"`
	Warnings  []string       `json:"warnings"`
}

// ChatEvent is one line of the Chat page's NDJSON stream: type "start"
// (trace id, citations, warnings), "delta" (content), "done" (the stored
// reply) or "error" (error, status).
type ChatEvent struct {
	Type    string      `json:"type"`
	Start   *chat.Start `json:"start,omitempty"`
	Content string      `json:"content,omitempty"`
	Reply   *chat.Reply `json:"reply,omitempty"`
	Error   string      `json:"error,omitempty"`
	Status  int         `json:"status,omitempty"`
}

func init() {
	Register(func(s *Server) {
		s.Handle(Route{Method: "GET", Path: "/api/v1/chat/models", Summary: "Chat models: the twin alias and the Ollama chat models", Tag: "chat", Response: []chat.Model{}}, s.chatModels)
		s.Handle(Route{Method: "GET", Path: "/api/v1/chat/conversations", Summary: "Conversations, most recent first", Tag: "chat", Response: []chat.Conversation{}}, s.listConversations)
		s.Handle(Route{Method: "POST", Path: "/api/v1/chat/conversations", Summary: "Start a conversation", Tag: "chat", Request: NewConversationBody{}, Response: chat.Conversation{}}, s.createConversation)
		s.Handle(Route{Method: "GET", Path: "/api/v1/chat/conversations/{id}", Summary: "A conversation with its messages", Tag: "chat", Response: chat.Conversation{}}, s.getConversation)
		s.Handle(Route{Method: "PATCH", Path: "/api/v1/chat/conversations/{id}", Summary: "Rename a conversation or change its model / RAG", Tag: "chat", Request: UpdateConversationBody{}, Response: chat.Conversation{}}, s.updateConversation)
		s.Handle(Route{Method: "DELETE", Path: "/api/v1/chat/conversations/{id}", Summary: "Delete a conversation (its traces stay)", Tag: "chat"}, s.deleteConversation)
		s.Handle(Route{Method: "POST", Path: "/api/v1/chat/conversations/{id}/messages", Summary: "Ask in a conversation; the answer streams as NDJSON ChatEvents", Tag: "chat", Request: chat.SendRequest{}, Response: ChatEvent{}, Stream: "application/x-ndjson"}, s.sendMessage)
		s.Handle(Route{Method: "POST", Path: "/api/v1/chat/conversations/{id}/regenerate", Summary: "Answer the last question again (NDJSON ChatEvents)", Tag: "chat", Request: chat.SendRequest{}, Response: ChatEvent{}, Stream: "application/x-ndjson"}, s.regenerate)
		s.Handle(Route{Method: "POST", Path: "/api/v1/rag", Summary: "Answer one question from the user's writing, with citations", Tag: "chat", Request: RAGBody{}, Response: RAGResponse{}}, s.ragQuery)

		s.Handle(Route{Method: "GET", Path: "/api/v1/traces", Summary: "Traces, newest first (?status=&endpoint=&model=&rating=&q=&conversation_id=&before_id=&limit=)", Tag: "traces", Response: []chat.Trace{}}, s.listTraces)
		s.Handle(Route{Method: "GET", Path: "/api/v1/traces/export", Summary: "All matching traces as JSON Lines (same filters)", Tag: "traces", Stream: "application/x-ndjson"}, s.exportTraces)
		s.Handle(Route{Method: "GET", Path: "/api/v1/traces/feedback", Summary: "Rated answers for preference data (?since=RFC3339)", Tag: "traces", Response: []chat.FeedbackRow{}}, s.traceFeedback)
		s.Handle(Route{Method: "GET", Path: "/api/v1/traces/{id}", Summary: "One trace in full", Tag: "traces", Response: chat.Trace{}}, s.getTrace)
		s.Handle(Route{Method: "POST", Path: "/api/v1/traces/{id}/feedback", Summary: "Thumbs up/down with a note", Tag: "traces", Request: FeedbackBody{}, Response: chat.Trace{}}, s.setFeedback)
	})
}

// chatStatus maps chat errors to HTTP status codes.
func chatStatus(err error) int {
	switch {
	case errors.Is(err, chat.ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, chat.ErrUnknownModel), errors.Is(err, chat.ErrNoChatModel), errors.Is(err, chat.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, chat.ErrEngineDown):
		return http.StatusServiceUnavailable
	case errors.Is(err, chat.ErrDisconnected):
		return 499
	default:
		return http.StatusBadGateway
	}
}

func chatError(w http.ResponseWriter, err error) { WriteError(w, chatStatus(err), err) }

// decodeLenient reads a JSON object like DecodeJSON but accepts unknown
// fields: OpenAI and Ollama clients send fields Doppel does not use.
func decodeLenient(r *http.Request, w http.ResponseWriter, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return fmt.Errorf("%w: request body over %d bytes", chat.ErrBadRequest, MaxBody)
		case errors.Is(err, io.EOF):
			return fmt.Errorf("%w: request body is empty; expected JSON", chat.ErrBadRequest)
		}
		return fmt.Errorf("%w: malformed JSON body: %w", chat.ErrBadRequest, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: malformed JSON body: trailing data after the object", chat.ErrBadRequest)
	}
	return nil
}

// lineStream writes NDJSON lines, sending the headers with the first line
// so that an error before any output can still be a plain HTTP error. A
// failed write means the client is gone (in the desktop window it is the
// only sign of it).
type lineStream struct {
	w       http.ResponseWriter
	f       http.Flusher
	ctype   string
	started bool
}

func newLineStream(w http.ResponseWriter, ctype string) *lineStream {
	f, _ := w.(http.Flusher)
	return &lineStream{w: w, f: f, ctype: ctype}
}

func (l *lineStream) begin() {
	if l.started {
		return
	}
	l.started = true
	h := l.w.Header()
	h.Set("Content-Type", l.ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	l.w.WriteHeader(http.StatusOK)
}

// raw writes b as it is (SSE framing is the caller's).
func (l *lineStream) raw(b []byte) error {
	l.begin()
	if _, err := l.w.Write(b); err != nil {
		return err
	}
	if l.f != nil {
		l.f.Flush()
	}
	return nil
}

// send writes v as one JSON line.
func (l *lineStream) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return l.raw(append(b, '\n'))
}

func (s *Server) chatModels(w http.ResponseWriter, r *http.Request) {
	ms, err := s.App().Chat.Models(r.Context())
	if err != nil {
		chatError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, ms)
}

func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) {
	cs, err := s.App().Chat.Conversations(r.Context())
	if err != nil {
		chatError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, cs)
}

func (s *Server) createConversation(w http.ResponseWriter, r *http.Request) {
	var b NewConversationBody
	if !DecodeJSON(w, r, &b) {
		return
	}
	useRAG := b.RAG == nil || *b.RAG
	model := strings.TrimSpace(b.Model)
	if model == "" {
		model = chat.TwinAlias
	}
	c, err := s.App().Chat.CreateConversation(r.Context(), b.Title, model, useRAG)
	if err != nil {
		chatError(w, err)
		return
	}
	WriteJSON(w, http.StatusCreated, c)
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "conversation")
	if !ok {
		return
	}
	c, err := s.App().Chat.Conversation(r.Context(), id, true)
	if err != nil {
		chatError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, c)
}

func (s *Server) updateConversation(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "conversation")
	if !ok {
		return
	}
	var b UpdateConversationBody
	if !DecodeJSON(w, r, &b) {
		return
	}
	c, err := s.App().Chat.UpdateConversation(r.Context(), id, b.Title, b.Model, b.RAG)
	if err != nil {
		chatError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, c)
}

func (s *Server) deleteConversation(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "conversation")
	if !ok {
		return
	}
	if err := s.App().Chat.DeleteConversation(r.Context(), id); err != nil {
		chatError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request) { s.converse(w, r, false) }
func (s *Server) regenerate(w http.ResponseWriter, r *http.Request)  { s.converse(w, r, true) }

func (s *Server) converse(w http.ResponseWriter, r *http.Request, again bool) {
	id, ok := pathID(w, r, "conversation")
	if !ok {
		return
	}
	var b chat.SendRequest
	if !DecodeJSON(w, r, &b) {
		return
	}
	ls := newLineStream(w, "application/x-ndjson")
	hooks := chat.Hooks{
		OnStart: func(st chat.Start) error { return ls.send(ChatEvent{Type: "start", Start: &st}) },
		OnDelta: func(d string) error { return ls.send(ChatEvent{Type: "delta", Content: d}) },
	}
	var rep *chat.Reply
	var err error
	if again {
		rep, err = s.App().Chat.Regenerate(r.Context(), id, b, hooks)
	} else {
		rep, err = s.App().Chat.Send(r.Context(), id, b, hooks)
	}
	if err != nil {
		if !ls.started {
			chatError(w, err)
			return
		}
		_ = ls.send(ChatEvent{Type: "error", Error: err.Error(), Status: chatStatus(err), Reply: rep})
		return
	}
	_ = ls.send(ChatEvent{Type: "done", Reply: rep})
}

func (s *Server) ragQuery(w http.ResponseWriter, r *http.Request) {
	var b RAGBody
	if !DecodeJSON(w, r, &b) {
		return
	}
	if strings.TrimSpace(b.Query) == "" {
		WriteError(w, http.StatusBadRequest, errors.New("query is required"))
		return
	}
	res, err := s.App().Chat.Chat(r.Context(), chat.Request{Model: b.Model, RAG: true, Retrieval: b.Retrieval, Options: b.Options,
		Endpoint: "rag", Messages: []rag.Message{{Role: "user", Content: b.Query}}}, chat.Hooks{})
	if err != nil {
		chatError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, RAGResponse{Answer: res.Answer, Citations: res.Citations, TraceID: res.TraceID, Model: res.ResolvedModel, Warnings: res.Warnings})
}

func traceFilter(r *http.Request) (chat.TraceFilter, error) {
	q := r.URL.Query()
	f := chat.TraceFilter{Status: q.Get("status"), Endpoint: q.Get("endpoint"), Model: q.Get("model"), Q: q.Get("q")}
	ints := map[string]*int64{}
	var conv, before, limit, rating int64
	ints["conversation_id"], ints["before_id"], ints["limit"], ints["rating"] = &conv, &before, &limit, &rating
	for k, p := range ints {
		if v := q.Get(k); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || (k != "rating" && n < 0) || (k == "rating" && (n < -1 || n > 1)) {
				return f, fmt.Errorf("bad %s %q", k, v)
			}
			*p = n
		}
	}
	f.ConversationID, f.BeforeID, f.Limit, f.Rating = conv, before, int(limit), int(rating)
	return f, nil
}

func (s *Server) listTraces(w http.ResponseWriter, r *http.Request) {
	f, err := traceFilter(r)
	if err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	ts, err := s.App().Chat.Traces(r.Context(), f)
	if err != nil {
		chatError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, ts)
}

func (s *Server) exportTraces(w http.ResponseWriter, r *http.Request) {
	f, err := traceFilter(r)
	if err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="doppel-traces-%s.jsonl"`, time.Now().UTC().Format("20060102-150405")))
	if _, err := s.App().Chat.ExportTraces(r.Context(), f, w); err != nil {
		// Headers are out; the truncated file is the client's sign.
		return
	}
}

func (s *Server) traceFeedback(w http.ResponseWriter, r *http.Request) {
	var since time.Time
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			WriteError(w, http.StatusBadRequest, fmt.Errorf("bad since %q: want RFC 3339", v))
			return
		}
		since = t
	}
	rows, err := s.App().Chat.FeedbackSince(r.Context(), since)
	if err != nil {
		chatError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, rows)
}

func (s *Server) getTrace(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "trace")
	if !ok {
		return
	}
	t, err := s.App().Chat.Trace(r.Context(), id)
	if err != nil {
		chatError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, t)
}

func (s *Server) setFeedback(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "trace")
	if !ok {
		return
	}
	var b FeedbackBody
	if !DecodeJSON(w, r, &b) {
		return
	}
	t, err := s.App().Chat.SetFeedback(r.Context(), id, b.Rating, b.Note)
	if err != nil {
		chatError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, t)
}
