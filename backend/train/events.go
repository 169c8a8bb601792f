package train

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Event is one JSON line of the trainer's stdout (models/trainer/CONTRACT.md).
type Event struct {
	Event        string   `json:"event"`
	Time         float64  `json:"time"`
	Phase        string   `json:"phase,omitempty"`
	Step         int64    `json:"step,omitempty"`
	TotalSteps   int64    `json:"total_steps,omitempty"`
	Loss         *float64 `json:"loss,omitempty"`
	EvalLoss     *float64 `json:"eval_loss,omitempty"`
	LearningRate *float64 `json:"learning_rate,omitempty"`
	GradNorm     *float64 `json:"grad_norm,omitempty"`
	TokensPerS   *float64 `json:"tokens_per_s,omitempty"`
	Memory       *int64   `json:"memory,omitempty"`
	EtaS         *float64 `json:"eta_s,omitempty"`
	Path         string   `json:"path,omitempty"`
	Kind         string   `json:"kind,omitempty"`
	Message      string   `json:"message,omitempty"`
	Level        string   `json:"level,omitempty"`
	Backend      string   `json:"backend,omitempty"`
	Device       string   `json:"device,omitempty"`
	Checkpoint   string   `json:"checkpoint,omitempty"`
	MergedDir    string   `json:"merged_dir,omitempty"`
	AdapterDir   string   `json:"adapter_dir,omitempty"`
	// Evaluation events (--evaluate): model_loss / model_error.
	Role       string   `json:"role,omitempty"`
	Perplexity *float64 `json:"perplexity,omitempty"`
	Tokens     int64    `json:"tokens,omitempty"`
	Samples    int64    `json:"samples,omitempty"`

	Settings json.RawMessage `json:"settings,omitempty"`
	Hardware json.RawMessage `json:"hardware,omitempty"`

	raw []byte
}

var errNotEvent = errors.New("not a trainer event")

// parseEvent decodes one stdout line; lines that are not a JSON object with
// an "event" field are rejected (the caller keeps them in the log).
func parseEvent(line []byte) (*Event, error) {
	if len(line) == 0 || line[0] != '{' {
		return nil, errNotEvent
	}
	var ev Event
	if err := json.Unmarshal(line, &ev); err != nil {
		return nil, fmt.Errorf("%w: %v", errNotEvent, err)
	}
	if ev.Event == "" {
		return nil, errNotEvent
	}
	ev.raw = append([]byte(nil), line...)
	return &ev, nil
}

func jsonUnmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode trainer event: %w", err)
	}
	return nil
}
