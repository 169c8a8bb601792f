// Command bench-collect is the data collection benchmark's helper (run by
// scripts/bench-collect.sh):
//
//	bench-collect serve N   serve a generated N-post blog on 127.0.0.1 and print its URL
//	bench-collect bare URL  crawl it with bare colly (same-site links, storing nothing)
//
// The bare crawl is the baseline for `doppel crawl URL --delay 0`.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/doppelhq/doppel/backend/crawl/benchsite"
)

func serve(n int) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("http://%s/\n", ln.Addr())
	return http.Serve(ln, benchsite.Handler(n))
}

// peakRSS reads VmHWM (peak resident set) from /proc/self/status, in MB.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(l)[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

func bare(start string) error {
	c := colly.NewCollector(colly.Async(true), colly.IgnoreRobotsTxt())
	if err := c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: 4}); err != nil {
		return err
	}
	host := strings.TrimSuffix(strings.TrimPrefix(start, "http://"), "/")
	c.AllowedDomains = []string{strings.Split(host, ":")[0]}
	var pages atomic.Int64
	c.OnResponse(func(*colly.Response) { pages.Add(1) })
	c.OnHTML("a[href]", func(e *colly.HTMLElement) { e.Request.Visit(e.Attr("href")) })
	began := time.Now()
	if err := c.Visit(start); err != nil {
		return err
	}
	c.Wait()
	secs := time.Since(began).Seconds()
	fmt.Printf(`{"pages": %d, "seconds": %.3f, "pages_per_s": %.1f, "peak_rss_mb": %.1f}`+"\n", pages.Load(), secs, float64(pages.Load())/secs, peakRSS())
	return nil
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: bench-collect serve N | bare URL")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		n, perr := strconv.Atoi(os.Args[2])
		if perr != nil {
			err = perr
			break
		}
		err = serve(n)
	case "bare":
		err = bare(os.Args[2])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-collect:", err)
		os.Exit(1)
	}
}
