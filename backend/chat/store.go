package chat

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/doppelhq/doppel/backend/rag"
)

// ErrNotFound is returned for a conversation or trace that does not exist.
var ErrNotFound = errors.New("not found")

// Conversation is one chat on the Chat page.
type Conversation struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Model     string    `json:"model"`
	RAG       bool      `json:"rag"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Messages is filled by GetConversation only.
	Messages []Message `json:"messages,omitempty"`
}

// Message is one stored message of a conversation.
type Message struct {
	ID        int64          `json:"id"`
	Role      string         `json:"role"`
	Content   string         `json:"content"`
	Citations []rag.Citation `json:"citations"`
	TraceID   int64          `json:"trace_id,omitempty"`
	// Status is ok, error or cancelled (a stopped answer keeps its text).
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
}

// Trace statuses.
const (
	StatusRunning      = "running"
	StatusOK           = "ok"
	StatusError        = "error"
	StatusCancelled    = "cancelled"
	StatusDisconnected = "disconnected"
)

// Timings of one request, in milliseconds.
type Timings struct {
	RetrievalMs float64 `json:"retrieval_ms"`
	AssemblyMs  float64 `json:"assembly_ms"`
	// TTFTMs is from the start of the request to the first answer token.
	TTFTMs       float64 `json:"ttft_ms"`
	GenerationMs float64 `json:"generation_ms"`
	TotalMs      float64 `json:"total_ms"`
}

// Trace is the full record of one model request (prompt monitoring).
type Trace struct {
	ID              int64          `json:"id"`
	CreatedAt       time.Time      `json:"created_at"`
	Endpoint        string         `json:"endpoint"`
	ConversationID  int64          `json:"conversation_id,omitempty"`
	Status          string         `json:"status"`
	TemplateName    string         `json:"template_name"`
	TemplateVersion string         `json:"template_version"`
	Model           string         `json:"model"`
	ResolvedModel   string         `json:"resolved_model"`
	Options         map[string]any `json:"options"`
	RAG             bool           `json:"rag"`
	Query           string         `json:"query"`
	// Retrieval is the search queries and filter used.
	Retrieval *rag.Retrieval `json:"retrieval,omitempty"`
	// Prompt is the final messages sent to the model.
	Prompt []rag.Message `json:"prompt"`
	// Chunks are the sources in the prompt, numbered, with scores.
	Chunks           []rag.Citation `json:"chunks"`
	Answer           string         `json:"answer"`
	Warnings         []string       `json:"warnings"`
	PromptTokens     int            `json:"prompt_tokens"`
	CompletionTokens int            `json:"completion_tokens"`
	Timings          Timings        `json:"timings"`
	Error            string         `json:"error,omitempty"`
	Feedback         Feedback       `json:"feedback"`
}

// Feedback is the user's rating of an answer.
type Feedback struct {
	// Rating is 1 (thumbs up), -1 (thumbs down) or 0 (none).
	Rating int        `json:"rating"`
	Note   string     `json:"note"`
	At     *time.Time `json:"at,omitempty"`
}

// TraceFilter narrows ListTraces and ExportTraces.
type TraceFilter struct {
	Status         string `json:"status,omitempty"`
	Endpoint       string `json:"endpoint,omitempty"`
	Model          string `json:"model,omitempty"`
	ConversationID int64  `json:"conversation_id,omitempty"`
	// Rating: 1 or -1 for rated traces, 0 for any.
	Rating int `json:"rating,omitempty"`
	// Q matches the question or the answer (substring, case-insensitive).
	Q string `json:"q,omitempty"`
	// BeforeID pages backwards (traces with a smaller id).
	BeforeID int64 `json:"before_id,omitempty"`
	Limit    int   `json:"limit,omitempty"`
}

const timeLayout = "2006-01-02T15:04:05.000Z"

func parseTime(s string) time.Time {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t
}

func now() string { return time.Now().UTC().Format(timeLayout) }

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

// ---- conversations ----

// CreateConversation starts a conversation.
func (s *Service) CreateConversation(ctx context.Context, title, model string, useRAG bool) (*Conversation, error) {
	if strings.TrimSpace(title) == "" {
		title = "New chat"
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO conversations(title, model, rag) VALUES (?, ?, ?)`, title, model, useRAG)
	if err != nil {
		return nil, fmt.Errorf("create conversation: %w", err)
	}
	id, _ := res.LastInsertId()
	return s.Conversation(ctx, id, false)
}

