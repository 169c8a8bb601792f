package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/doppelhq/doppel/backend/documents"
	"github.com/doppelhq/doppel/backend/jobs"
	"github.com/doppelhq/doppel/backend/testenv"
)

func call(t *testing.T, h http.Handler, method, path string, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

func TestCollectAPI(t *testing.T) {
	site := http.NewServeMux()
	site.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `<html><body class="home"><a href="/a">A</a><a href="/b">B</a></body></html>`)
	})
	for _, p := range []string{"a", "b"} {
		p := p
		site.HandleFunc("/"+p, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `<html><head><meta property="og:type" content="article"><title>Post %s</title></head><body><article><h1>Post %s</h1><p>The body of post %s has enough words to be kept as an article by the extractor.</p></article></body></html>`, p, p, p)
		})
	}
	srv := httptest.NewServer(site)
	defer srv.Close()

	app := testenv.App(t)
	h := New(app, Options{}).Handler()

	bad := []struct{ method, path, body string }{
		{"POST", "/api/v1/sources", `{}`},
		{"POST", "/api/v1/sources", `{"url":"http://x","path":"/tmp"}`},
		{"POST", "/api/v1/sources", `{"url":"ftp://x"}`},
		{"POST", "/api/v1/sources", `{"path":"/does/not/exist"}`},
		{"POST", "/api/v1/sources", `{"url":"http://x","bogus":1}`},
		{"POST", "/api/v1/sources", `{"url":"http://x","delay_ms":-1}`},
		{"GET", "/api/v1/documents?limit=x", ""},
		{"GET", "/api/v1/documents?after=yesterday", ""},
		{"GET", "/api/v1/documents?sort=content", ""},
		{"GET", "/api/v1/documents?excluded=maybe", ""},
		{"GET", "/api/v1/documents/abc", ""},
		{"PUT", "/api/v1/documents/1/excluded", `not json`},
	}
	for _, b := range bad {
		if code, body := call(t, h, b.method, b.path, b.body); code != http.StatusBadRequest {
			t.Errorf("%s %s %s: %d %s, want 400", b.method, b.path, b.body, code, body)
		}
	}
	if code, _ := call(t, h, "GET", "/api/v1/documents/999", ""); code != http.StatusNotFound {
		t.Errorf("unknown document: %d", code)
	}

	code, body := call(t, h, "POST", "/api/v1/sources", `{"url":"`+srv.URL+`/","delay_ms":0}`)
	if code != http.StatusAccepted {
		t.Fatalf("add source: %d %s", code, body)
	}
	var run SourceRun
	if err := json.Unmarshal(body, &run); err != nil {
		t.Fatal(err)
	}
	if run.Source.LastJobID == nil || *run.Source.LastJobID != run.Job.ID {
		t.Fatalf("source does not point at its job: %+v", run)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		j, err := app.Jobs.Get(context.Background(), run.Job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status.Finished() {
			if j.Status != jobs.Succeeded {
				t.Fatalf("crawl job %s: %s", j.Status, j.Error)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("crawl job did not finish")
		}
		time.Sleep(50 * time.Millisecond)
	}
	code, body = call(t, h, "GET", "/api/v1/sources", "")
	var srcs []documents.Source
	json.Unmarshal(body, &srcs)
	if code != 200 || len(srcs) != 1 || srcs[0].Documents != 2 || !bytes.Contains(srcs[0].LastResult, []byte(`"new":2`)) {
		t.Fatalf("sources: %d %s", code, body)
	}
	// A source whose job is still queued or running is not run twice.
	pending, err := app.Jobs.Create(context.Background(), "crawl", "pending", nil)
	if err != nil {
		t.Fatal(err)
	}
	app.Documents.StartRun(context.Background(), run.Source.ID, pending.ID)
	if code, body := call(t, h, "POST", fmt.Sprintf("/api/v1/sources/%d/run", run.Source.ID), ""); code != http.StatusConflict {
		t.Errorf("run while job %d is queued: %d %s, want 409", pending.ID, code, body)
	}
	app.Jobs.Cancel(context.Background(), pending.ID)

	code, body = call(t, h, "GET", "/api/v1/documents?q=post+b&sort=title", "")
	var page documents.Page
	json.Unmarshal(body, &page)
	if code != 200 || page.Total != 1 || page.Documents[0].Title != "Post b" {
		t.Fatalf("documents: %d %s", code, body)
	}
	id := page.Documents[0].ID
	code, body = call(t, h, "PUT", fmt.Sprintf("/api/v1/documents/%d/excluded", id), `{"excluded":true}`)
	if code != 200 || !bytes.Contains(body, []byte(`"excluded":true`)) || !bytes.Contains(body, []byte(`"content":`)) {
		t.Fatalf("exclude: %d %s", code, body)
	}
	code, body = call(t, h, "GET", "/api/v1/documents?excluded=false", "")
	json.Unmarshal(body, &page)
	if page.Total != 1 {
		t.Fatalf("included documents after exclude: %s", body)
	}
	if code, _ := call(t, h, "DELETE", fmt.Sprintf("/api/v1/documents/%d", id), ""); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	// Deleted documents are listed and can be restored by URL.
	code, body = call(t, h, "GET", "/api/v1/documents/deleted", "")
	var tombs []documents.Tombstone
	json.Unmarshal(body, &tombs)
	if code != 200 || len(tombs) != 1 || tombs[0].Title != "Post b" {
		t.Fatalf("deleted: %d %s", code, body)
	}
	if code, body := call(t, h, "POST", "/api/v1/documents/restore", `{"url":"https://nowhere.example/"}`); code != http.StatusNotFound {
		t.Errorf("restore unknown URL: %d %s", code, body)
	}
	if code, body := call(t, h, "POST", "/api/v1/documents/restore", `{"url":" "}`); code != http.StatusBadRequest {
		t.Errorf("restore without a URL: %d %s", code, body)
	}
	code, body = call(t, h, "POST", "/api/v1/documents/restore", `{"url":"`+tombs[0].URL+`"}`)
	if code != 200 || !bytes.Contains(body, []byte(`"outcome":"new"`)) {
		t.Fatalf("restore: %d %s", code, body)
	}
	code, body = call(t, h, "GET", "/api/v1/documents?q=post+b", "")
	json.Unmarshal(body, &page)
	if page.Total != 1 || !page.Documents[0].Excluded {
		t.Fatalf("restored document (still excluded): %s", body)
	}
	if code, _ := call(t, h, "DELETE", fmt.Sprintf("/api/v1/sources/%d?documents=1", run.Source.ID), ""); code != http.StatusNoContent {
		t.Fatalf("delete source: %d", code)
	}
	code, body = call(t, h, "GET", "/api/v1/documents", "")
	json.Unmarshal(body, &page)
	if page.Total != 0 {
		t.Fatalf("documents left after deleting the source with its documents: %s", body)
	}
}
