package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/doppelhq/doppel/backend/store"
)

func openStore(t testing.TB, path string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newManager(t testing.TB) (*Manager, string) {
	path := filepath.Join(t.TempDir(), store.FileName)
	m := New(openStore(t, path))
	m.heartbeat = 20 * time.Millisecond
	return m, path
}

func TestRunRecordsOutcome(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom at https://example.test/page")
	cases := []struct {
		name      string
		fn        Func
		want      Status
		wantErr   string
		wantDone  int64
		wantTotal int64
	}{
		{"success", func(ctx context.Context, report func(Progress) error) (any, error) {
			for i := int64(1); i <= 5; i++ {
				if err := report(Progress{Done: i, Total: 5, Message: "step"}); err != nil {
					return nil, err
				}
			}
			return map[string]int{"pages": 5}, nil
		}, Succeeded, "", 5, 5},
		{"failure keeps the reason", func(ctx context.Context, report func(Progress) error) (any, error) {
			_ = report(Progress{Done: 1, Total: 3})
			return nil, boom
		}, Failed, boom.Error(), 1, 3},
		{"context cancel is cancelled", func(ctx context.Context, report func(Progress) error) (any, error) {
			return nil, context.Canceled
		}, Cancelled, "", 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, _ := newManager(t)
			j, err := m.Create(ctx, "test", c.name, map[string]string{"a": "b"})
			if err != nil {
				t.Fatal(err)
			}
			if j.Status != Queued {
				t.Fatalf("new job is %s", j.Status)
			}
			var taps int
			_ = m.Run(ctx, j.ID, c.fn, func(Progress) { taps++ })
			got, err := m.Get(ctx, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != c.want || got.Error != c.wantErr {
				t.Fatalf("status %s error %q; want %s %q", got.Status, got.Error, c.want, c.wantErr)
			}
			if got.Done != c.wantDone || got.Total != c.wantTotal {
				t.Fatalf("progress %d/%d; want %d/%d", got.Done, got.Total, c.wantDone, c.wantTotal)
			}
			if got.FinishedAt == nil || got.StartedAt == nil {
				t.Fatal("start/finish times not recorded")
			}
			if c.want == Succeeded {
				if string(got.Result) != `{"pages":5}` {
					t.Fatalf("result %s", got.Result)
				}
				if taps != 5 {
					t.Fatalf("tap saw %d reports, want 5", taps)
				}
			}
			if err := m.Run(ctx, j.ID, c.fn, nil); err == nil {
				t.Fatal("a finished job ran again")
			}
		})
	}
}

// A cancel issued through a second Manager (another process on the same
// data dir) stops the running job through the store.
func TestCancelFromAnotherProcess(t *testing.T) {
	ctx := context.Background()
	m, path := newManager(t)
	other := New(openStore(t, path))
	j, _ := m.Create(ctx, "test", "long", nil)
	started := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- m.Run(ctx, j.ID, func(ctx context.Context, report func(Progress) error) (any, error) {
			close(started)
			<-ctx.Done()
			return nil, ctx.Err()
		}, nil)
	}()
	<-started
	if err := other.Cancel(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("job did not stop after a cross-process cancel")
	}
	got, _ := m.Get(ctx, j.ID)
	if got.Status != Cancelled {
		t.Fatalf("status %s, want cancelled", got.Status)
	}
	if err := m.Cancel(ctx, j.ID); !errors.Is(err, ErrFinished) {
		t.Fatalf("cancel of finished job: %v", err)
	}
	if _, err := m.Get(ctx, 9999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown job: %v", err)
	}
}

func TestCancelQueuedJob(t *testing.T) {
	ctx := context.Background()
	m, _ := newManager(t)
	j, _ := m.Create(ctx, "test", "queued", nil)
	if err := m.Cancel(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := m.Get(ctx, j.ID)
	if got.Status != Cancelled {
		t.Fatalf("status %s", got.Status)
	}
}

const childEnv = "DOPPEL_JOBS_TEST_CHILD"

// TestMain lets the test binary act as a "Doppel process" that starts a job
// and then dies by SIGKILL.
func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		s, err := store.Open(context.Background(), path)
		if err != nil {
			os.Exit(3)
		}
		mgr := New(s)
		j, err := mgr.Create(context.Background(), "test", "doomed", map[string]int{"n": 1})
		if err != nil {
			os.Exit(4)
		}
		_ = mgr.Run(context.Background(), j.ID, func(ctx context.Context, report func(Progress) error) (any, error) {
			_ = report(Progress{Done: 1, Total: 10, Message: "working"})
			os.Stdout.WriteString(strconv.FormatInt(j.ID, 10) + "\n")
			select {} // until killed
		}, nil)
		os.Exit(5)
	}
	os.Exit(m.Run())
}

