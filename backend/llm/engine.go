// Package llm is Doppel's only door to Ollama: it finds or starts the engine
// (engine.go) and manages its models (models.go), always through
// github.com/ollama/ollama/api.
package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/ollama/ollama/api"
)

// ErrNoOllama is returned when no server answers and no binary can be found.
var ErrNoOllama = errors.New("no Ollama found: install it with `scripts/install-ollama.sh` (or from https://ollama.com/download), put `ollama` on PATH or set DOPPEL_OLLAMA to its path, or set OLLAMA_HOST to a running server")

// Status describes the engine as the user sees it in Settings.
type Status struct {
	// URL is the server in use (or the one that was tried).
	URL string `json:"url"`
	// Version is what the server reports; empty when unreachable.
	Version string `json:"version"`
	// Reachable tells whether the server answered.
	Reachable bool `json:"reachable"`
	// Managed is true when Doppel started the server itself.
	Managed bool `json:"managed"`
	// Binary is the ollama executable a managed server runs.
	Binary string `json:"binary,omitempty"`
	// Error says why the engine is not reachable.
	Error string `json:"error,omitempty"`
}

// Engine finds a running Ollama or starts one, and hands out clients.
type Engine struct {
	dataDir string
	// URLFunc returns the configured URL (Settings); may be nil.
	urlFunc func(context.Context) string
	http    *http.Client

	mu      sync.Mutex
	base    *url.URL
	managed bool
	binary  string
	cmd     *exec.Cmd
	exited  chan struct{}
}

// NewEngine returns an Engine whose managed server keeps its models and
// state under dataDir/ollama. configured returns the Settings URL, if any.
func NewEngine(dataDir string, configured func(context.Context) string) *Engine {
	return &Engine{dataDir: dataDir, urlFunc: configured, http: &http.Client{}}
}

// serverRecord is written by the process that owns a managed server so other
// Doppel processes on the same data dir reuse it instead of starting another.
type serverRecord struct {
	URL string `json:"url"`
	PID int    `json:"pid"`
}

func (e *Engine) recordPath() string { return filepath.Join(e.dataDir, "ollama", "server.json") }

// candidates lists the URLs to try before starting a server, in order.
func (e *Engine) candidates(ctx context.Context) []string {
	var out []string
	if e.urlFunc != nil {
		if u := e.urlFunc(ctx); u != "" {
			out = append(out, u)
		}
	}
	if h := os.Getenv("OLLAMA_HOST"); h != "" {
		out = append(out, h)
	}
	if b, err := os.ReadFile(e.recordPath()); err == nil {
		var rec serverRecord
		if json.Unmarshal(b, &rec) == nil && rec.URL != "" && processAlive(rec.PID) {
			out = append(out, rec.URL)
		}
	}
	return out
}

// ParseHost turns an OLLAMA_HOST-style value (host:port, scheme optional)
// into a URL.
func ParseHost(s string) (*url.URL, error) {
	if s == "" {
		return nil, errors.New("empty Ollama URL")
	}
	if !hasScheme(s) {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("bad Ollama URL %q: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("bad Ollama URL %q: scheme must be http or https", s)
	}
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), "11434")
	}
	return u, nil
}

func hasScheme(s string) bool {
	for i, c := range s {
		if c == ':' {
			return i+3 <= len(s) && s[i:i+3] == "://"
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '+' || c == '.' || c == '-') {
			return false
		}
	}
	return false
}

// probe asks a server for its version with a short timeout.
func (e *Engine) probe(ctx context.Context, u *url.URL) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	return api.NewClient(u, e.http).Version(ctx)
}

// Client returns a client for a reachable server, starting a managed one if
// none of the configured ones answers.
func (e *Engine) Client(ctx context.Context) (*api.Client, error) {
	u, err := e.ensure(ctx)
	if err != nil {
		return nil, err
	}
	return api.NewClient(u, e.http), nil
}

// URL returns the server URL, starting one if needed.
func (e *Engine) URL(ctx context.Context) (*url.URL, error) { return e.ensure(ctx) }

func (e *Engine) ensure(ctx context.Context) (*url.URL, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.base != nil {
		if e.managed && e.exitedNow() {
			e.base = nil
		} else {
			return e.base, nil
		}
	}
	var tried []string
	for _, c := range e.candidates(ctx) {
		u, err := ParseHost(c)
		if err != nil {
			tried = append(tried, err.Error())
			continue
		}
		if _, err := e.probe(ctx, u); err == nil {
			e.base, e.managed = u, false
			return u, nil
		}
		tried = append(tried, u.String()+" did not answer")
	}
	u, err := e.start(ctx)
	if err != nil {
		if len(tried) > 0 {
			return nil, fmt.Errorf("%v; and starting one failed: %w", tried, err)
		}
		return nil, err
	}
	return u, nil
}

