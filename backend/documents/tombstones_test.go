package documents

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestTombstones(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	post := Input{Platform: "site", Kind: Article, URL: "https://blog.example/p/1", Aliases: []string{"https://blog.example/?p=1"},
		Title: "One", Content: "The first post, with enough words.", Tags: []string{"a"}, PublishedAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	res, err := s.Upsert(ctx, post)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetExcluded(ctx, res.ID, true); err != nil {
		t.Fatal(err)
	}
	tomb, err := s.Delete(ctx, res.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tomb.URL != post.URL || len(tomb.URLs) != 2 {
		t.Errorf("tombstone %+v", tomb)
	}
	cases := []struct {
		name string
		in   Input
		want Outcome
	}{
		{"same URL, same text", post, Deleted},
		{"same URL, edited text", Input{Platform: "site", URL: post.URL, Title: "One", Content: "The first post, rewritten."}, Deleted},
		{"an alias URL", Input{Platform: "site", URL: "https://blog.example/?p=1", Content: "Other words entirely."}, Deleted},
		{"same text elsewhere", Input{Platform: "medium", URL: "https://medium.com/@x/one", Content: "The  first post,\nwith enough words."}, Deleted},
		{"another post", Input{Platform: "site", URL: "https://blog.example/p/2", Content: "Something new."}, Added},
	}
	for _, c := range cases {
		got, err := s.Upsert(ctx, c.in)
		if err != nil || got.Outcome != c.want {
			t.Errorf("%s: %+v %v; want %s", c.name, got, err, c.want)
		}
	}
	ts, err := s.Tombstones(ctx)
	if err != nil || len(ts) != 1 || ts[0].Title != "One" {
		t.Fatalf("tombstones %+v %v", ts, err)
	}
	if _, err := s.Restore(ctx, "https://blog.example/nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("restore unknown: %v", err)
	}
	// Restored by its alias: back as it was, still excluded.
	back, err := s.Restore(ctx, "https://blog.example/?p=1")
	if err != nil || back.Outcome != Added {
		t.Fatalf("restore: %+v %v", back, err)
	}
	d, err := s.Get(ctx, back.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.URL != post.URL || d.Title != "One" || d.Content != post.Content || !d.Excluded || d.PublishedAt != "2024-01-02T03:04:05.000Z" ||
		len(d.Aliases) != 1 || d.Aliases[0] != "https://blog.example/?p=1" || len(d.Tags) != 1 {
		t.Errorf("restored %+v", d)
	}
	if got, _ := s.Upsert(ctx, post); got.Outcome != Unchanged {
		t.Errorf("upsert after restore: %+v", got)
	}
	if ts, _ := s.Tombstones(ctx); len(ts) != 0 {
		t.Errorf("tombstones after restore: %+v", ts)
	}
}
