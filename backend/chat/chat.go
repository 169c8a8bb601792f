// Package chat answers questions with the twin or any Ollama model: it
// resolves the model, retrieves the user's own writing (backend/rag),
// streams the answer from Ollama, keeps conversations, and traces every
// request (prompt monitoring) with the user's feedback on it.
//
// Every front door (the Chat page, the OpenAI- and Ollama-compatible APIs,
// /api/v1/rag, the CLI) calls Service.Chat, so each request is traced the
// same way.
package chat

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/doppelhq/doppel/backend/llm"
	"github.com/doppelhq/doppel/backend/rag"
	"github.com/doppelhq/doppel/backend/store"
)

// Errors callers branch on (the HTTP layer maps them to status codes).
var (
	// ErrBadRequest: the request itself is wrong (400).
	ErrBadRequest = errors.New("bad request")
	// ErrUnknownModel: no such model in Ollama (404).
	ErrUnknownModel = errors.New("unknown model")
	// ErrNoChatModel: the twin alias has nothing to run on (404).
	ErrNoChatModel = errors.New("no chat model installed")
	// ErrEngineDown: Ollama cannot be reached (503).
	ErrEngineDown = errors.New("Ollama is not reachable")
	// ErrDisconnected: the client went away while the answer streamed.
	ErrDisconnected = errors.New("client disconnected")
)

// TwinAlias is the model name that means "the user's twin": the accepted
// twin model when there is one (setting TwinModelSetting, written by the
// registry), else the default chat model, else the first chat model.
const TwinAlias = "doppel"

// TwinModelSetting is the settings key holding the accepted twin's Ollama
// model name.
const TwinModelSetting = "twin_model"

// PersonaSetting is the settings key with the author's name, used in the
// system prompt ("" = "the author").
const PersonaSetting = "persona_name"

// NumPredictSetting is the settings key with the default answer length
// in tokens for requests that do not set one (default DefaultNumPredict).
const NumPredictSetting = "chat_num_predict"

// Defaults for a request that does not set them.
const (
	DefaultNumCtx     = 4096
	DefaultNumPredict = 512
	// DefaultTemperature is low, as the reference design does for RAG.
	DefaultTemperature = 0.3
)

// Engine hands out Ollama clients (llm.Engine).
type Engine interface {
	Client(ctx context.Context) (*api.Client, error)
}

// Settings reads settings (settings.Settings).
type Settings interface {
	Get(ctx context.Context, key string) (string, error)
}

// Service is the chat service over one store.
type Service struct {
	db       *sql.DB
	engine   Engine
	settings Settings

	mu        sync.RWMutex
	retriever func() rag.Retriever
	infos     map[string]modelInfo
}

type modelInfo struct {
	digest     string
	contextLen int
	embedding  bool
}

// New returns the chat service. retriever may be nil (or return nil) until
// search is available; RAG then answers without sources and says so.
func New(st *store.Store, e Engine, s Settings, retriever func() rag.Retriever) *Service {
	return &Service{db: st.DB, engine: e, settings: s, retriever: retriever, infos: map[string]modelInfo{}}
}

// SetRetriever replaces the retriever (the composition root connects the
// search service with it).
func (s *Service) SetRetriever(r func() rag.Retriever) {
	s.mu.Lock()
	s.retriever = r
	s.mu.Unlock()
}

func (s *Service) currentRetriever() rag.Retriever {
	s.mu.RLock()
	f := s.retriever
	s.mu.RUnlock()
	if f == nil {
		return nil
	}
	return f()
}

// Request is one question to a model.
type Request struct {
	// Model is TwinAlias (or "") for the twin, or an Ollama model name.
	Model string `json:"model"`
	// Messages is the conversation, oldest first; the last one is the
	// user's question. System messages become extra instructions.
	Messages []rag.Message `json:"messages"`
	// RAG grounds the answer on the user's writing.
	RAG bool `json:"rag"`
	// Retrieval chooses how sources are found.
	Retrieval rag.Options `json:"retrieval"`
	// Options are Ollama options (temperature, top_p, seed, num_predict,
	// num_ctx, stop, ...).
	Options map[string]any `json:"options,omitempty"`
	// Endpoint names the front door, for the trace.
	Endpoint string `json:"endpoint"`
	// ConversationID links the trace to a conversation.
	ConversationID int64 `json:"conversation_id,omitempty"`
}

// Start is what is known before the first token.
type Start struct {
	TraceID       int64          `json:"trace_id"`
	Model         string         `json:"model"`
	ResolvedModel string         `json:"resolved_model"`
	Citations     []rag.Citation `json:"citations"`
	Warnings      []string       `json:"warnings"`
}

// Hooks receive the stream. A hook that returns an error (a failed write
// to a client that went away) stops generation; the trace is then marked
// disconnected.
type Hooks struct {
	OnStart func(Start) error
	OnDelta func(text string) error
}

