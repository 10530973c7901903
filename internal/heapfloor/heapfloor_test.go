package heapfloor

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const MiB = 1 << 20
	for _, c := range []struct {
		name        string
		live, floor uint64
		base, want  int
	}{
		// goal = live * (1 + p/100)
		{"small heap: goal is the floor", 4 * MiB, 64 * MiB, 100, 1500},
		{"a quarter of the floor", 16 * MiB, 64 * MiB, 100, 300},
		{"half the floor: the base already reaches it", 32 * MiB, 64 * MiB, 100, 100},
		{"above the floor: the base", 200 * MiB, 64 * MiB, 100, 100},
		{"base above what the floor needs", 16 * MiB, 64 * MiB, 400, 400},
		{"no floor", 4 * MiB, 0, 100, 100},
		{"nothing live yet", 0, 64 * MiB, 100, 100},
		{"collection off", 4 * MiB, 64 * MiB, -1, -1},
	} {
		if got := Percent(c.live, c.floor, c.base); got != c.want {
			t.Errorf("%s: Percent(%d, %d, %d) = %d, want %d", c.name, c.live, c.floor, c.base, got, c.want)
		}
	}
}

// TestStart: with a floor far above the test's live heap, the percent
// rises after a collection; stop restores the percent of before.
func TestStart(t *testing.T) {
	t.Setenv("GOGC", "")
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)

	stop := Start(1 << 30)
	got := 0
	for range 50 { // the finalizer runs after a cycle, on its own goroutine
		runtime.GC()
		time.Sleep(time.Millisecond)
		got = debug.SetGCPercent(100)
		debug.SetGCPercent(got)
		if got > 100 {
			break
		}
	}
	if got <= 100 {
		t.Errorf("GC percent with a 1 GiB floor = %d, want above 100", got)
	}
	stop()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent after stop = %d, want 100 (the percent at Start)", got)
	}
}