// Conversations lists conversations, most recently updated first.
func (s *Service) Conversations(ctx context.Context) ([]Conversation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, title, model, rag, created_at, updated_at FROM conversations ORDER BY updated_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	defer rows.Close()
	out := []Conversation{}
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(...any) error }

func scanConversation(r scanner) (*Conversation, error) {
	var c Conversation
	var created, updated string
	if err := r.Scan(&c.ID, &c.Title, &c.Model, &c.RAG, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("conversation: %w", ErrNotFound)
		}
		return nil, fmt.Errorf("read conversation: %w", err)
	}
	c.CreatedAt, c.UpdatedAt = parseTime(created), parseTime(updated)
	return &c, nil
}

// Conversation returns one conversation, with its messages when asked.
func (s *Service) Conversation(ctx context.Context, id int64, withMessages bool) (*Conversation, error) {
	c, err := scanConversation(s.db.QueryRowContext(ctx, `SELECT id, title, model, rag, created_at, updated_at FROM conversations WHERE id=?`, id))
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("conversation %d: %w", id, ErrNotFound)
		}
		return nil, err
	}
	if withMessages {
		c.Messages, err = s.messages(ctx, id)
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (s *Service) messages(ctx context.Context, convID int64) ([]Message, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, role, content, citations, COALESCE(trace_id, 0), status, created_at
		FROM messages WHERE conversation_id=? ORDER BY id`, convID)
	if err != nil {
		return nil, fmt.Errorf("messages of conversation %d: %w", convID, err)
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		var m Message
		var cites, created string
		if err := rows.Scan(&m.ID, &m.Role, &m.Content, &cites, &m.TraceID, &m.Status, &created); err != nil {
			return nil, fmt.Errorf("messages of conversation %d: %w", convID, err)
		}
		m.Citations = []rag.Citation{}
		_ = json.Unmarshal([]byte(cites), &m.Citations)
		m.CreatedAt = parseTime(created)
		out = append(out, m)
	}
	return out, rows.Err()
}

// UpdateConversation renames a conversation and/or changes its model and
// RAG setting (nil leaves a field as it is).
func (s *Service) UpdateConversation(ctx context.Context, id int64, title, model *string, useRAG *bool) (*Conversation, error) {
	c, err := s.Conversation(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if title != nil {
		t := strings.TrimSpace(*title)
		if t == "" {
			return nil, fmt.Errorf("%w: title is empty", ErrBadRequest)
		}
		c.Title = t
	}
	if model != nil {
		c.Model = strings.TrimSpace(*model)
	}
	if useRAG != nil {
		c.RAG = *useRAG
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE conversations SET title=?, model=?, rag=?, updated_at=? WHERE id=?`, c.Title, c.Model, c.RAG, now(), id); err != nil {
		return nil, fmt.Errorf("update conversation %d: %w", id, err)
	}
	return s.Conversation(ctx, id, false)
}

// DeleteConversation removes a conversation and its messages; its traces
// stay (unlinked) for monitoring.
func (s *Service) DeleteConversation(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM conversations WHERE id=?`, id)
	if err != nil {
		return fmt.Errorf("delete conversation %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("conversation %d: %w", id, ErrNotFound)
	}
	return nil
}

// ---- traces ----

func (s *Service) startTrace(ctx context.Context, t *Trace) error {
	var conv any
	if t.ConversationID > 0 {
		conv = t.ConversationID
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO traces(endpoint, conversation_id, status, model, rag, query, options)
		VALUES (?, ?, 'running', ?, ?, ?, ?)`, t.Endpoint, conv, t.Model, t.RAG, t.Query, jsonText(t.Options))
	if err != nil {
		return fmt.Errorf("start trace: %w", err)
	}
	t.ID, _ = res.LastInsertId()
	return nil
}

