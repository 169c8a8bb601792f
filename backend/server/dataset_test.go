package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doppelhq/doppel/backend/dataset"
	"github.com/doppelhq/doppel/backend/jobs"
	"github.com/doppelhq/doppel/backend/server"
	"github.com/doppelhq/doppel/backend/testenv"
)

func call(t *testing.T, srv *httptest.Server, method, path, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.Bytes()
}

func TestDatasetRoutes(t *testing.T) {
	a := testenv.App(t)
	srv := httptest.NewServer(server.New(a, server.Options{}).Handler())
	defer srv.Close()
	// Documents as the data-collection pipeline stores them.
	posts := []string{
		"Hot take: an integration test that uses an in-memory SQLite database is testing a different database than the one your users run. No WAL, no file locks, no fsync. Use a temp file.",
		"Ran 21 km this morning at conversation pace and did not look at my watch once. Turns out the easy runs get easier when you stop trying to make them prove something.",
		"tinyqueue v0.4 is out! Jobs that were running when your process crashed are now picked up by another worker after their heartbeat goes stale, instead of waiting for a restart.",
	}
	for i, p := range posts {
		h := sha256.Sum256([]byte(p))
		if _, err := a.Store.DB.Exec(`INSERT INTO documents(platform, kind, url, content, content_hash) VALUES ('mastodon','post',?,?,?)`,
			fmt.Sprintf("https://hachyderm.io/@maralind/%d", i), p, hex.EncodeToString(h[:])); err != nil {
			t.Fatal(err)
		}
	}

	for _, tc := range []struct {
		method, path, body string
		want               int
	}{
		{"POST", "/api/v1/datasets/build", `{"generator":"magic"}`, 400},
		{"POST", "/api/v1/datasets/build", `{"generator":"llm"}`, 400},
		{"POST", "/api/v1/datasets/build", `{"nope":1}`, 400},
		{"POST", "/api/v1/datasets/build", `{"generator":"preference","model":"m","from":"ffffffff"}`, 400},
		{"POST", "/api/v1/datasets/build", `{"generator":"llm","model":"m","from":"ffffffff"}`, 400},
		{"POST", "/api/v1/datasets/build", `[`, 400},
		{"GET", "/api/v1/datasets/ffffffff", "", 404},
		{"GET", "/api/v1/datasets/zz", "", 404},
		{"POST", "/api/v1/datasets/ffffffff/edits", `{"edits":[]}`, 404},
	} {
		if got, body := call(t, srv, tc.method, tc.path, tc.body); got != tc.want {
			t.Errorf("%s %s %s: %d %s, want %d", tc.method, tc.path, tc.body, got, body, tc.want)
		}
	}

	code, body := call(t, srv, "POST", "/api/v1/datasets/build", `{"test_ratio":0.34}`)
	if code != http.StatusAccepted {
		t.Fatalf("build: %d %s", code, body)
	}
	var j jobs.Job
	json.Unmarshal(body, &j)
	deadline := time.Now().Add(30 * time.Second)
	for !j.Status.Finished() {
		if time.Now().After(deadline) {
			t.Fatalf("build job still %s", j.Status)
		}
		time.Sleep(50 * time.Millisecond)
		got, err := a.Jobs.Get(context.Background(), j.ID)
		if err != nil {
			t.Fatal(err)
		}
		j = *got
	}
	if j.Status != jobs.Succeeded {
		t.Fatalf("build job %s: %s", j.Status, j.Error)
	}
	var res dataset.BuildResult
	json.Unmarshal(j.Result, &res)
	if res.Train+res.Test != 3 || res.Test != 1 {
		t.Fatalf("build result %+v", res)
	}
	v := res.Version[:10]
	code, body = call(t, srv, "GET", "/api/v1/datasets/"+v, "")
	var built dataset.Version
	if json.Unmarshal(body, &built); code != 200 || built.JobID != j.ID {
		t.Fatalf("version of job %d: %d %s", j.ID, code, body)
	}

	code, body = call(t, srv, "GET", "/api/v1/datasets/"+v+"/samples?split=train&limit=1", "")
	var page dataset.SamplePage
	if json.Unmarshal(body, &page); code != 200 || page.Total != 2 || len(page.Items) != 1 {
		t.Fatalf("samples: %d %s", code, body)
	}
	for _, q := range []string{"status=maybe", "split=dev", "limit=-1", "offset=x", "source_id=a"} {
		if code, body := call(t, srv, "GET", "/api/v1/datasets/"+v+"/samples?"+q, ""); code != 400 {
			t.Errorf("samples?%s: %d %s, want 400", q, code, body)
		}
	}
	id := page.Items[0].ID
	code, body = call(t, srv, "POST", "/api/v1/datasets/"+v+"/edits", fmt.Sprintf(`{"edits":[{"sample_id":%d,"status":"approved"}]}`, id))
	var child dataset.Version
	if json.Unmarshal(body, &child); code != 201 || child.ParentID != res.Version {
		t.Fatalf("edit: %d %s", code, body)
	}
	if code, body := call(t, srv, "POST", "/api/v1/datasets/"+child.ID+"/edits", fmt.Sprintf(`{"edits":[{"sample_id":%d,"status":"approved"}]}`, id)); code != 422 {
		t.Errorf("no-op edit: %d %s", code, body)
	}
	if code, body := call(t, srv, "POST", "/api/v1/datasets/"+child.ID+"/edits", `{"edits":[{"sample_id":424242,"status":"approved"}]}`); code != 400 {
		t.Errorf("edit of a foreign sample: %d %s", code, body)
	}
	code, body = call(t, srv, "GET", "/api/v1/datasets", "")
	var list []dataset.Version
	if json.Unmarshal(body, &list); code != 200 || len(list) != 2 || list[0].ID != child.ID {
		t.Errorf("list: %d %s", code, body)
	}

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("x"), 0o644)
	for _, tc := range []struct {
		body string
		want int
	}{
		{fmt.Sprintf(`{"format":"messages","dir":%q}`, dir), 409},
		{fmt.Sprintf(`{"format":"csv","dir":%q}`, filepath.Join(dir, "a")), 400},
		{fmt.Sprintf(`{"format":"preference","dir":%q}`, filepath.Join(dir, "b")), 400},
		{`{"format":"messages"}`, 400},
		{fmt.Sprintf(`{"format":"alpaca","dir":%q}`, filepath.Join(dir, "ok")), 200},
	} {
		if code, body := call(t, srv, "POST", "/api/v1/datasets/"+child.ID+"/export", tc.body); code != tc.want {
			t.Errorf("export %s: %d %s, want %d", tc.body, code, body, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ok", "train.jsonl")); err != nil {
		t.Error(err)
	}
	if _, body := call(t, srv, "GET", "/api/v1/openapi.json", ""); !bytes.Contains(body, []byte("/api/v1/datasets/{version}/samples")) {
		t.Error("the dataset routes are not in the OpenAPI document")
	}
}
