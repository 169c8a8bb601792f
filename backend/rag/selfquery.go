package rag

import (
	"regexp"
	"strconv"
	"time"

	"github.com/doppelhq/doppel/backend/search"
)

// platformWords maps words in a question to document platforms (the
// platform names the data collection stores, see 0002_documents.sql).
var platformWords = []struct {
	re        *regexp.Regexp
	platforms []string
}{
	{regexp.MustCompile(`(?i)\bmedium\b`), []string{"medium"}},
	{regexp.MustCompile(`(?i)\bsubstack\b`), []string{"substack"}},
	{regexp.MustCompile(`(?i)\bdev\.?to\b`), []string{"devto"}},
	{regexp.MustCompile(`(?i)\bhashnode\b`), []string{"hashnode"}},
	{regexp.MustCompile(`(?i)\bwordpress\b`), []string{"wordpress"}},
	{regexp.MustCompile(`(?i)\b(mastodon|toots?)\b`), []string{"mastodon"}},
	{regexp.MustCompile(`(?i)\b(bluesky|bsky)\b`), []string{"bluesky"}},
	{regexp.MustCompile(`(?i)\bgithub\b`), []string{"github"}},
	{regexp.MustCompile(`(?i)\b(twitter|tweets?|tweeted|on x)\b`), []string{"x", "x_archive"}},
	{regexp.MustCompile(`(?i)\blinkedin\b`), []string{"linkedin", "linkedin_export"}},
	{regexp.MustCompile(`(?i)\breddit\b`), []string{"reddit", "reddit_export"}},
	{regexp.MustCompile(`(?i)\b(my (blog|site|website))\b`), []string{"site"}},
}

var (
	yearIn     = regexp.MustCompile(`(?i)\b(?:in|during|from|of)\s+((?:19|20)\d\d)\b`)
	yearSince  = regexp.MustCompile(`(?i)\b(?:since|after)\s+((?:19|20)\d\d)\b`)
	yearBefore = regexp.MustCompile(`(?i)\b(?:before|until|till|prior to)\s+((?:19|20)\d\d)\b`)
	lastYear   = regexp.MustCompile(`(?i)\blast year\b`)
	thisYear   = regexp.MustCompile(`(?i)\bthis year\b`)
)

func yearStart(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC) }

// SelfQuery takes search filters from the wording of a question: the
// platforms it names ("on Medium", "my tweets") and the dates it names
// ("in 2023", "since 2021", "before 2020", "last year"). It is a small
// deterministic parser, so it costs nothing per request and never invents
// a filter; now anchors relative dates.
func SelfQuery(question string, now time.Time) search.Filter {
	var f search.Filter
	for _, pw := range platformWords {
		if pw.re.MatchString(question) {
			for _, p := range pw.platforms {
				if !containsFold(f.Platforms, p) {
					f.Platforms = append(f.Platforms, p)
				}
			}
		}
	}
	year := func(m []string) int { y, _ := strconv.Atoi(m[1]); return y }
	switch {
	case yearSince.MatchString(question):
		f.After = yearStart(year(yearSince.FindStringSubmatch(question)))
		if m := yearBefore.FindStringSubmatch(question); m != nil {
			f.Before = yearStart(year(m))
		}
	case yearBefore.MatchString(question):
		f.Before = yearStart(year(yearBefore.FindStringSubmatch(question)))
	case yearIn.MatchString(question):
		y := year(yearIn.FindStringSubmatch(question))
		f.After, f.Before = yearStart(y), yearStart(y+1)
	case lastYear.MatchString(question):
		y := now.UTC().Year() - 1
		f.After, f.Before = yearStart(y), yearStart(y+1)
	case thisYear.MatchString(question):
		y := now.UTC().Year()
		f.After, f.Before = yearStart(y), yearStart(y+1)
	}
	return f
}
