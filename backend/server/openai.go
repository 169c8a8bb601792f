package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/doppelhq/doppel/backend/chat"
	"github.com/doppelhq/doppel/backend/rag"
)

// The OpenAI-compatible API: POST /v1/chat/completions and GET /v1/models,
// so OpenAI SDKs and tools talk to the twin (with RAG on by default and
// the sources in a top-level "citations" array).

// OpenAIContent is a message's content: a string, or an array of parts of
// which the text parts are used.
type OpenAIContent string

// UnmarshalJSON accepts "text" and [{"type":"text","text":"..."}].
func (c *OpenAIContent) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*c = OpenAIContent(s)
		return nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(b, &parts); err != nil {
		if string(b) == "null" {
			*c = ""
			return nil
		}
		return errors.New("message content must be a string or an array of content parts")
	}
	var out []string
	for _, p := range parts {
		if p.Type == "text" {
			out = append(out, p.Text)
		}
	}
	*c = OpenAIContent(strings.Join(out, "\n"))
	return nil
}

// OpenAIMessage is one chat message.
type OpenAIMessage struct {
	Role    string        `json:"role"`
	Content OpenAIContent `json:"content"`
}

// OpenAIStop is "stop": a string or a list of strings.
type OpenAIStop []string

// UnmarshalJSON accepts a string or a list.
func (s *OpenAIStop) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = OpenAIStop{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("stop must be a string or an array of strings")
	}
	*s = many
	return nil
}

// OpenAIChatRequest is the body of POST /v1/chat/completions. Fields not
// listed are accepted and ignored.
type OpenAIChatRequest struct {
	// Model is the twin alias "doppel" or any Ollama chat model.
	Model         string          `json:"model"`
	Messages      []OpenAIMessage `json:"messages"`
	Stream        bool            `json:"stream,omitempty"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options,omitempty"`
	Temperature         *float64   `json:"temperature,omitempty"`
	TopP                *float64   `json:"top_p,omitempty"`
	MaxTokens           *int       `json:"max_tokens,omitempty"`
	MaxCompletionTokens *int       `json:"max_completion_tokens,omitempty"`
	Seed                *int       `json:"seed,omitempty"`
	Stop                OpenAIStop `json:"stop,omitempty"`
	PresencePenalty     *float64   `json:"presence_penalty,omitempty"`
	FrequencyPenalty    *float64   `json:"frequency_penalty,omitempty"`
	N                   *int       `json:"n,omitempty"`
	// RAG (a Doppel extension) turns retrieval off with false.
	RAG *bool `json:"rag,omitempty"`
	// Retrieval (a Doppel extension) sets k, expansion and self-query.
	Retrieval *rag.Options `json:"retrieval,omitempty"`
}

// OpenAIChoice is one choice of a completion (or chunk).
type OpenAIChoice struct {
	Index        int               `json:"index"`
	Message      *OpenAIOutMessage `json:"message,omitempty"`
	Delta        *OpenAIOutMessage `json:"delta,omitempty"`
	FinishReason *string           `json:"finish_reason"`
}

// OpenAIOutMessage is an answer (or a delta of one).
type OpenAIOutMessage struct {
	Role    string `json:"role,omitempty"`
	Content string `json:"content"`
}

// OpenAIUsage counts tokens.
type OpenAIUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// OpenAICompletion is the response (object "chat.completion") or one
// streamed chunk ("chat.completion.chunk"). Citations is set on the
// response and on the last chunk.
type OpenAICompletion struct {
	ID        string          `json:"id"`
	Object    string          `json:"object"`
	Created   int64           `json:"created"`
	Model     string          `json:"model"`
	Choices   []OpenAIChoice  `json:"choices"`
	Usage     *OpenAIUsage    `json:"usage,omitempty"`
	Citations *[]rag.Citation `json:"citations,omitempty"`
	// Doppel carries the trace id, the Ollama model and warnings.
	Doppel *OpenAIDoppel `json:"doppel,omitempty"`
}

// OpenAIDoppel is Doppel's extension of a completion.
type OpenAIDoppel struct {
	TraceID       int64    `json:"trace_id"`
	ResolvedModel string   `json:"resolved_model"`
	Warnings      []string `json:"warnings"`
}

