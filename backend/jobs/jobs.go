// Package jobs keeps long work (crawl, index, dataset build, training, model
// pulls) as persistent records in the store: status, progress and result
// survive the process, any process sharing the data dir can cancel a job, and
// work that was running when its process died is found and marked
// "interrupted" so the user can resume it.
//
// A job runs in the process that started it (the CLI in the foreground, the
// desktop app and the server in a goroutine); the table is the shared truth.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/doppelhq/doppel/backend/store"
)

// Status is a job's state.
type Status string

// Job states.
const (
	Queued      Status = "queued"
	Running     Status = "running"
	Succeeded   Status = "succeeded"
	Failed      Status = "failed"
	Cancelled   Status = "cancelled"
	Interrupted Status = "interrupted"
)

// Finished reports whether the status is terminal.
func (s Status) Finished() bool {
	return s == Succeeded || s == Failed || s == Cancelled || s == Interrupted
}

// ErrNotFound is returned for an unknown job id.
var ErrNotFound = errors.New("job not found")

// ErrFinished is returned when cancelling a job that already ended.
var ErrFinished = errors.New("job already finished")

// Job is one unit of long work.
type Job struct {
	ID       int64           `json:"id"`
	Kind     string          `json:"kind"`
	Title    string          `json:"title"`
	Payload  json.RawMessage `json:"payload"`
	Status   Status          `json:"status"`
	Done     int64           `json:"done"`
	Total    int64           `json:"total"`
	Message  string          `json:"message"`
	Error    string          `json:"error,omitempty"`
	Result   json.RawMessage `json:"result,omitempty"`
	ResumeOf *int64          `json:"resume_of,omitempty"`
	// CancelRequested is set by Cancel until the owner acknowledges it.
	CancelRequested bool       `json:"cancel_requested"`
	CreatedAt       time.Time  `json:"created_at"`
	StartedAt       *time.Time `json:"started_at,omitempty"`
	FinishedAt      *time.Time `json:"finished_at,omitempty"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// Progress is one report from running work.
type Progress struct {
	Done    int64  `json:"done"`
	Total   int64  `json:"total"`
	Message string `json:"message"`
}

// Func is the work of a job. It reports progress through report; report
// returns an error (context.Canceled) once the job has been cancelled.
// IDFrom(ctx) gives the job's id.
type Func func(ctx context.Context, report func(Progress) error) (result any, err error)

type idKey struct{}

// IDFrom returns the id of the job whose Func was given ctx (or a context
// derived from it), so work can record which job produced it. ok is false
// outside a job.
func IDFrom(ctx context.Context) (id int64, ok bool) {
	id, ok = ctx.Value(idKey{}).(int64)
	return id, ok
}

// Manager creates, runs and observes jobs in one store.
type Manager struct {
	db        *sql.DB
	pid       int
	host      string
	heartbeat time.Duration
	// StaleAfter is how old a heartbeat may be before its job counts as dead.
	staleAfter time.Duration

	mu      sync.Mutex
	cancels map[int64]context.CancelFunc
	kinds   map[string]Runner
}

// Runner turns a job's stored payload into its work. Registering a Runner
// for a kind lets any front door start, and later resume, jobs of that kind.
type Runner func(payload json.RawMessage) (Func, error)

// ErrUnknownKind is returned for a job kind with no registered Runner.
var ErrUnknownKind = errors.New("no runner registered for job kind")

// Register sets the Runner for kind.
func (m *Manager) Register(kind string, r Runner) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.kinds[kind] = r
}

func (m *Manager) runner(kind string, payload json.RawMessage) (Func, error) {
	m.mu.Lock()
	r, ok := m.kinds[kind]
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%q: %w", kind, ErrUnknownKind)
	}
	return r(payload)
}

// Submit creates a job of a registered kind and runs it in the background.
func (m *Manager) Submit(ctx context.Context, kind, title string, payload any) (*Job, error) {
	j, err := m.Create(ctx, kind, title, payload)
	if err != nil {
		return nil, err
	}
	fn, err := m.runner(kind, j.Payload)
	if err != nil {
		m.fail(ctx, j.ID, err)
		return nil, err
	}
	go m.Run(context.WithoutCancel(ctx), j.ID, fn, nil) //nolint:errcheck // the outcome is recorded in the job
	return j, nil
}

// Execute creates a job of a registered kind and runs it in the calling
// goroutine (the CLI's way), returning the finished job.
func (m *Manager) Execute(ctx context.Context, kind, title string, payload any, tap func(Progress)) (*Job, error) {
	j, err := m.Create(ctx, kind, title, payload)
	if err != nil {
		return nil, err
	}
	return m.execute(ctx, j, tap)
}

func (m *Manager) execute(ctx context.Context, j *Job, tap func(Progress)) (*Job, error) {
	fn, err := m.runner(j.Kind, j.Payload)
	if err != nil {
		m.fail(ctx, j.ID, err)
		return nil, err
	}
	runErr := m.Run(ctx, j.ID, fn, tap)
	done, err := m.Get(context.WithoutCancel(ctx), j.ID)
	if err != nil {
		return nil, err
	}
	return done, runErr
}

// ResumeAndExecute resumes job id in the calling goroutine.
func (m *Manager) ResumeAndExecute(ctx context.Context, id int64, tap func(Progress)) (*Job, error) {
	j, err := m.Resume(ctx, id)
	if err != nil {
		return nil, err
	}
	return m.execute(ctx, j, tap)
}

// ResumeAndSubmit resumes job id in the background.
func (m *Manager) ResumeAndSubmit(ctx context.Context, id int64) (*Job, error) {
	j, err := m.Resume(ctx, id)
	if err != nil {
		return nil, err
	}
	fn, err := m.runner(j.Kind, j.Payload)
	if err != nil {
		m.fail(ctx, j.ID, err)
		return nil, err
	}
	go m.Run(context.WithoutCancel(ctx), j.ID, fn, nil) //nolint:errcheck // recorded in the job
	return j, nil
}

func (m *Manager) fail(ctx context.Context, id int64, cause error) {
	_, _ = m.db.ExecContext(context.WithoutCancel(ctx), `UPDATE jobs SET status='failed', error=?, finished_at=?, updated_at=? WHERE id=?`,
		cause.Error(), now(), now(), id)
}

// New returns a Manager over the store.
func New(s *store.Store) *Manager {
	host, _ := os.Hostname()
	return &Manager{
		db:         s.DB,
		pid:        os.Getpid(),
		host:       host,
		heartbeat:  time.Second,
		staleAfter: 15 * time.Second,
		cancels:    map[int64]context.CancelFunc{},
		kinds:      map[string]Runner{},
	}
}

const timeFmt = "2006-01-02T15:04:05.000Z"

func now() string { return time.Now().UTC().Format(timeFmt) }

// Create records a queued job.
func (m *Manager) Create(ctx context.Context, kind, title string, payload any) (*Job, error) {
	return m.create(ctx, kind, title, payload, nil)
}

func (m *Manager) create(ctx context.Context, kind, title string, payload any, resumeOf *int64) (*Job, error) {
	p, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("encode payload of %s job: %w", kind, err)
	}
	if payload == nil {
		p = []byte("{}")
	}
	res, err := m.db.ExecContext(ctx,
		`INSERT INTO jobs(kind, title, payload, resume_of, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		kind, title, string(p), resumeOf, now(), now())
	if err != nil {
		return nil, fmt.Errorf("create %s job: %w", kind, err)
	}
	id, _ := res.LastInsertId()
	return m.Get(ctx, id)
}