// A job whose process is killed is found on the next start, marked
// interrupted, and can be resumed with the same payload.
func TestKilledJobIsInterruptedAndResumable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), store.FileName)
	openStore(t, path) // migrate first
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 32)
	n, _ := out.Read(buf)
	id, err := strconv.ParseInt(string(buf[:n-1]), 10, 64)
	if err != nil {
		t.Fatalf("child said %q", buf[:n])
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	m := New(openStore(t, path))
	j, _ := m.Get(ctx, id)
	if j.Status != Running {
		t.Fatalf("before recovery the job is %s, want running", j.Status)
	}
	marked, err := m.RecoverInterrupted(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(marked) != 1 || marked[0].ID != id {
		t.Fatalf("marked %+v", marked)
	}
	j, _ = m.Get(ctx, id)
	if j.Status != Interrupted || j.Error == "" {
		t.Fatalf("after recovery: %s %q", j.Status, j.Error)
	}

	var gotPayload json.RawMessage
	m.Register("test", func(p json.RawMessage) (Func, error) {
		gotPayload = p
		return func(ctx context.Context, report func(Progress) error) (any, error) { return "resumed", nil }, nil
	})
	r, err := m.ResumeAndExecute(ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != Succeeded || r.ResumeOf == nil || *r.ResumeOf != id {
		t.Fatalf("resumed job %+v", r)
	}
	if string(gotPayload) != `{"n":1}` {
		t.Fatalf("resume payload %s", gotPayload)
	}
	if _, err := m.Resume(ctx, r.ID); err == nil {
		t.Fatal("a succeeded job was resumable")
	}
}

func TestSubmitUnknownKind(t *testing.T) {
	m, _ := newManager(t)
	if _, err := m.Submit(context.Background(), "nope", "x", nil); !errors.Is(err, ErrUnknownKind) {
		t.Fatalf("err = %v", err)
	}
	js, _ := m.List(context.Background(), Filter{Status: Failed})
	if len(js) != 1 {
		t.Fatalf("the failed submit is not recorded: %+v", js)
	}
}

func TestListFilters(t *testing.T) {
	ctx := context.Background()
	m, _ := newManager(t)
	for _, k := range []string{"a", "b", "a"} {
		if _, err := m.Create(ctx, k, k, nil); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		f    Filter
		want int
	}{
		{Filter{}, 3}, {Filter{Kind: "a"}, 2}, {Filter{Status: Running}, 0}, {Filter{Limit: 1}, 1},
		{Filter{Since: time.Now().Add(time.Hour)}, 0}, {Filter{Since: time.Now().Add(-time.Hour)}, 3},
	}
	for _, c := range cases {
		js, err := m.List(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		if len(js) != c.want {
			t.Errorf("List(%+v) = %d jobs, want %d", c.f, len(js), c.want)
		}
	}
}

func TestIDFromContext(t *testing.T) {
	ctx := context.Background()
	if id, ok := IDFrom(ctx); ok || id != 0 {
		t.Fatalf("IDFrom outside a job = %d, %v", id, ok)
	}
	m, _ := newManager(t)
	var runs []int64
	m.Register("probe", func(json.RawMessage) (Func, error) {
		return func(ctx context.Context, report func(Progress) error) (any, error) {
			// A derived context still carries the id.
			sub, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			id, ok := IDFrom(sub)
			if !ok {
				return nil, errors.New("no job id in the context")
			}
			runs = append(runs, id)
			return map[string]int64{"id": id}, nil
		}, nil
	})
	// Two jobs, run through Execute (CLI) and a resumed one: each Func sees
	// its own job's id, not the one it resumes.
	j1, err := m.Execute(ctx, "probe", "first", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	j2, err := m.Execute(ctx, "probe", "second", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.db.ExecContext(ctx, `UPDATE jobs SET status='interrupted' WHERE id=?`, j2.ID); err != nil {
		t.Fatal(err)
	}
	j3, err := m.ResumeAndExecute(ctx, j2.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{j1.ID, j2.ID, j3.ID}
	if len(runs) != 3 || runs[0] != want[0] || runs[1] != want[1] || runs[2] != want[2] || j3.ID == j2.ID {
		t.Fatalf("funcs saw ids %v, want %v", runs, want)
	}
	if string(j3.Result) != `{"id":`+strconv.FormatInt(j3.ID, 10)+`}` {
		t.Fatalf("result %s", j3.Result)
	}
}