// OpenAIModel is one entry of GET /v1/models.
type OpenAIModel struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// OpenAIModelList is GET /v1/models.
type OpenAIModelList struct {
	Object string        `json:"object"`
	Data   []OpenAIModel `json:"data"`
}

type openAIErrorBody struct {
	Error openAIError `json:"error"`
}

type openAIError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Code    *string `json:"code"`
}

func openAIErr(w http.ResponseWriter, err error) {
	st := chatStatus(err)
	typ, code := "server_error", ""
	switch st {
	case http.StatusBadRequest:
		typ = "invalid_request_error"
	case http.StatusNotFound:
		typ, code = "invalid_request_error", "model_not_found"
	case http.StatusServiceUnavailable:
		typ, code = "server_error", "engine_unavailable"
	}
	body := openAIErrorBody{Error: openAIError{Message: err.Error(), Type: typ}}
	if code != "" {
		body.Error.Code = &code
	}
	WriteJSON(w, st, body)
}

func init() {
	Register(func(s *Server) {
		s.Handle(Route{Method: "POST", Path: "/v1/chat/completions", Summary: "OpenAI-compatible chat completion (SSE when stream=true), with citations", Tag: "openai",
			Request: OpenAIChatRequest{}, Response: OpenAICompletion{}}, s.openAIChat)
		s.Handle(Route{Method: "GET", Path: "/v1/models", Summary: "OpenAI-compatible model list (the twin and the Ollama chat models)", Tag: "openai", Response: OpenAIModelList{}}, s.openAIModels)
	})
}

func (req *OpenAIChatRequest) chatRequest() (chat.Request, error) {
	if strings.TrimSpace(req.Model) == "" {
		return chat.Request{}, fmt.Errorf("%w: model is required (%q for the twin)", chat.ErrBadRequest, chat.TwinAlias)
	}
	if len(req.Messages) == 0 {
		return chat.Request{}, fmt.Errorf("%w: messages is required", chat.ErrBadRequest)
	}
	if req.N != nil && *req.N != 1 {
		return chat.Request{}, fmt.Errorf("%w: only n=1 is supported", chat.ErrBadRequest)
	}
	msgs := make([]rag.Message, 0, len(req.Messages))
	for i, m := range req.Messages {
		switch m.Role {
		case "system", "developer":
			msgs = append(msgs, rag.Message{Role: "system", Content: string(m.Content)})
		case "user", "assistant":
			msgs = append(msgs, rag.Message{Role: m.Role, Content: string(m.Content)})
		case "tool", "function":
			// Tool results are not used by Doppel.
		default:
			return chat.Request{}, fmt.Errorf("%w: messages[%d] has unknown role %q", chat.ErrBadRequest, i, m.Role)
		}
	}
	opts := map[string]any{}
	if req.Temperature != nil {
		opts["temperature"] = *req.Temperature
	}
	if req.TopP != nil {
		opts["top_p"] = *req.TopP
	}
	if req.MaxCompletionTokens != nil {
		opts["num_predict"] = *req.MaxCompletionTokens
	} else if req.MaxTokens != nil {
		opts["num_predict"] = *req.MaxTokens
	}
	if req.Seed != nil {
		opts["seed"] = *req.Seed
	}
	if len(req.Stop) > 0 {
		opts["stop"] = []string(req.Stop)
	}
	if req.PresencePenalty != nil {
		opts["presence_penalty"] = *req.PresencePenalty
	}
	if req.FrequencyPenalty != nil {
		opts["frequency_penalty"] = *req.FrequencyPenalty
	}
	cr := chat.Request{Model: req.Model, Messages: msgs, RAG: req.RAG == nil || *req.RAG, Options: opts, Endpoint: "openai"}
	if req.Retrieval != nil {
		cr.Retrieval = *req.Retrieval
	}
	return cr, nil
}

func finishReason(r string) *string {
	if r == "length" {
		return &r
	}
	stop := "stop"
	return &stop
}

