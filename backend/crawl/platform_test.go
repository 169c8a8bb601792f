package crawl

import "testing"

func TestPlan(t *testing.T) {
	cases := []struct{ in, kind, location, start string }{
		{"blog.example", KindSite, "https://blog.example/", "https://blog.example/"},
		{"http://127.0.0.1:8080/posts/", KindSite, "http://127.0.0.1:8080/posts/", "http://127.0.0.1:8080/posts/"},
		{"https://medium.com/@eve", KindMedium, "https://medium.com/@eve", "https://medium.com/feed/@eve"},
		{"https://medium.com/@eve/some-post-123?source=x", KindMedium, "https://medium.com/@eve", "https://medium.com/feed/@eve"},
		{"medium:@eve", KindMedium, "https://medium.com/@eve", "https://medium.com/feed/@eve"},
		{"https://eve.medium.com/", KindMedium, "https://eve.medium.com/", "https://eve.medium.com/feed"},
		{"https://dana.substack.com", KindSubstack, "https://dana.substack.com/", "https://dana.substack.com/"},
	}
	for _, c := range cases {
		kind, loc, start, _, err := Plan(c.in)
		if err != nil || kind != c.kind || loc != c.location || start != c.start {
			t.Errorf("Plan(%q) = %q %q %q %v; want %q %q %q", c.in, kind, loc, start, err, c.kind, c.location, c.start)
		}
	}
	for _, bad := range []string{"", "ftp://x", "http://"} {
		if _, _, _, _, err := Plan(bad); err == nil {
			t.Errorf("Plan(%q) accepted", bad)
		}
	}
}
