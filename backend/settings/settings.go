// Package settings stores user settings as key/value rows in the store.
package settings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/doppelhq/doppel/backend/store"
)

// Known keys.
const (
	// OllamaURL is the Ollama server to use; empty means OLLAMA_HOST or a
	// managed server.
	OllamaURL = "ollama_url"
	// EmbedModel is the embedding model for the feature pipeline.
	EmbedModel = "embed_model"
	// ChatModel is the default chat model.
	ChatModel = "chat_model"
	// EvalGate decides what an evaluation does with a candidate that beats
	// the accepted twin: "off" (the default: the user accepts by hand) or
	// "auto" (accept it).
	EvalGate = "eval_gate"
	// EvalJudge is the judge model of evaluations ("" = no judge).
	EvalJudge = "eval_judge"
)

// Settings reads and writes settings.
type Settings struct{ db *sql.DB }

// New returns Settings over the store.
func New(s *store.Store) *Settings { return &Settings{db: s.DB} }

// Get returns the value of key, or "" when unset.
func (s *Settings) Get(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key=?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read setting %s: %w", key, err)
	}
	return v, nil
}

// Set stores value under key; an empty value deletes the key.
func (s *Settings) Set(ctx context.Context, key, value string) error {
	var err error
	if value == "" {
		_, err = s.db.ExecContext(ctx, `DELETE FROM settings WHERE key=?`, key)
	} else {
		_, err = s.db.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES (?, ?)
			ON CONFLICT(key) DO UPDATE SET value=excluded.value, updated_at=strftime('%Y-%m-%dT%H:%M:%fZ','now')`, key, value)
	}
	if err != nil {
		return fmt.Errorf("write setting %s: %w", key, err)
	}
	return nil
}

// All returns every stored setting.
func (s *Settings) All(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM settings ORDER BY key`)
	if err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("read settings: %w", err)
		}
		out[k] = v
	}
	return out, rows.Err()
}
