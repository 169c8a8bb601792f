package crawl

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doppelhq/doppel/backend/documents"
)

// A document the user deleted does not come back on a re-crawl (even
// though the page is fetched again); restored, it is there again and the
// next re-crawl keeps it.
func TestDeletedStaysDeleted(t *testing.T) {
	ctx := context.Background()
	site := serveSite(t, filepath.Join("testdata", "sites", "hugo"))
	docs := openDocs(t)
	first, src := crawlSite(t, docs, site.URL+"/", Options{})
	if first.New != 2 {
		t.Fatalf("first crawl: %+v", first)
	}
	var victim documents.Summary
	page, _ := docs.List(ctx, documents.Filter{SourceID: src})
	for _, d := range page.Documents {
		if strings.HasSuffix(d.URL, "/posts/go-errors/") {
			victim = d
		}
	}
	if victim.ID == 0 {
		t.Fatalf("no /posts/go-errors/ among %+v", page.Documents)
	}
	if _, err := docs.Delete(ctx, victim.ID); err != nil {
		t.Fatal(err)
	}

	before := site.hitCount("/posts/go-errors/")
	second, _ := crawlSite(t, docs, site.URL+"/", Options{})
	if second.New != 0 || second.DeletedByYou != 1 || second.Skipped != first.Skipped {
		t.Fatalf("re-crawl after delete: %+v; want 0 new, 1 skipped as deleted by you", second)
	}
	if site.hitCount("/posts/go-errors/") != before+1 {
		t.Errorf("the deleted page was not fetched in full again (%d fetches)", site.hitCount("/posts/go-errors/")-before)
	}
	for _, e := range second.Errors {
		if strings.Contains(e.URL, "go-errors") {
			t.Errorf("a deleted document listed as an error: %+v", e)
		}
	}
	if page, _ := docs.List(ctx, documents.Filter{SourceID: src}); page.Total != 1 {
		t.Fatalf("%d documents after re-crawl, want 1 (the deleted one stays deleted)", page.Total)
	}
	recs, _ := Pages(ctx, docs.DB(), src, StateSkipped)
	var deleted []string
	for _, r := range recs {
		if r.Reason == ReasonDeleted {
			deleted = append(deleted, r.URL)
		}
	}
	if len(deleted) != 1 || !strings.HasSuffix(deleted[0], "/posts/go-errors/") {
		t.Errorf("crawl record of deleted pages: %v", deleted)
	}
	// A third crawl answers 304 for it: still not back, nothing refetched in full.
	third, _ := crawlSite(t, docs, site.URL+"/", Options{})
	if third.New != 0 {
		t.Fatalf("third crawl: %+v", third)
	}

	res, err := docs.Restore(ctx, victim.URL)
	if err != nil || res.Outcome != documents.Added {
		t.Fatalf("restore: %+v %v", res, err)
	}
	if ts, _ := docs.Tombstones(ctx); len(ts) != 0 {
		t.Errorf("tombstones left after restore: %+v", ts)
	}
	fourth, _ := crawlSite(t, docs, site.URL+"/", Options{})
	if fourth.New != 0 || fourth.DeletedByYou != 0 {
		t.Fatalf("re-crawl after restore: %+v", fourth)
	}
	page, _ = docs.List(ctx, documents.Filter{SourceID: src})
	if page.Total != 2 {
		t.Fatalf("%d documents after restore and re-crawl, want 2", page.Total)
	}
	back, err := docs.Get(ctx, page.Documents[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range page.Documents {
		if d.URL == victim.URL {
			back, _ = docs.Get(ctx, d.ID)
		}
	}
	if back.URL != victim.URL || back.ContentHash != victim.ContentHash || back.Title != victim.Title {
		t.Errorf("restored document %+v, want %+v", back.Summary, victim)
	}
}