func (s *Server) openAIChat(w http.ResponseWriter, r *http.Request) {
	var req OpenAIChatRequest
	if err := decodeLenient(r, w, &req); err != nil {
		openAIErr(w, err)
		return
	}
	cr, err := req.chatRequest()
	if err != nil {
		openAIErr(w, err)
		return
	}
	created := time.Now().Unix()
	if !req.Stream {
		res, err := s.App().Chat.Chat(r.Context(), cr, chat.Hooks{})
		if err != nil {
			openAIErr(w, err)
			return
		}
		WriteJSON(w, http.StatusOK, OpenAICompletion{
			ID: "chatcmpl-" + strconv.FormatInt(res.TraceID, 10), Object: "chat.completion", Created: created, Model: req.Model,
			Choices:   []OpenAIChoice{{Message: &OpenAIOutMessage{Role: "assistant", Content: res.Answer}, FinishReason: finishReason(res.DoneReason)}},
			Usage:     &OpenAIUsage{PromptTokens: res.PromptTokens, CompletionTokens: res.CompletionTokens, TotalTokens: res.PromptTokens + res.CompletionTokens},
			Citations: &res.Citations,
			Doppel:    &OpenAIDoppel{TraceID: res.TraceID, ResolvedModel: res.ResolvedModel, Warnings: res.Warnings},
		})
		return
	}
	ls := newLineStream(w, "text/event-stream")
	var id string
	chunk := func(delta *OpenAIOutMessage, finish *string) OpenAICompletion {
		return OpenAICompletion{ID: id, Object: "chat.completion.chunk", Created: created, Model: req.Model,
			Choices: []OpenAIChoice{{Delta: delta, FinishReason: finish}}}
	}
	event := func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return ls.raw([]byte("data: " + string(b) + "\n\n"))
	}
	res, err := s.App().Chat.Chat(r.Context(), cr, chat.Hooks{
		OnStart: func(st chat.Start) error {
			id = "chatcmpl-" + strconv.FormatInt(st.TraceID, 10)
			return event(chunk(&OpenAIOutMessage{Role: "assistant", Content: ""}, nil))
		},
		OnDelta: func(d string) error { return event(chunk(&OpenAIOutMessage{Content: d}, nil)) },
	})
	if err != nil {
		if !ls.started {
			openAIErr(w, err)
			return
		}
		if errors.Is(err, chat.ErrDisconnected) {
			return
		}
		_ = event(map[string]any{"error": openAIError{Message: err.Error(), Type: "server_error"}})
		_ = ls.raw([]byte("data: [DONE]\n\n"))
		return
	}
	last := chunk(&OpenAIOutMessage{}, finishReason(res.DoneReason))
	last.Citations = &res.Citations
	last.Doppel = &OpenAIDoppel{TraceID: res.TraceID, ResolvedModel: res.ResolvedModel, Warnings: res.Warnings}
	usage := &OpenAIUsage{PromptTokens: res.PromptTokens, CompletionTokens: res.CompletionTokens, TotalTokens: res.PromptTokens + res.CompletionTokens}
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		if err := event(last); err != nil {
			return
		}
		// OpenAI sends usage in a final chunk without choices; it is the
		// last chunk, so it carries the citations too.
		last = OpenAICompletion{ID: id, Object: "chat.completion.chunk", Created: created, Model: req.Model, Choices: []OpenAIChoice{},
			Usage: usage, Citations: &res.Citations, Doppel: last.Doppel}
	}
	if err := event(last); err != nil {
		return
	}
	_ = ls.raw([]byte("data: [DONE]\n\n"))
}

func (s *Server) openAIModels(w http.ResponseWriter, r *http.Request) {
	ms, err := s.App().Chat.Models(r.Context())
	if err != nil {
		openAIErr(w, err)
		return
	}
	out := OpenAIModelList{Object: "list", Data: []OpenAIModel{}}
	for _, m := range ms {
		owner := "ollama"
		id := m.Name
		if m.Twin {
			owner, id = "doppel", chat.TwinAlias
		}
		out.Data = append(out.Data, OpenAIModel{ID: id, Object: "model", Created: m.ModifiedAt.Unix(), OwnedBy: owner})
	}
	WriteJSON(w, http.StatusOK, out)
}
