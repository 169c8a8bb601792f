package server

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/search"
	"github.com/doppelhq/doppel/backend/testenv"
)

func TestFeatureRoutes(t *testing.T) {
	a := testenv.App(t)
	ctx := context.Background()
	if _, err := a.Store.DB.Exec(`INSERT INTO documents(platform, kind, url, title, content, content_hash) VALUES
		('blog','article','https://b/wal','WAL','# WAL\n\nWrite-ahead logging keeps readers and writers apart.','h1'),
		('x','post','https://x/1','','Studded tyres for the winter commute.','h2')`); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Index(ctx, doppel.IndexRequest{}, nil); err != nil {
		t.Fatal(err)
	}
	h := New(a, Options{}).Handler()
	do := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	tests := []struct {
		name, method, path, body string
		status                   int
		contains                 string
	}{
		{"search bm25", "POST", "/api/v1/search", `{"text":"write-ahead readers","k":3}`, 200, `"url":"https://b/wal"`},
		{"fts syntax", "POST", "/api/v1/search", `{"text":"\"NEAR( wal* :col"}`, 200, ""},
		{"empty query", "POST", "/api/v1/search", `{"text":"  "}`, 400, "empty"},
		{"malformed", "POST", "/api/v1/search", `{"text":`, 400, "malformed"},
		{"unknown field", "POST", "/api/v1/search", `{"txt":"wal"}`, 400, "unknown field"},
		{"bad k", "POST", "/api/v1/search", `{"text":"wal","k":-1}`, 400, "k must be"},
		{"bad mode", "POST", "/api/v1/search", `{"text":"wal","mode":"magic"}`, 400, "unknown mode"},
		{"hybrid without a model", "POST", "/api/v1/search", `{"text":"wal","mode":"hybrid"}`, 409, "no embedding model"},
		{"status", "GET", "/api/v1/index", "", 200, `"chunks":2`},
		{"rules", "GET", "/api/v1/index/rules", "", 200, "styled-letters"},
		{"index malformed", "POST", "/api/v1/index", `{"embed_model":`, 400, "malformed"},
		{"start index", "POST", "/api/v1/index", `{}`, 202, `"kind":"index"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(tc.method, tc.path, tc.body)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.contains) {
				t.Fatalf("%s %s: %d %s, want %d containing %q", tc.method, tc.path, rec.Code, rec.Body, tc.status, tc.contains)
			}
		})
	}
	var hits []search.Hit
	json.Unmarshal(do("POST", "/api/v1/search", `{"text":"tyres","filter":{"kinds":["article"]}}`).Body.Bytes(), &hits)
	if len(hits) != 0 {
		t.Errorf("kind filter ignored: %+v", hits)
	}
}
