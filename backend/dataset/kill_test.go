package dataset_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/doppelhq/doppel/backend/dataset"
	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/jobs"
)

const childEnv = "DOPPEL_DATASET_KILL_CHILD"

// TestMain lets the kill test re-execute this binary as the process that
// runs the build (and gets SIGKILLed).
func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		a, err := doppel.Open(context.Background(), doppel.Config{DataDir: dir})
		if err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(2)
		}
		_, err = a.Jobs.Execute(context.Background(), doppel.KindDatasetBuild, "kill test", dataset.BuildConfig{Generator: dataset.GenLLM, Model: "fake"}, nil)
		if err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// slowOllama answers every chat after a delay with an instruction derived
// from the extract, so results are deterministic.
func slowOllama(t *testing.T, delay time.Duration, calls *atomic.Int64) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/version" {
			w.Write([]byte(`{"version":"0.17.4"}`))
			return
		}
		if r.URL.Path != "/api/chat" {
			// The tokenizer's model is not in this server: counts stay an estimate.
			http.Error(w, `{"error":"model not found"}`, http.StatusNotFound)
			return
		}
		var req api.ChatRequest
		json.NewDecoder(r.Body).Decode(&req)
		calls.Add(1)
		time.Sleep(delay)
		user := req.Messages[len(req.Messages)-1].Content
		_, ex, _ := strings.Cut(user, "<extract>")
		ex, _, _ = strings.Cut(ex, "</extract>")
		words := strings.Fields(ex)
		topic := strings.Join(words[:min(4, len(words))], " ")
		ins, _ := json.Marshal(map[string][]string{"instructions": {"Tell your readers what you think about " + strings.Trim(topic, "#*`\"") + " and why."}})
		json.NewEncoder(w).Encode(api.ChatResponse{Model: req.Model, Message: api.Message{Role: "assistant", Content: string(ins)}, Done: true, DoneReason: "stop"})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func openApp(t *testing.T, dir, ollama string) *doppel.App {
	t.Helper()
	a, err := doppel.Open(context.Background(), doppel.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Settings.Set(context.Background(), "ollama_url", ollama); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestBuildKillAndResume(t *testing.T) {
	var calls atomic.Int64
	srv := slowOllama(t, 150*time.Millisecond, &calls)
	dir := t.TempDir()
	a := openApp(t, dir, srv.URL)
	dataset.InsertFixtureCorpus(t, a.Store.DB)
	a.Close()

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"="+dir, "OLLAMA_HOST=")
	var stderr strings.Builder
	child.Stderr = &stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill the child once it has stored a few extracts.
	a = openApp(t, dir, srv.URL)
	defer a.Close()
	deadline := time.Now().Add(60 * time.Second)
	var stored int
	for stored < 4 {
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatalf("the child stored %d extracts in 60 s; stderr: %s", stored, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
		a.Store.DB.QueryRow(`SELECT count(*) FROM dataset_build_extracts`).Scan(&stored)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	a.Store.DB.QueryRow(`SELECT count(*) FROM dataset_build_extracts`).Scan(&stored)
	var versions int
	a.Store.DB.QueryRow(`SELECT count(*) FROM dataset_versions`).Scan(&versions)
	if versions != 0 {
		t.Fatal("a killed build stored a version")
	}

	// A restart finds the job interrupted and resumes it.
	marked, err := a.Jobs.RecoverInterrupted(context.Background())
	if err != nil || len(marked) != 1 || marked[0].Kind != doppel.KindDatasetBuild {
		t.Fatalf("interrupted jobs: %+v, %v", marked, err)
	}
	before := calls.Load()
	done, err := a.Jobs.ResumeAndExecute(context.Background(), marked[0].ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	var res dataset.BuildResult
	if err := json.Unmarshal(done.Result, &res); err != nil {
		t.Fatal(err)
	}
	if res.Resumed != stored {
		t.Errorf("resumed %d extracts, %d were stored before the kill", res.Resumed, stored)
	}
	var extracts int
	a.Store.DB.QueryRow(`SELECT count(*) FROM dataset_build_extracts`).Scan(&extracts)
	if int(calls.Load()-before) != extracts-stored {
		t.Errorf("the resumed build made %d calls for %d missing extracts", calls.Load()-before, extracts-stored)
	}

	// The resumed version is the one an uninterrupted build makes.
	b := openApp(t, filepath.Join(t.TempDir(), "fresh"), srv.URL)
	defer b.Close()
	dataset.InsertFixtureCorpus(t, b.Store.DB)
	fresh, err := b.Jobs.Execute(context.Background(), doppel.KindDatasetBuild, "fresh", dataset.BuildConfig{Generator: dataset.GenLLM, Model: "fake"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var fres dataset.BuildResult
	json.Unmarshal(fresh.Result, &fres)
	if fres.Version != res.Version {
		t.Errorf("resumed build made version %s, an uninterrupted one %s", res.Version, fres.Version)
	}
	// Each version records the job that built it: the resumed job (not the
	// killed one) here, the single job there.
	for _, c := range []struct {
		app *doppel.App
		ver string
		job int64
	}{{a, res.Version, done.ID}, {b, fres.Version, fresh.ID}} {
		v, err := c.app.Datasets.Version(context.Background(), c.ver)
		if err != nil {
			t.Fatal(err)
		}
		if v.JobID != c.job {
			t.Errorf("version %s records job %d, want %d", c.ver[:12], v.JobID, c.job)
		}
	}
	if done.ID == marked[0].ID {
		t.Fatal("the resumed job reuses the killed job's id")
	}
	_ = jobs.Interrupted
}
