package doppel

import (
	"os"
	"runtime/debug"
	"sync"
)

// Crawling and importing allocate a lot of short-lived memory (parsed HTML
// trees, Markdown) over a small live heap, so at the default GOGC=100 a
// crawl spends a large share of its CPU collecting. While a crawl or an
// import runs, the collector is told to let the heap grow to 5x the live
// heap instead of 2x: a 2,000-page crawl runs ~10% faster for ~20 MB more
// peak RSS (docs/benchmarks.md, collect). Outside that work the default
// stays, so an app holding a large search cache does not keep 5x its heap.
// The soft memory limit bounds the boost when the live heap is large.
// GOGC or GOMEMLIMIT in the environment turn all of this off.
const (
	bulkGCPercent   = 400
	bulkMemoryLimit = 1 << 30
)

var gcBoost struct {
	sync.Mutex
	n       int // bulk jobs running
	percent int // the GOGC and memory limit to restore after the last one
	limit   int64
	off     bool
}

func init() {
	gcBoost.off = os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != ""
}

// boostGC raises GOGC for bulk work until the returned func is called;
// nested and concurrent calls share one boost.
func boostGC() (restore func()) {
	if gcBoost.off {
		return func() {}
	}
	gcBoost.Lock()
	defer gcBoost.Unlock()
	if gcBoost.n == 0 {
		gcBoost.percent = debug.SetGCPercent(bulkGCPercent)
		gcBoost.limit = debug.SetMemoryLimit(bulkMemoryLimit)
	}
	gcBoost.n++
	var once sync.Once
	return func() {
		once.Do(func() {
			gcBoost.Lock()
			defer gcBoost.Unlock()
			if gcBoost.n--; gcBoost.n == 0 {
				debug.SetGCPercent(gcBoost.percent)
				debug.SetMemoryLimit(gcBoost.limit)
			}
		})
	}
}
