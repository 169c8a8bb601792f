package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/doppelhq/doppel/models"
)

func TestParseEvent(t *testing.T) {
	for _, tc := range []struct {
		line  string
		event string
		ok    bool
	}{
		{`{"event": "step", "step": 3, "total_steps": 10, "loss": 2.5, "tokens_per_s": 120.5}`, "step", true},
		{`{"event": "error", "kind": "oom", "message": "CUDA out of memory"}`, "error", true},
		{`{"step": 3}`, "", false},
		{`Loading weights: 100%`, "", false},
		{`{"event": "step", "loss": "NaN-ish"}`, "", false},
		{``, "", false},
	} {
		ev, err := parseEvent([]byte(tc.line))
		if (err == nil) != tc.ok {
			t.Fatalf("%q: err %v", tc.line, err)
		}
		if tc.ok && ev.Event != tc.event {
			t.Fatalf("%q: event %q", tc.line, ev.Event)
		}
	}
	ev, _ := parseEvent([]byte(`{"event": "step", "step": 3, "total_steps": 10, "loss": 2.5, "memory": 123}`))
	if ev.Step != 3 || ev.TotalSteps != 10 || *ev.Loss != 2.5 || *ev.Memory != 123 || ev.EvalLoss != nil {
		t.Fatalf("%+v", ev)
	}
}

func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(`{"event": "done", "merged_dir": "/x", "steps": 4}`))
	f.Add([]byte(`{"event": "step", "loss": 1e309}`))
	f.Add([]byte(`{"event": 3}`))
	f.Add([]byte("{\"event\": \"log\", \"message\": \"\xff\"}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := parseEvent(b)
		if err == nil && ev.Event == "" {
			t.Fatalf("accepted an event without a name: %q", b)
		}
	})
}

func TestOutcomeReason(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Outcome
		kind string
		msg  string
	}{
		{"error event", Outcome{Err: &Event{Kind: "oom", Message: "CUDA out of memory"}, ExitCode: 1}, "oom", "CUDA out of memory"},
		{"killed from outside", Outcome{Signal: syscall.SIGKILL, ExitCode: -1}, "oom", "out-of-memory killer"},
		{"killed by us", Outcome{Signal: syscall.SIGKILL, Killed: true, ExitCode: -1}, "crash", "signal killed"},
		{"segfault", Outcome{Signal: syscall.SIGSEGV, ExitCode: -1}, "crash", "segmentation fault"},
		{"exit 7", Outcome{ExitCode: 7}, "crash", "status 7"},
		{"silent exit 0", Outcome{}, "crash", "without finishing"},
		{"done", Outcome{Done: &Event{Event: "done"}}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, m := tc.o.Reason()
			if k != tc.kind || !strings.Contains(m, tc.msg) {
				t.Fatalf("got %q %q", k, m)
			}
		})
	}
}

func TestScanLinesOrCR(t *testing.T) {
	data := []byte("a\rb\nc")
	var got []string
	for len(data) > 0 {
		n, tok, _ := scanLinesOrCR(data, true)
		got = append(got, string(tok))
		data = data[n:]
	}
	if strings.Join(got, "|") != "a|b|c" {
		t.Fatal(got)
	}
	r := &ring{n: 2}
	for _, s := range []string{"1", "2", "3"} {
		r.add(s)
	}
	if r.String() != "2\n3" {
		t.Fatal(r.String())
	}
}

func TestDefaultBaseAndResolve(t *testing.T) {
	e, err := DefaultBase("cpu")
	if err != nil || e.Name != "smollm2:135m" {
		t.Fatalf("cpu default %v %v", e.Name, err)
	}
	if e, _ := DefaultBase("cuda"); e.Name != "llama3.2:1b" {
		t.Fatalf("cuda default %s", e.Name)
	}
	ctx := context.Background()
	if _, _, _, err := ResolveBase(ctx, "all-minilm:l6-v2"); err == nil || !strings.Contains(err.Error(), "not a chat model") {
		t.Fatalf("embedding base: %v", err)
	}
	if _, _, _, err := ResolveBase(ctx, "no-such-model:1b"); err == nil {
		t.Fatal("unknown base accepted")
	}
	dir := t.TempDir()
	if _, _, _, err := ResolveBase(ctx, dir); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Fatalf("folder without config.json: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "config.json"), []byte("{}"), 0o644)
	if name, path, entry, err := ResolveBase(ctx, dir); err != nil || name != dir || path != dir || entry != nil {
		t.Fatalf("folder base: %s %s %v %v", name, path, entry, err)
	}
}

func TestDatasetHashAndDir(t *testing.T) {
	dir := t.TempDir()
	if _, ok := ResolveDatasetDir(dir); ok {
		t.Fatal("folder without train.jsonl accepted")
	}
	os.WriteFile(filepath.Join(dir, "train.jsonl"), []byte("{}\n"), 0o644)
	h1, err := DatasetHash(dir)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "test.jsonl"), []byte("{}\n"), 0o644)
	h2, _ := DatasetHash(dir)
	if h1 == h2 || len(h1) != 16 {
		t.Fatalf("hashes %s %s", h1, h2)
	}
	if d, ok := ResolveDatasetDir(dir); !ok || d != dir {
		t.Fatal(d)
	}
}

func TestChatTemplateFor(t *testing.T) {
	e, _ := models.Lookup("smollm2:135m")
	tmpl, stop, err := chatTemplateFor(&e, "")
	if err != nil || !strings.Contains(tmpl, "<|im_start|>") || len(stop) != 2 {
		t.Fatalf("catalog template: %v %v", stop, err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "chat_template.jinja"), []byte("{{'<|start_header_id|>' + role}}"), 0o644)
	tmpl, stop, _ = chatTemplateFor(nil, dir)
	if !strings.Contains(tmpl, "start_header_id") || stop[2] != "<|eot_id|>" {
		t.Fatalf("detected llama3: %v", stop)
	}
	tmpl, _, _ = chatTemplateFor(nil, t.TempDir())
	if tmpl != "" {
		t.Fatal("unknown template should be empty")
	}
}

func TestRequirementsHashMatchesScript(t *testing.T) {
	// scripts/setup-trainer.sh keys the venv by sha256sum | cut -c1-12.
	if h := RequirementsHash(); len(h) != 12 {
		t.Fatal(h)
	}
	if !strings.Contains(string(models.TrainerRequirements()), "torch==") {
		t.Fatal("embedded lock has no torch pin")
	}
}