// Resume creates a new queued job with the same kind and payload as an
// interrupted, failed or cancelled one, linked to it by resume_of.
func (m *Manager) Resume(ctx context.Context, id int64) (*Job, error) {
	j, err := m.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !j.Status.Finished() || j.Status == Succeeded {
		return nil, fmt.Errorf("job %d is %s: only interrupted, failed or cancelled jobs can be resumed", id, j.Status)
	}
	return m.create(ctx, j.Kind, j.Title, j.Payload, &j.ID)
}

// Run runs fn as job id in the calling goroutine and records the outcome.
// It returns fn's error (context.Canceled when the job was cancelled).
// tap, if not nil, sees every progress report (the CLI draws its bar from it).
func (m *Manager) Run(ctx context.Context, id int64, fn Func, tap func(Progress)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	res, err := m.db.ExecContext(ctx,
		`UPDATE jobs SET status='running', started_at=?, heartbeat_at=?, updated_at=?, owner_pid=?, owner_host=?
		 WHERE id=? AND status='queued'`, now(), now(), now(), m.pid, m.host, id)
	if err != nil {
		return fmt.Errorf("start job %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		j, err := m.Get(ctx, id)
		if err != nil {
			return err
		}
		return fmt.Errorf("start job %d: it is %s, not queued", id, j.Status)
	}
	m.mu.Lock()
	m.cancels[id] = cancel
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.cancels, id)
		m.mu.Unlock()
	}()

	// The heartbeat proves the owner is alive and picks up cancel requests
	// made by other processes.
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		t := time.NewTicker(m.heartbeat)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				var cancelReq bool
				err := m.db.QueryRowContext(ctx, `UPDATE jobs SET heartbeat_at=? WHERE id=? RETURNING cancel_requested`, now(), id).Scan(&cancelReq)
				if err == nil && cancelReq {
					cancel()
					return
				}
			}
		}
	}()

	var mu sync.Mutex
	var last time.Time
	report := func(p Progress) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if tap != nil {
			tap(p)
		}
		mu.Lock()
		defer mu.Unlock()
		// Throttle writes: at most ~10 per second, but always the final one.
		if time.Since(last) < 100*time.Millisecond && (p.Total == 0 || p.Done < p.Total) {
			return nil
		}
		last = time.Now()
		_, err := m.db.ExecContext(ctx, `UPDATE jobs SET progress_done=?, progress_total=?, message=?, updated_at=? WHERE id=?`,
			p.Done, p.Total, p.Message, now(), id)
		if err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		return nil
	}

	result, runErr := fn(context.WithValue(ctx, idKey{}, id), report)
	cancel()
	<-hbDone

	status, errText := Succeeded, ""
	switch {
	case runErr == nil:
	case errors.Is(runErr, context.Canceled):
		status = Cancelled
	default:
		status, errText = Failed, runErr.Error()
	}
	var resText string
	if result != nil {
		b, err := json.Marshal(result)
		if err != nil {
			return fmt.Errorf("encode result of job %d: %w", id, err)
		}
		resText = string(b)
	}
	// Record the outcome with a fresh context: the job's own may be cancelled.
	_, err = m.db.ExecContext(context.WithoutCancel(ctx),
		`UPDATE jobs SET status=?, error=?, result=?, finished_at=?, updated_at=?, cancel_requested=0 WHERE id=?`,
		string(status), errText, resText, now(), now(), id)
	if err != nil {
		return fmt.Errorf("finish job %d: %w", id, err)
	}
	return runErr
}

