// Package server is Doppel's HTTP front door: the JSON REST API under
// /api/v1 (with SSE for live progress), the OpenAPI document generated from
// the registered routes, and the web UI. The desktop window reaches the same
// http.Handler through Wails' AssetServer, so browser and window run the
// same code.
package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/doppelhq/doppel/backend/doppel"
)

// Options configure a Server.
type Options struct {
	// Token, when set, is required as "Authorization: Bearer TOKEN" on every
	// API request (or ?access_token= for EventSource).
	Token string
	// Assets is the built web UI; nil serves the API only.
	Assets fs.FS
}

// Route documents one endpoint; the OpenAPI document is built from these.
type Route struct {
	Method  string
	Path    string
	Summary string
	Tag     string
	// Request and Response are zero values of the body types (nil: none).
	Request  any
	Response any
	// Stream is "text/event-stream" or "application/x-ndjson" for streams.
	Stream string
}

// Server serves the API and UI.
type Server struct {
	app    *doppel.App
	opts   Options
	mux    *http.ServeMux
	mu     sync.Mutex
	routes []Route
}

// Registrar adds a capability's routes. Capabilities call Register in an
// init function so that every front door that builds a Server gets them.
type Registrar func(s *Server)

var registrars []Registrar

// Register adds a capability's routes to every Server built after it.
func Register(r Registrar) { registrars = append(registrars, r) }

// New builds the server over app.
func New(app *doppel.App, opts Options) *Server {
	s := &Server{app: app, opts: opts, mux: http.NewServeMux()}
	s.routesCore()
	for _, r := range registrars {
		r(s)
	}
	s.handle(Route{Method: "GET", Path: "/api/v1/openapi.json", Summary: "This OpenAPI document", Tag: "meta"}, s.openAPI)
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusNotFound, fmt.Errorf("no API route %s %s", r.Method, r.URL.Path))
	})
	if opts.Assets != nil {
		s.mux.Handle("/", spa(opts.Assets))
	}
	return s
}

// App returns the backend the server fronts.
func (s *Server) App() *doppel.App { return s.app }

// Handle registers an endpoint and documents it.
func (s *Server) Handle(r Route, h http.HandlerFunc) { s.handle(r, h) }

func (s *Server) handle(r Route, h http.HandlerFunc) {
	s.mu.Lock()
	s.routes = append(s.routes, r)
	s.mu.Unlock()
	s.mux.HandleFunc(r.Method+" "+r.Path, h)
}

// Routes lists the registered endpoints.
func (s *Server) Routes() []Route {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Route(nil), s.routes...)
}

// Handler returns the full handler: origin checks, auth, API and UI.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			WriteError(w, http.StatusForbidden, fmt.Errorf("cross-origin request from %s refused", r.Header.Get("Origin")))
			return
		}
		isAPI := strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/v1/")
		if s.opts.Token != "" && isAPI && !authorized(r, s.opts.Token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="doppel"`)
			WriteError(w, http.StatusUnauthorized, errors.New("missing or wrong bearer token"))
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if !debugLog {
			s.mux.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		s.mux.ServeHTTP(rec, r)
		// Paths only: query strings may carry an access token.
		slog.Debug("http", "method", r.Method, "path", r.URL.Path, "status", rec.status, "ms", time.Since(start).Milliseconds())
	})
}

// debugLog is on when DOPPEL_LOG=debug: one log line per request.
var debugLog = os.Getenv("DOPPEL_LOG") == "debug"

func init() {
	if debugLog {
		slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})))
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }

// Flush passes through when the underlying writer can flush (SSE).
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// sameOrigin allows requests without an Origin (curl, SDKs), from the
// desktop window (wails://) and from the page the server itself served.
// CORS is never granted to other origins.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == ""
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	if u.Scheme == "wails" {
		return true
	}
	return u.Host == r.Host
}

func authorized(r *http.Request, token string) bool {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return subtleEqual(strings.TrimPrefix(h, "Bearer "), token)
	}
	if t := r.URL.Query().Get("access_token"); t != "" {
		return subtleEqual(t, token)
	}
	return false
}

// CheckListen refuses a non-loopback address unless a token is set.
func CheckListen(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("bad listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.IsLoopback() {
		return nil
	}
	if token == "" {
		return fmt.Errorf("refusing to listen on %s without a token: set --token or DOPPEL_TOKEN, or use a loopback address such as 127.0.0.1", addr)
	}
	return nil
}

// apiError is the body of every error response.
type apiError struct {
	// Error is a one-line message naming what failed.
	Error string `json:"error"`
}

// WriteJSON writes v as JSON with the status code.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// WriteError writes {"error": "..."} with the status code.
func WriteError(w http.ResponseWriter, status int, err error) {
	WriteJSON(w, status, apiError{Error: err.Error()})
}

// MaxBody caps request bodies.
const MaxBody = 8 << 20

// DecodeJSON reads a JSON body into v, rejecting unknown fields, trailing
// data and bodies over MaxBody. On failure it writes a 400 and returns false.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body := http.MaxBytesReader(w, r.Body, MaxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			WriteError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("request body over %d bytes", MaxBody))
		case errors.Is(err, io.EOF):
			WriteError(w, http.StatusBadRequest, errors.New("request body is empty; expected JSON"))
		default:
			WriteError(w, http.StatusBadRequest, fmt.Errorf("malformed JSON body: %w", err))
		}
		return false
	}
	if dec.More() {
		WriteError(w, http.StatusBadRequest, errors.New("malformed JSON body: trailing data after the object"))
		return false
	}
	return true
}

// spa serves the built UI, falling back to index.html for client routes.
func spa(assets fs.FS) http.Handler {
	files := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/")
		if p != "" {
			if _, err := fs.Stat(assets, p); err != nil {
				r2 := r.Clone(r.Context())
				r2.URL.Path = "/"
				files.ServeHTTP(w, r2)
				return
			}
		}
		if p == "" || p == "index.html" {
			w.Header().Set("Cache-Control", "no-cache")
		}
		files.ServeHTTP(w, r)
	})
}

// pathID parses the {id} path value, writing a 400 naming what when it is bad.
func pathID(w http.ResponseWriter, r *http.Request, what string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		WriteError(w, http.StatusBadRequest, fmt.Errorf("bad %s id %q", what, r.PathValue("id")))
		return 0, false
	}
	return id, true
}
