package doppel

import (
	"runtime/debug"
	"sync"
	"testing"
)

// The boost holds while any bulk job runs and restores the settings it
// found after the last one, whatever the order.
func TestBoostGC(t *testing.T) {
	if gcBoost.off {
		t.Skip("GOGC or GOMEMLIMIT set in the environment: the boost is off")
	}
	percent := debug.SetGCPercent(150)
	limit := debug.SetMemoryLimit(-1)
	defer debug.SetGCPercent(percent)
	current := func() (int, int64) {
		p := debug.SetGCPercent(-1)
		debug.SetGCPercent(p)
		return p, debug.SetMemoryLimit(-1)
	}
	a := boostGC()
	b := boostGC()
	if p, l := current(); p != bulkGCPercent || l != bulkMemoryLimit {
		t.Fatalf("during bulk work GOGC=%d limit=%d, want %d and %d", p, l, bulkGCPercent, bulkMemoryLimit)
	}
	a()
	a() // a second call of the same restore does nothing
	if p, _ := current(); p != bulkGCPercent {
		t.Fatalf("one job still runs, GOGC=%d", p)
	}
	b()
	if p, l := current(); p != 150 || l != limit {
		t.Fatalf("after the last job GOGC=%d limit=%d, want 150 and %d", p, l, limit)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); boostGC()() }()
	}
	wg.Wait()
	if p, _ := current(); p != 150 {
		t.Fatalf("after concurrent jobs GOGC=%d, want 150", p)
	}
}