func (e *Engine) exitedNow() bool {
	if e.exited == nil {
		return false
	}
	select {
	case <-e.exited:
		return true
	default:
		return false
	}
}

// FindBinary locates the ollama executable: $DOPPEL_OLLAMA, PATH, then the
// version-keyed cache that scripts/install-ollama.sh fills.
func FindBinary() (string, error) {
	if p := os.Getenv("DOPPEL_OLLAMA"); p != "" {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
		return "", fmt.Errorf("DOPPEL_OLLAMA=%s is not an executable file: %w", p, ErrNoOllama)
	}
	if p, err := exec.LookPath("ollama"); err == nil {
		return p, nil
	}
	cache := os.Getenv("DOPPEL_CACHE")
	if cache == "" {
		if home, err := os.UserHomeDir(); err == nil {
			cache = filepath.Join(home, ".cache", "doppel")
		}
	}
	matches, _ := filepath.Glob(filepath.Join(cache, "ollama-*", "bin", "ollama"))
	sort.Strings(matches)
	if len(matches) > 0 {
		return matches[len(matches)-1], nil
	}
	return "", ErrNoOllama
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs `ollama serve` on a free loopback port with its models under
// the data dir and waits until it answers.
func (e *Engine) start(ctx context.Context) (*url.URL, error) {
	bin, err := FindBinary()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	home := filepath.Join(e.dataDir, "ollama")
	if err := os.MkdirAll(filepath.Join(home, "models"), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", home, err)
	}
	logf, err := os.OpenFile(filepath.Join(home, "serve.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open Ollama log: %w", err)
	}
	host := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		"HOME="+home,
		"OLLAMA_HOST="+host,
		"OLLAMA_MODELS="+filepath.Join(home, "models"),
		"OLLAMA_NOPRUNE=1",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s serve: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(exited) }()

	u := &url.URL{Scheme: "http", Host: host}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := e.probe(ctx, u); err == nil {
			break
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("%s serve exited at start; see %s", bin, filepath.Join(home, "serve.log"))
		case <-ctx.Done():
			cmd.Process.Kill()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return nil, fmt.Errorf("%s serve did not answer on %s within 30s; see %s", bin, host, filepath.Join(home, "serve.log"))
		}
	}
	rec, _ := json.Marshal(serverRecord{URL: u.String(), PID: cmd.Process.Pid})
	_ = os.WriteFile(e.recordPath(), rec, 0o644)
	e.base, e.managed, e.binary, e.cmd, e.exited = u, true, bin, cmd, exited
	return u, nil
}

// Status reports the engine without starting one.
func (e *Engine) Status(ctx context.Context) Status {
	e.mu.Lock()
	base, managed, bin := e.base, e.managed, e.binary
	e.mu.Unlock()
	var urls []*url.URL
	if base != nil {
		urls = append(urls, base)
	} else {
		for _, c := range e.candidates(ctx) {
			if u, err := ParseHost(c); err == nil {
				urls = append(urls, u)
			}
		}
	}
	if len(urls) == 0 {
		st := Status{Error: "not started"}
		if b, err := FindBinary(); err == nil {
			st.Binary = b
		} else {
			st.Error = err.Error()
		}
		return st
	}
	var last Status
	for _, u := range urls {
		v, err := e.probe(ctx, u)
		if err == nil {
			return Status{URL: u.String(), Version: v, Reachable: true, Managed: managed && u == base, Binary: bin}
		}
		last = Status{URL: u.String(), Error: err.Error()}
	}
	return last
}

// Close stops a managed server this Engine started.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cmd == nil {
		return nil
	}
	// Only remove the record if it is ours.
	if b, err := os.ReadFile(e.recordPath()); err == nil {
		var rec serverRecord
		if json.Unmarshal(b, &rec) == nil && rec.PID == e.cmd.Process.Pid {
			os.Remove(e.recordPath())
		}
	}
	_ = syscall.Kill(-e.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-e.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
		<-e.exited
	}
	e.cmd, e.base, e.managed = nil, nil, false
	return nil
}

func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