// Cancel asks a queued or running job to stop. A queued job is cancelled at
// once; a running one is stopped by its owner (this process or another)
// within about a heartbeat.
func (m *Manager) Cancel(ctx context.Context, id int64) error {
	j, err := m.Get(ctx, id)
	if err != nil {
		return err
	}
	if j.Status.Finished() {
		return fmt.Errorf("cancel job %d: %w (%s)", id, ErrFinished, j.Status)
	}
	if j.Status == Queued {
		_, err = m.db.ExecContext(ctx, `UPDATE jobs SET status='cancelled', finished_at=?, updated_at=? WHERE id=? AND status='queued'`, now(), now(), id)
	} else {
		_, err = m.db.ExecContext(ctx, `UPDATE jobs SET cancel_requested=1, message='cancelling…', updated_at=? WHERE id=?`, now(), id)
	}
	if err != nil {
		return fmt.Errorf("cancel job %d: %w", id, err)
	}
	m.mu.Lock()
	if c, ok := m.cancels[id]; ok {
		c()
	}
	m.mu.Unlock()
	return nil
}

// RecoverInterrupted marks running jobs whose owner is gone as interrupted:
// jobs of a dead process on this host, or with a stale heartbeat. It returns
// the jobs it marked. Call it on start.
func (m *Manager) RecoverInterrupted(ctx context.Context) ([]Job, error) {
	running, err := m.List(ctx, Filter{Status: Running})
	if err != nil {
		return nil, err
	}
	var marked []Job
	for _, j := range running {
		var owner int
		var host string
		var hb sql.NullString
		if err := m.db.QueryRowContext(ctx, `SELECT owner_pid, owner_host, heartbeat_at FROM jobs WHERE id=?`, j.ID).Scan(&owner, &host, &hb); err != nil {
			return nil, fmt.Errorf("inspect job %d: %w", j.ID, err)
		}
		dead := false
		if host == m.host && owner != 0 && !processAlive(owner) {
			dead = true
		}
		if hb.Valid {
			if t, err := time.Parse(timeFmt, hb.String); err == nil && time.Since(t) > m.staleAfter {
				dead = true
			}
		}
		if host == m.host && owner == m.pid {
			dead = false
		}
		if !dead {
			continue
		}
		res, err := m.db.ExecContext(ctx, `UPDATE jobs SET status='interrupted', error='the process running it stopped before it finished', finished_at=?, updated_at=? WHERE id=? AND status='running'`, now(), now(), j.ID)
		if err != nil {
			return nil, fmt.Errorf("mark job %d interrupted: %w", j.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			j.Status = Interrupted
			marked = append(marked, j)
		}
	}
	return marked, nil
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Filter narrows List.
type Filter struct {
	Status Status
	Kind   string
	// Since returns only jobs updated after this time (for change feeds).
	Since time.Time
	Limit int
}

const jobCols = `id, kind, title, payload, status, progress_done, progress_total, message, error, result, resume_of, cancel_requested, created_at, started_at, finished_at, updated_at`

// Get returns one job.
func (m *Manager) Get(ctx context.Context, id int64) (*Job, error) {
	row := m.db.QueryRowContext(ctx, `SELECT `+jobCols+` FROM jobs WHERE id=?`, id)
	j, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("job %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("job %d: %w", id, err)
	}
	return j, nil
}

// List returns jobs, newest first.
func (m *Manager) List(ctx context.Context, f Filter) ([]Job, error) {
	q := `SELECT ` + jobCols + ` FROM jobs WHERE 1=1`
	var args []any
	if f.Status != "" {
		q += ` AND status=?`
		args = append(args, string(f.Status))
	}
	if f.Kind != "" {
		q += ` AND kind=?`
		args = append(args, f.Kind)
	}
	if !f.Since.IsZero() {
		q += ` AND updated_at > ?`
		args = append(args, f.Since.UTC().Format(timeFmt))
	}
	q += ` ORDER BY id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := m.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	out := []Job{}
	for rows.Next() {
		j, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		out = append(out, *j)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(...any) error }

func scan(r scanner) (*Job, error) {
	var j Job
	var payload, result, created, updated string
	var started, finished sql.NullString
	var resumeOf sql.NullInt64
	var status string
	if err := r.Scan(&j.ID, &j.Kind, &j.Title, &payload, &status, &j.Done, &j.Total, &j.Message, &j.Error, &result,
		&resumeOf, &j.CancelRequested, &created, &started, &finished, &updated); err != nil {
		return nil, err
	}
	j.Status = Status(status)
	j.Payload = json.RawMessage(payload)
	if result != "" {
		j.Result = json.RawMessage(result)
	}
	if resumeOf.Valid {
		j.ResumeOf = &resumeOf.Int64
	}
	j.CreatedAt, _ = time.Parse(timeFmt, created)
	j.UpdatedAt, _ = time.Parse(timeFmt, updated)
	if started.Valid {
		t, _ := time.Parse(timeFmt, started.String)
		j.StartedAt = &t
	}
	if finished.Valid {
		t, _ := time.Parse(timeFmt, finished.String)
		j.FinishedAt = &t
	}
	return &j, nil
}
