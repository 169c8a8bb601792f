package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/doppelhq/doppel/backend/rag"
)

// SendRequest is a new user message in a conversation.
type SendRequest struct {
	// Content is the user's message.
	Content string `json:"content"`
	// Model overrides the conversation's model (and is remembered).
	Model *string `json:"model,omitempty"`
	// RAG overrides the conversation's RAG setting (and is remembered).
	RAG *bool `json:"rag,omitempty"`
	// Retrieval chooses query expansion, self-query and k.
	Retrieval rag.Options `json:"retrieval"`
	// Options are Ollama options (temperature, ...).
	Options map[string]any `json:"options,omitempty"`
}

// Reply is the stored result of Send or Regenerate.
type Reply struct {
	Result
	// UserMessage is the stored question (Send only).
	UserMessage *Message `json:"user_message,omitempty"`
	// Message is the stored answer (also when stopped or failed).
	Message *Message `json:"message"`
}

// Send stores the user's message, answers it in the conversation's
// context and stores the answer with its citations and trace. A stopped
// answer is stored with what was streamed and status "cancelled".
func (s *Service) Send(ctx context.Context, convID int64, req SendRequest, hooks Hooks) (*Reply, error) {
	if strings.TrimSpace(req.Content) == "" {
		return nil, fmt.Errorf("%w: content is empty", ErrBadRequest)
	}
	conv, err := s.Conversation(ctx, convID, true)
	if err != nil {
		return nil, err
	}
	if err := s.checkModel(ctx, conv, req); err != nil {
		return nil, err
	}
	if req.Model != nil || req.RAG != nil {
		if conv, err = s.UpdateConversation(ctx, convID, nil, req.Model, req.RAG); err != nil {
			return nil, err
		}
		conv.Messages, _ = s.messages(ctx, convID)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO messages(conversation_id, role, content) VALUES (?, 'user', ?)`, convID, req.Content)
	if err != nil {
		return nil, fmt.Errorf("store message in conversation %d: %w", convID, err)
	}
	uid, _ := res.LastInsertId()
	title := conv.Title
	if title == "New chat" {
		title = titleFrom(req.Content)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE conversations SET title=?, updated_at=? WHERE id=?`, title, now(), convID); err != nil {
		return nil, fmt.Errorf("update conversation %d: %w", convID, err)
	}
	history := append(conv.Messages, Message{ID: uid, Role: "user", Content: req.Content, Status: StatusOK})
	reply, err := s.answer(ctx, conv, history, req.Retrieval, req.Options, hooks)
	if reply != nil {
		reply.UserMessage = &Message{ID: uid, Role: "user", Content: req.Content, Citations: []rag.Citation{}, Status: StatusOK}
	}
	return reply, err
}

// Regenerate answers the conversation's last user message again,
// replacing the answer(s) after it.
func (s *Service) Regenerate(ctx context.Context, convID int64, req SendRequest, hooks Hooks) (*Reply, error) {
	conv, err := s.Conversation(ctx, convID, true)
	if err != nil {
		return nil, err
	}
	if err := s.checkModel(ctx, conv, req); err != nil {
		return nil, err
	}
	if req.Model != nil || req.RAG != nil {
		msgs := conv.Messages
		if conv, err = s.UpdateConversation(ctx, convID, nil, req.Model, req.RAG); err != nil {
			return nil, err
		}
		conv.Messages = msgs
	}
	last := -1
	for i, m := range conv.Messages {
		if m.Role == "user" {
			last = i
		}
	}
	if last < 0 {
		return nil, fmt.Errorf("%w: conversation %d has no question to answer again", ErrBadRequest, convID)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM messages WHERE conversation_id=? AND id>?`, convID, conv.Messages[last].ID); err != nil {
		return nil, fmt.Errorf("regenerate in conversation %d: %w", convID, err)
	}
	return s.answer(ctx, conv, conv.Messages[:last+1], req.Retrieval, req.Options, hooks)
}

func (s *Service) answer(ctx context.Context, conv *Conversation, history []Message, ro rag.Options, opts map[string]any, hooks Hooks) (*Reply, error) {
	msgs := make([]rag.Message, 0, len(history))
	for _, m := range history {
		if m.Status == StatusError && m.Content == "" {
			continue
		}
		msgs = append(msgs, rag.Message{Role: m.Role, Content: m.Content})
	}
	result, err := s.Chat(ctx, Request{Model: conv.Model, Messages: msgs, RAG: conv.RAG, Retrieval: ro, Options: opts,
		Endpoint: "ui", ConversationID: conv.ID}, hooks)
	if result == nil {
		return nil, err
	}
	status := StatusOK
	switch {
	case err == nil:
	case errors.Is(err, ErrDisconnected) || errors.Is(err, context.Canceled):
		status = StatusCancelled
	default:
		status = StatusError
	}
	// Store with a fresh context: a stopped answer is still kept.
	sctx := context.WithoutCancel(ctx)
	var trace any
	if result.TraceID > 0 {
		trace = result.TraceID
	}
	r, serr := s.db.ExecContext(sctx, `INSERT INTO messages(conversation_id, role, content, citations, trace_id, status) VALUES (?, 'assistant', ?, ?, ?, ?)`,
		conv.ID, result.Answer, jsonText(result.Citations), trace, status)
	if serr != nil {
		return nil, errors.Join(err, fmt.Errorf("store answer in conversation %d: %w", conv.ID, serr))
	}
	id, _ := r.LastInsertId()
	_, _ = s.db.ExecContext(sctx, `UPDATE conversations SET updated_at=? WHERE id=?`, now(), conv.ID)
	cites := result.Citations
	if cites == nil {
		cites = []rag.Citation{}
	}
	return &Reply{Result: *result, Message: &Message{ID: id, Role: "assistant", Content: result.Answer, Citations: cites,
		TraceID: result.TraceID, Status: status, CreatedAt: result.CreatedAt}}, err
}

// checkModel resolves the model a conversation will use before anything
// is stored, so an unknown model or a stopped Ollama leaves no trace in the
// conversation.
func (s *Service) checkModel(ctx context.Context, conv *Conversation, req SendRequest) error {
	model := conv.Model
	if req.Model != nil {
		model = *req.Model
	}
	_, err := s.Resolve(ctx, model)
	return err
}

func titleFrom(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	r := []rune(q)
	if len(r) > 60 {
		return string(r[:57]) + "…"
	}
	if q == "" {
		return "New chat"
	}
	return q
}
