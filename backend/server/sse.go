package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// SSE writes server-sent events. The Wails AssetServer's writer has no
// http.Flusher, so flushing is best effort; a failed write means the client
// went away (its request context may never be cancelled there).
type SSE struct {
	w http.ResponseWriter
	f http.Flusher
}

// NewSSE starts an event stream.
func NewSSE(w http.ResponseWriter) *SSE {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	s := &SSE{w: w, f: f}
	s.flush()
	return s
}

func (s *SSE) flush() {
	if s.f != nil {
		s.f.Flush()
	}
}

// Send writes one event with a JSON payload.
func (s *SSE) Send(event string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", event, err)
	}
	if event != "" {
		if _, err := fmt.Fprintf(s.w, "event: %s\n", event); err != nil {
			return err
		}
	}
	if _, err := fmt.Fprintf(s.w, "data: %s\n\n", b); err != nil {
		return err
	}
	s.flush()
	return nil
}

// Comment writes a heartbeat comment.
func (s *SSE) Comment(text string) error {
	if _, err := fmt.Fprintf(s.w, ": %s %s\n\n", text, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return err
	}
	s.flush()
	return nil
}