// Result is a finished answer.
type Result struct {
	Start
	Answer           string    `json:"answer"`
	DoneReason       string    `json:"done_reason"`
	PromptTokens     int       `json:"prompt_tokens"`
	CompletionTokens int       `json:"completion_tokens"`
	Timings          Timings   `json:"timings"`
	CreatedAt        time.Time `json:"created_at"`
}

// engineErr classifies an error from Ollama.
func engineErr(err error, model string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if errors.Is(err, llm.ErrNoOllama) || isConnErr(err) {
		return fmt.Errorf("%w: %w", ErrEngineDown, err)
	}
	var se api.StatusError
	if errors.As(err, &se) && se.StatusCode == 404 {
		return fmt.Errorf("%w %q: %s", ErrUnknownModel, model, se.ErrorMessage)
	}
	return fmt.Errorf("Ollama chat with %s: %w", model, err)
}

func isConnErr(err error) bool {
	var ne *net.OpError
	var ue *url.Error
	return errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &ue) && !errors.Is(err, context.Canceled))
}

func (s *Service) client(ctx context.Context) (*api.Client, error) {
	c, err := s.engine.Client(ctx)
	if err != nil {
		return nil, engineErr(err, "")
	}
	return c, nil
}

// Model is a model as the chat APIs list it.
type Model struct {
	api.ListModelResponse
	// Twin is true for the twin alias entry.
	Twin bool `json:"twin"`
	// Target is the Ollama model the twin alias runs on.
	Target string `json:"target,omitempty"`
}

