package crawl

import (
	"net/url"
	"strings"
)

// Source kinds the crawler handles.
const (
	KindSite     = "site"
	KindMedium   = "medium"
	KindSubstack = "substack"
)

// MediumBase is where Medium profile feeds live (tests point it at a
// local server).
var MediumBase = "https://medium.com"

// Plan turns what the user typed (a site URL, a Medium profile URL or
// "@handle" on Medium) into a source kind, its stored location, the URL to
// start crawling at, and the options the platform needs.
func Plan(raw string) (kind, location, start string, opts Options, err error) {
	raw = strings.TrimSpace(raw)
	if strings.HasPrefix(raw, "medium:@") {
		raw = MediumBase + "/" + strings.TrimPrefix(raw, "medium:")
	}
	u, err := ParseSiteURL(raw)
	if err != nil {
		return "", "", "", Options{}, err
	}
	mb, _ := url.Parse(MediumBase)
	host := trimWWW(u.Hostname())
	switch {
	case isMedium(u) || (mb != nil && u.Host == mb.Host && strings.HasPrefix(u.Path, "/@")) || (mb != nil && u.Host == mb.Host && strings.HasPrefix(u.Path, "/feed/@")):
		handle := strings.TrimPrefix(strings.TrimPrefix(u.Path, "/feed"), "/")
		handle, _, _ = strings.Cut(handle, "/")
		if strings.HasSuffix(host, ".medium.com") && !strings.HasPrefix(handle, "@") {
			// user.medium.com publishes its feed at user.medium.com/feed
			return KindMedium, u.String(), u.Scheme + "://" + u.Host + "/feed", Options{FeedFullText: true, Platform: "medium"}, nil
		}
		base := MediumBase
		if mb == nil || !strings.HasPrefix(u.String(), MediumBase) {
			base = u.Scheme + "://" + u.Host
		}
		return KindMedium, base + "/" + handle, base + "/feed/" + handle, Options{FeedFullText: true, Platform: "medium"}, nil
	case strings.HasSuffix(host, ".substack.com"):
		return KindSubstack, u.String(), u.String(), Options{Platform: "substack"}, nil
	}
	return KindSite, u.String(), u.String(), Options{}, nil
}