// finishTrace writes everything about the request. It uses its own
// context: a request cancelled by a disconnect must still be recorded.
func (s *Service) finishTrace(t *Trace) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if t.Prompt == nil {
		t.Prompt = []rag.Message{}
	}
	if t.Chunks == nil {
		t.Chunks = []rag.Citation{}
	}
	if t.Warnings == nil {
		t.Warnings = []string{}
	}
	retrieval := "{}"
	if t.Retrieval != nil {
		retrieval = jsonText(t.Retrieval)
	}
	_, err := s.db.ExecContext(ctx, `UPDATE traces SET status=?, template_name=?, template_version=?, resolved_model=?, options=?,
		retrieval=?, prompt=?, chunks=?, answer=?, warnings=?, prompt_tokens=?, completion_tokens=?,
		retrieval_ms=?, assembly_ms=?, ttft_ms=?, generation_ms=?, total_ms=?, error=? WHERE id=?`,
		t.Status, t.TemplateName, t.TemplateVersion, t.ResolvedModel, jsonText(t.Options),
		retrieval, jsonText(t.Prompt), jsonText(t.Chunks), t.Answer, jsonText(t.Warnings), t.PromptTokens, t.CompletionTokens,
		t.Timings.RetrievalMs, t.Timings.AssemblyMs, t.Timings.TTFTMs, t.Timings.GenerationMs, t.Timings.TotalMs, t.Error, t.ID)
	if err != nil {
		return fmt.Errorf("finish trace %d: %w", t.ID, err)
	}
	return nil
}

const traceCols = `id, created_at, endpoint, COALESCE(conversation_id, 0), status, template_name, template_version, model, resolved_model,
	options, rag, query, retrieval, prompt, chunks, answer, warnings, prompt_tokens, completion_tokens,
	retrieval_ms, assembly_ms, ttft_ms, generation_ms, total_ms, error, feedback_rating, feedback_note, feedback_at`

func scanTrace(r scanner) (*Trace, error) {
	var t Trace
	var created, options, retrieval, prompt, chunks, warnings string
	var fbAt sql.NullString
	err := r.Scan(&t.ID, &created, &t.Endpoint, &t.ConversationID, &t.Status, &t.TemplateName, &t.TemplateVersion, &t.Model, &t.ResolvedModel,
		&options, &t.RAG, &t.Query, &retrieval, &prompt, &chunks, &t.Answer, &warnings, &t.PromptTokens, &t.CompletionTokens,
		&t.Timings.RetrievalMs, &t.Timings.AssemblyMs, &t.Timings.TTFTMs, &t.Timings.GenerationMs, &t.Timings.TotalMs, &t.Error,
		&t.Feedback.Rating, &t.Feedback.Note, &fbAt)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("read trace: %w", err)
	}
	t.CreatedAt = parseTime(created)
	t.Options = map[string]any{}
	_ = json.Unmarshal([]byte(options), &t.Options)
	if retrieval != "{}" && retrieval != "" {
		t.Retrieval = &rag.Retrieval{}
		_ = json.Unmarshal([]byte(retrieval), t.Retrieval)
	}
	t.Prompt, t.Chunks, t.Warnings = []rag.Message{}, []rag.Citation{}, []string{}
	_ = json.Unmarshal([]byte(prompt), &t.Prompt)
	_ = json.Unmarshal([]byte(chunks), &t.Chunks)
	_ = json.Unmarshal([]byte(warnings), &t.Warnings)
	if fbAt.Valid {
		at := parseTime(fbAt.String)
		t.Feedback.At = &at
	}
	return &t, nil
}

// Trace returns one trace in full.
func (s *Service) Trace(ctx context.Context, id int64) (*Trace, error) {
	t, err := scanTrace(s.db.QueryRowContext(ctx, `SELECT `+traceCols+` FROM traces WHERE id=?`, id))
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("trace %d: %w", id, ErrNotFound)
	}
	return t, err
}