// Models lists the twin alias (when it resolves) and the installed chat
// models (embedding models are left out).
func (s *Service) Models(ctx context.Context) ([]Model, error) {
	c, err := s.client(ctx)
	if err != nil {
		return nil, err
	}
	list, err := c.List(ctx)
	if err != nil {
		return nil, engineErr(fmt.Errorf("list models: %w", err), "")
	}
	var out []Model
	for _, m := range list.Models {
		if isEmbedding(m) {
			continue
		}
		out = append(out, Model{ListModelResponse: m})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if target, err := s.twinTarget(ctx, list.Models); err == nil {
		for _, m := range out {
			if m.Name == target {
				twin := m
				twin.Name, twin.Model, twin.Twin, twin.Target = TwinAlias+":latest", TwinAlias+":latest", true, target
				out = append([]Model{twin}, out...)
				break
			}
		}
	}
	if out == nil {
		out = []Model{}
	}
	return out, nil
}

func isEmbedding(m api.ListModelResponse) bool {
	switch strings.ToLower(m.Details.Family) {
	case "bert", "nomic-bert", "nomic-bert-moe":
		return true
	}
	return false
}

// IsTwin tells whether name is the twin alias.
func IsTwin(name string) bool {
	n := strings.TrimSpace(name)
	return n == "" || n == TwinAlias || n == TwinAlias+":latest"
}

func (s *Service) twinTarget(ctx context.Context, installed []api.ListModelResponse) (string, error) {
	has := func(n string) string {
		for _, m := range installed {
			if m.Name == n || m.Model == n || m.Name == n+":latest" {
				return m.Name
			}
		}
		return ""
	}
	for _, key := range []string{TwinModelSetting, "chat_model"} {
		v, err := s.settings.Get(ctx, key)
		if err != nil {
			return "", err
		}
		if v != "" {
			if n := has(v); n != "" {
				return n, nil
			}
		}
	}
	for _, m := range installed {
		if !isEmbedding(m) {
			return m.Name, nil
		}
	}
	return "", fmt.Errorf("%w: the twin %q needs one (import or pull a chat model on the Models page)", ErrNoChatModel, TwinAlias)
}

// Resolve maps a requested model name to an installed Ollama chat model.
func (s *Service) Resolve(ctx context.Context, name string) (string, error) {
	c, err := s.client(ctx)
	if err != nil {
		return "", err
	}
	list, err := c.List(ctx)
	if err != nil {
		return "", engineErr(fmt.Errorf("list models: %w", err), name)
	}
	if IsTwin(name) {
		return s.twinTarget(ctx, list.Models)
	}
	for _, m := range list.Models {
		if m.Name == name || m.Model == name || m.Name == name+":latest" {
			if isEmbedding(m) {
				return "", fmt.Errorf("%w: %s is an embedding model, not a chat model", ErrBadRequest, name)
			}
			return m.Name, nil
		}
	}
	return "", fmt.Errorf("%w %q: not installed in Ollama and not the twin alias %q", ErrUnknownModel, name, TwinAlias)
}

// info returns the model's context length (cached per digest).
func (s *Service) info(ctx context.Context, c *api.Client, name string) modelInfo {
	s.mu.RLock()
	mi, ok := s.infos[name]
	s.mu.RUnlock()
	if ok {
		return mi
	}
	show, err := c.Show(ctx, &api.ShowRequest{Model: name})
	if err != nil {
		return modelInfo{contextLen: DefaultNumCtx}
	}
	for k, v := range show.ModelInfo {
		if strings.HasSuffix(k, ".context_length") {
			if f, ok := v.(float64); ok {
				mi.contextLen = int(f)
			}
		}
	}
	for _, cp := range show.Capabilities {
		if string(cp) == "embedding" {
			mi.embedding = true
		}
	}
	if mi.contextLen == 0 {
		mi.contextLen = DefaultNumCtx
	}
	s.mu.Lock()
	s.infos[name] = mi
	s.mu.Unlock()
	return mi
}

func intOption(opts map[string]any, key string) int {
	switch v := opts[key].(type) {
	case float64:
		return int(v)
	case int:
		return v
	case int64:
		return int(v)
	}
	return 0
}

// Show proxies Ollama's model description (for the Ollama-compatible API);
// the twin alias shows the model it runs on.
func (s *Service) Show(ctx context.Context, name string) (*api.ShowResponse, string, error) {
	resolved, err := s.Resolve(ctx, name)
	if err != nil {
		return nil, "", err
	}
	c, err := s.client(ctx)
	if err != nil {
		return nil, "", err
	}
	resp, err := c.Show(ctx, &api.ShowRequest{Model: resolved})
	if err != nil {
		return nil, "", engineErr(err, resolved)
	}
	return resp, resolved, nil
}

// ollamaExpander asks the model for alternative queries.
type ollamaExpander struct {
	c     *api.Client
	model string
}

func (x ollamaExpander) Expand(ctx context.Context, q string, n int) ([]string, error) {
	stream := false
	var out strings.Builder
	err := x.c.Chat(ctx, &api.ChatRequest{Model: x.model, Stream: &stream,
		Messages: []api.Message{{Role: "user", Content: rag.ExpansionPrompt(q, n)}},
		Options:  map[string]any{"temperature": 0.7, "num_predict": 128, "num_ctx": DefaultNumCtx}},
		func(r api.ChatResponse) error { out.WriteString(r.Message.Content); return nil })
	if err != nil {
		return nil, engineErr(err, x.model)
	}
	return rag.ParseExpansion(out.String(), n), nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Chat answers req, streaming through hooks, and traces the request.
func (s *Service) Chat(ctx context.Context, req Request, hooks Hooks) (*Result, error) {
	t0 := time.Now()
	question, history, system := split(req.Messages)
	if req.Options == nil {
		req.Options = map[string]any{}
	}
	model := strings.TrimSpace(req.Model)
	if model == "" {
		model = TwinAlias
	}
	tr := &Trace{Endpoint: req.Endpoint, ConversationID: req.ConversationID, Model: model, RAG: req.RAG, Query: question, Options: req.Options}
	if err := s.startTrace(ctx, tr); err != nil {
		return nil, err
	}
	res := &Result{CreatedAt: t0}
	res.TraceID, res.Model = tr.ID, model
	err := s.run(ctx, req, question, history, system, tr, res, hooks, t0)
	tr.Timings.TotalMs = ms(time.Since(t0))
	tr.Answer, tr.PromptTokens, tr.CompletionTokens = res.Answer, res.PromptTokens, res.CompletionTokens
	switch {
	case err == nil:
		tr.Status = StatusOK
	case errors.Is(err, ErrDisconnected):
		tr.Status, tr.Error = StatusDisconnected, err.Error()
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		tr.Status, tr.Error = StatusDisconnected, "client disconnected or cancelled: "+err.Error()
		if req.Endpoint == "cli" {
			tr.Status = StatusCancelled
		}
	default:
		tr.Status, tr.Error = StatusError, err.Error()
	}
	res.Timings = tr.Timings
	if ferr := s.finishTrace(tr); ferr != nil && err == nil {
		err = ferr
	}
	return res, err
}

func (s *Service) run(ctx context.Context, req Request, question string, history []rag.Message, system string,
	tr *Trace, res *Result, hooks Hooks, t0 time.Time) error {
	if strings.TrimSpace(question) == "" {
		return fmt.Errorf("%w: the last message must be a non-empty user message", ErrBadRequest)
	}
	c, err := s.client(ctx)
	if err != nil {
		return err
	}
	resolved, err := s.Resolve(ctx, tr.Model)
	if err != nil {
		return err
	}
	tr.ResolvedModel, res.ResolvedModel = resolved, resolved
	mi := s.info(ctx, c, resolved)

	opts := map[string]any{}
	for k, v := range req.Options {
		opts[k] = v
	}
	numCtx := intOption(opts, "num_ctx")
	if numCtx <= 0 {
		numCtx = min(DefaultNumCtx, mi.contextLen)
		opts["num_ctx"] = numCtx
	}
	numPredict := intOption(opts, "num_predict")
	if numPredict <= 0 {
		numPredict = DefaultNumPredict
		if v, _ := s.settings.Get(ctx, NumPredictSetting); v != "" {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				numPredict = n
			}
		}
		opts["num_predict"] = numPredict
	}
	if _, ok := opts["temperature"]; !ok && req.RAG {
		opts["temperature"] = DefaultTemperature
	}
	tr.Options = opts

	in := rag.Input{System: system, History: history, Question: question, RAG: req.RAG}
	in.Persona, _ = s.settings.Get(ctx, PersonaSetting)
	if req.RAG {
		tRet := time.Now()
		r := s.currentRetriever()
		if r == nil {
			in.NoSearch = "search is not available: answered without sources"
		} else {
			var x rag.Expander
			if req.Retrieval.Expand > 0 {
				x = ollamaExpander{c: c, model: resolved}
			}
			ret, err := rag.Retrieve(ctx, r, x, question, req.Retrieval)
			if err != nil {
				tr.Timings.RetrievalMs = ms(time.Since(tRet))
				return fmt.Errorf("retrieve sources: %w", err)
			}
			tr.Retrieval = ret
			in.Hits = ret.Hits
			if len(ret.Hits) == 0 {
				in.NoSearch = "nothing in your indexed writing matched (import and `doppel index` it first?): answered without sources"
			}
			tr.Warnings = append(tr.Warnings, ret.Warnings...)
		}
		tr.Timings.RetrievalMs = ms(time.Since(tRet))
	}
	tAsm := time.Now()
	p := rag.Assemble(in, rag.Budget{NumCtx: numCtx, Reserve: numPredict})
	tr.Timings.AssemblyMs = ms(time.Since(tAsm))
	tr.TemplateName, tr.TemplateVersion = p.Template, p.Version
	tr.Prompt, tr.Chunks = p.Messages, p.Citations
	tr.Warnings = append(tr.Warnings, p.Warnings...)
	res.Citations, res.Warnings = p.Citations, tr.Warnings
	if res.Citations == nil {
		res.Citations = []rag.Citation{}
	}
	if res.Warnings == nil {
		res.Warnings = []string{}
	}
	if hooks.OnStart != nil {
		if err := hooks.OnStart(res.Start); err != nil {
			return fmt.Errorf("%w: %w", ErrDisconnected, err)
		}
	}

	msgs := make([]api.Message, len(p.Messages))
	for i, m := range p.Messages {
		msgs[i] = api.Message{Role: m.Role, Content: m.Content}
	}
	var answer strings.Builder
	var first, tGen time.Time
	var hookErr error
	done := false
	stream := true
	tGen = time.Now()
	err = c.Chat(ctx, &api.ChatRequest{Model: resolved, Messages: msgs, Stream: &stream, Options: opts}, func(r api.ChatResponse) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if r.Message.Content != "" {
			if first.IsZero() {
				first = time.Now()
				tr.Timings.TTFTMs = ms(first.Sub(t0))
			}
			answer.WriteString(r.Message.Content)
			res.Answer = answer.String()
			if hooks.OnDelta != nil {
				if err := hooks.OnDelta(r.Message.Content); err != nil {
					hookErr = err
					return err
				}
			}
		}
		if r.Done {
			done = true
			res.DoneReason = r.DoneReason
			res.PromptTokens, res.CompletionTokens = r.PromptEvalCount, r.EvalCount
		}
		return nil
	})
	if !first.IsZero() {
		tr.Timings.GenerationMs = ms(time.Since(first))
	} else {
		tr.Timings.GenerationMs = ms(time.Since(tGen))
	}
	rag.MarkCited(res.Answer, res.Citations)
	tr.Chunks = res.Citations
	if hookErr != nil {
		return fmt.Errorf("%w: %w", ErrDisconnected, hookErr)
	}
	if err != nil {
		return engineErr(err, resolved)
	}
	// The Ollama client ends a stream cut short (a cancelled request, a
	// crashed runner) without an error; tell those apart here.
	if err := ctx.Err(); err != nil {
		return err
	}
	if !done {
		return fmt.Errorf("Ollama chat with %s: the stream ended before the answer was done", resolved)
	}
	return nil
}

// split takes the question (the last user message), the history before it
// and the client's system messages.
func split(ms []rag.Message) (question string, history []rag.Message, system string) {
	var sys []string
	last := -1
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Role == "user" {
			last = i
			break
		}
	}
	for i, m := range ms {
		switch {
		case m.Role == "system":
			sys = append(sys, m.Content)
		case i == last:
			question = m.Content
		case i < last && (m.Role == "user" || m.Role == "assistant"):
			history = append(history, m)
		}
	}
	return question, history, strings.Join(sys, "\n\n")
}
