package train

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Outcome is how a trainer process ended.
type Outcome struct {
	// Done is the final "done" event; nil unless the trainer finished.
	Done *Event
	// Stopped is the "stopped" event after a requested stop.
	Stopped *Event
	// Err is the "error" event, if the trainer reported one.
	Err *Event
	// ExitCode is the exit status (-1 when killed by a signal).
	ExitCode int
	// Signal is the signal that killed it, if any.
	Signal syscall.Signal
	// Cancelled is true when Doppel asked it to stop.
	Cancelled bool
	// Killed is true when Doppel had to SIGKILL it after the grace period.
	Killed bool
	// LogTail is the end of stderr (and of non-event stdout lines).
	LogTail string
}

// Reason explains a failed outcome in one line, and its kind (oom, crash, …).
func (o *Outcome) Reason() (kind, msg string) {
	switch {
	case o.Err != nil:
		return o.Err.Kind, o.Err.Message
	case o.Signal == syscall.SIGKILL && !o.Killed:
		return "oom", "the trainer was killed by SIGKILL, most likely by the system's out-of-memory killer"
	case o.Signal != 0:
		return "crash", fmt.Sprintf("the trainer crashed with signal %s", o.Signal)
	case o.ExitCode != 0:
		return "crash", fmt.Sprintf("the trainer exited with status %d without reporting an error", o.ExitCode)
	case o.Done == nil:
		return "crash", "the trainer exited without finishing"
	}
	return "", ""
}

// ring keeps the last n lines written to it.
type ring struct {
	mu    sync.Mutex
	n     int
	lines []string
}

func (r *ring) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(s) > 2000 {
		s = s[:2000] + "…"
	}
	r.lines = append(r.lines, s)
	if len(r.lines) > r.n {
		r.lines = r.lines[len(r.lines)-r.n:]
	}
}

func (r *ring) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}

// Process runs one trainer invocation.
type Process struct {
	Python string
	Source string // PYTHONPATH holding doppel_trainer
	Config string // config file
	// Flag is how the config is passed: "--config" (training, the default)
	// or "--evaluate" (scoring models on a test split).
	Flag    string
	LogPath string
	// Grace is how long a SIGTERM'd trainer may take to checkpoint before SIGKILL.
	Grace time.Duration
	// ExtraEnv is added to the environment (tests: DOPPEL_TRAINER_FAULT).
	ExtraEnv []string
}

// Run starts the trainer and calls onEvent for each event, in order. When
// ctx is cancelled the trainer gets SIGTERM (it checkpoints and exits), then
// SIGKILL after the grace period. Run returns when the process has exited.
func (p *Process) Run(ctx context.Context, onEvent func(*Event) error) (*Outcome, error) {
	flag := p.Flag
	if flag == "" {
		flag = "--config"
	}
	cmd := exec.Command(p.Python, "-m", "doppel_trainer", flag, p.Config)
	cmd.Env = append(trainerEnv(p.Source), p.ExtraEnv...)
	setProcessGroup(cmd)
	logf, err := os.OpenFile(p.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open trainer log %s: %w", p.LogPath, err)
	}
	defer logf.Close()
	fmt.Fprintf(logf, "\n=== %s: %s -m doppel_trainer %s %s\n", time.Now().Format(time.RFC3339), p.Python, flag, p.Config)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start trainer %s: %w", p.Python, err)
	}
	out := &Outcome{}
	logTail := &ring{n: 60}
	var logMu sync.Mutex
	writeLog := func(s string) {
		logMu.Lock()
		fmt.Fprintln(logf, s)
		logMu.Unlock()
		logTail.add(s)
	}

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
		sc.Split(scanLinesOrCR)
		for sc.Scan() {
			if s := strings.TrimSpace(sc.Text()); s != "" {
				writeLog(s)
			}
		}
	}()

	// Cancellation: SIGTERM, then SIGKILL after the grace period.
	exited := make(chan struct{})
	var stopMu sync.Mutex
	go func() {
		select {
		case <-exited:
			return
		case <-ctx.Done():
		}
		stopMu.Lock()
		out.Cancelled = true
		stopMu.Unlock()
		writeLog("doppel: stop requested; sending SIGTERM")
		_ = signalGroup(cmd, syscall.SIGTERM)
		grace := p.Grace
		if grace <= 0 {
			grace = 2 * time.Minute
		}
		select {
		case <-exited:
		case <-time.After(grace):
			stopMu.Lock()
			out.Killed = true
			stopMu.Unlock()
			writeLog(fmt.Sprintf("doppel: no exit %s after SIGTERM; sending SIGKILL", grace))
			_ = signalGroup(cmd, syscall.SIGKILL)
		}
	}()

	var cbErr error
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		ev, err := parseEvent(line)
		if err != nil {
			writeLog(string(line))
			continue
		}
		logMu.Lock()
		fmt.Fprintf(logf, "%s\n", line)
		logMu.Unlock()
		switch ev.Event {
		case "done":
			out.Done = ev
		case "stopped":
			out.Stopped = ev
		case "error":
			out.Err = ev
			logTail.add("error: " + ev.Message)
		}
		if cbErr == nil && onEvent != nil {
			if err := onEvent(ev); err != nil {
				cbErr = err
			}
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		writeLog("doppel: reading trainer output: " + err.Error())
	}
	wg.Wait()
	werr := cmd.Wait()
	close(exited)
	stopMu.Lock()
	defer stopMu.Unlock()
	out.ExitCode = cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		out.Signal = ws.Signal()
	}
	out.LogTail = logTail.String()
	if werr != nil {
		var ee *exec.ExitError
		if !errors.As(werr, &ee) {
			return out, fmt.Errorf("wait for trainer: %w", werr)
		}
	}
	return out, cbErr
}

// scanLinesOrCR splits on \n and on \r (progress bars redraw with \r).
func scanLinesOrCR(data []byte, atEOF bool) (int, []byte, error) {
	for i, b := range data {
		if b == '\n' || b == '\r' {
			return i + 1, data[:i], nil
		}
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