func (f TraceFilter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.Endpoint != "" {
		add("endpoint = ?", f.Endpoint)
	}
	if f.Model != "" {
		add("(model = ? OR resolved_model = ?)", f.Model, f.Model)
	}
	if f.ConversationID > 0 {
		add("conversation_id = ?", f.ConversationID)
	}
	if f.Rating != 0 {
		add("feedback_rating = ?", f.Rating)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(q)) + "%"
		add(`(lower(query) LIKE ? ESCAPE '\' OR lower(answer) LIKE ? ESCAPE '\')`, like, like)
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Traces lists traces newest first. The list carries everything but the
// prompt and the answer is kept whole, so the Traces page can show rows.
func (s *Service) Traces(ctx context.Context, f TraceFilter) ([]Trace, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	where, args := f.where()
	rows, err := s.db.QueryContext(ctx, `SELECT `+traceCols+` FROM traces`+where+` ORDER BY id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list traces: %w", err)
	}
	defer rows.Close()
	out := []Trace{}
	for rows.Next() {
		t, err := scanTrace(rows)
		if err != nil {
			return nil, err
		}
		t.Prompt = nil
		out = append(out, *t)
	}
	return out, rows.Err()
}

// ExportTraces writes every trace matching f (no limit), oldest first, as
// JSON Lines: one full Trace object per line.
func (s *Service) ExportTraces(ctx context.Context, f TraceFilter, w io.Writer) (int, error) {
	where, args := f.where()
	rows, err := s.db.QueryContext(ctx, `SELECT `+traceCols+` FROM traces`+where+` ORDER BY id`, args...)
	if err != nil {
		return 0, fmt.Errorf("export traces: %w", err)
	}
	defer rows.Close()
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	n := 0
	for rows.Next() {
		t, err := scanTrace(rows)
		if err != nil {
			return n, err
		}
		if err := enc.Encode(t); err != nil {
			return n, fmt.Errorf("export traces: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("export traces: %w", err)
	}
	return n, bw.Flush()
}

// SetFeedback records the user's rating (1, -1, or 0 to clear) and note.
func (s *Service) SetFeedback(ctx context.Context, id int64, rating int, note string) (*Trace, error) {
	if rating < -1 || rating > 1 {
		return nil, fmt.Errorf("%w: rating must be 1, -1 or 0, got %d", ErrBadRequest, rating)
	}
	var at any
	if rating != 0 || note != "" {
		at = now()
	}
	res, err := s.db.ExecContext(ctx, `UPDATE traces SET feedback_rating=?, feedback_note=?, feedback_at=? WHERE id=?`, rating, note, at, id)
	if err != nil {
		return nil, fmt.Errorf("feedback on trace %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, fmt.Errorf("trace %d: %w", id, ErrNotFound)
	}
	return s.Trace(ctx, id)
}

// FeedbackRow is one rated answer, as the dataset builder reads it to make
// preference data (see docs/inference.md).
type FeedbackRow struct {
	TraceID int64 `json:"trace_id"`
	// Model is the Ollama model that answered.
	Model string `json:"model"`
	// Query is the user's question.
	Query string `json:"query"`
	// Prompt is the final messages the model saw.
	Prompt []rag.Message `json:"prompt"`
	// Chunks are the author's own texts the answer was grounded on.
	Chunks []rag.Citation `json:"chunks"`
	Answer string         `json:"answer"`
	// Rating is 1 (chosen-worthy) or -1 (rejected).
	Rating int       `json:"rating"`
	Note   string    `json:"note"`
	At     time.Time `json:"at"`
}

// FeedbackSince returns the rated, successful traces whose feedback was
// given after since (zero: all), oldest first. It reads the trace_feedback
// view of migration 0006, which other packages may also query directly:
//
//	SELECT trace_id, model, query, prompt, chunks, answer, rating, note, feedback_at
//	FROM trace_feedback WHERE feedback_at > ? ORDER BY feedback_at
func (s *Service) FeedbackSince(ctx context.Context, since time.Time) ([]FeedbackRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT trace_id, model, query, prompt, chunks, answer, rating, note, feedback_at
		FROM trace_feedback WHERE feedback_at > ? ORDER BY feedback_at, trace_id`, since.UTC().Format(timeLayout))
	if err != nil {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	defer rows.Close()
	out := []FeedbackRow{}
	for rows.Next() {
		var r FeedbackRow
		var prompt, chunks, at string
		if err := rows.Scan(&r.TraceID, &r.Model, &r.Query, &prompt, &chunks, &r.Answer, &r.Rating, &r.Note, &at); err != nil {
			return nil, fmt.Errorf("read feedback: %w", err)
		}
		_ = json.Unmarshal([]byte(prompt), &r.Prompt)
		_ = json.Unmarshal([]byte(chunks), &r.Chunks)
		r.At = parseTime(at)
		out = append(out, r)
	}
	return out, rows.Err()
}
