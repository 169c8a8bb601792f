package doppel

import (
	"os"
	"runtime/debug"
)

// GC defaults for Doppel's processes, unless GOGC / GOMEMLIMIT say
// otherwise. Crawling and importing allocate a lot of short-lived memory
// (parsed HTML trees, Markdown) over a small live heap (tens of MB), so
// the default GOGC=100 spends a large share of the CPU collecting: with
// 400 a 2,000-page crawl runs ~10% faster for ~20 MB more peak RSS
// (docs/benchmarks.md, collect). The memory limit keeps a large live heap
// (a big dataset export) from growing to 5x its size: past it the
// collector runs as often as it needs to.
const (
	gcPercent   = 400
	memoryLimit = 1 << 30
)

// TuneGC applies the GC defaults above; call it first thing in main.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
