// Package heapfloor keeps the Go garbage collector's heap goal at or
// above a floor, so that a server whose live heap is small does not
// collect after every few megabytes allocated.
//
// With GOGC=100 the collector runs when the heap has grown by its live
// size: a server holding 4 MB that allocates a 60 KB body per report
// collected every 40 reports (measured: 308 cycles over 6,000 reports,
// a tenth of an unchanged report's CPU on SQLite). While the live heap
// is below half the floor, the GC percent is raised so that the goal is
// the floor; above it, the percent is the one in force at Start (GOGC).
// The heap the floor adds is bounded by the floor itself.
package heapfloor

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// Percent is the GC percent that makes the heap goal floor for a live
// heap of live bytes, and never less than base (GOGC).
func Percent(live, floor uint64, base int) int {
	if base <= 0 || live == 0 || floor == 0 {
		return base
	}
	if live >= floor {
		return base
	}
	// goal = live * (1 + p/100) >= floor
	p := int((floor - live) * 100 / live)
	return max(p, base)
}

// Maximum bounds the percent: a nearly empty heap would otherwise ask
// for millions.
const Maximum = 10000

// tuner adjusts the GC percent once per collection.
type tuner struct {
	mu      sync.Mutex
	floor   uint64
	base    int
	current int
	stopped bool
	sample  []metrics.Sample
}

// sentinel is garbage at once: its finalizer runs after each cycle.
type sentinel struct {
	t *tuner
	_ [16]byte // not a tiny allocation (those share a finalizer's block)
}

// Start keeps the heap goal at least floor bytes until stop is called
// (stop restores the percent in force at Start). It does nothing when
// the environment sets GOGC (the operator's choice) or floor is 0.
func Start(floor uint64) (stop func()) {
	if floor == 0 || os.Getenv("GOGC") != "" {
		return func() {}
	}
	base := debug.SetGCPercent(100)
	debug.SetGCPercent(base)
	if base <= 0 { // collection off: nothing to raise
		return func() {}
	}
	t := &tuner{floor: floor, base: base, current: base,
		sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	t.adjust()
	t.arm()
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.stopped = true
		debug.SetGCPercent(t.base)
	}
}

func (t *tuner) arm() {
	runtime.SetFinalizer(&sentinel{t: t}, func(s *sentinel) {
		if s.t.adjust() {
			s.t.arm()
		}
	})
}

// adjust sets the percent for the live heap the last cycle marked; it
// reports false once stopped.
func (t *tuner) adjust() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	metrics.Read(t.sample)
	if t.sample[0].Value.Kind() != metrics.KindUint64 {
		return false // not this runtime's metric: leave GOGC alone
	}
	p := min(Percent(t.sample[0].Value.Uint64(), t.floor, t.base), Maximum)
	// A change under a tenth of the goal is not worth a new goal.
	if p != t.current && (p == t.base || p*10 < t.current*9 || p*10 > t.current*11) {
		debug.SetGCPercent(p)
		t.current = p
	}
	return true
}
