package match

import (
	"testing"

	"github.com/pakiti-go/pakiti/internal/store"
)

// TestBuiltTargetsBounds checks the kept targets: found by (group, set)
// under the data generation they were built in only, not kept without
// data, and bounded by their verdict rows.
func TestBuiltTargetsBounds(t *testing.T) {
	mk := func(group string, set int64, rows int, evaluated bool) *setTarget {
		return &setTarget{group: group, setID: set, evaluated: evaluated, rows: make([]store.SetVerdict, rows)}
	}
	var b builtTargets
	a := mk("debian:11", 1, 10, true)
	b.put(a, 7)
	b.put(mk("debian:11", 2, 10, false), 7) // no data: not kept
	cases := []struct {
		name  string
		group string
		set   int64
		gen   int64
		want  *setTarget
	}{
		{"kept", "debian:11", 1, 7, a},
		{"another data generation", "debian:11", 1, 8, nil},
		{"another group", "debian:12", 1, 7, nil},
		{"a set without data", "debian:11", 2, 7, nil},
	}
	for _, c := range cases {
		if got := b.get(c.group, c.set, c.gen); got != c.want {
			t.Errorf("%s: got %p, want %p", c.name, got, c.want)
		}
	}
	// Rows bound: a target that would pass it empties the cache first.
	big := mk("debian:11", 3, targetCacheRows-5, true)
	b.put(big, 7)
	if b.get("debian:11", 1, 7) != nil || b.get("debian:11", 3, 7) != big || b.rows != targetCacheRows-5 {
		t.Errorf("after a big target: rows %d, first kept %v", b.rows, b.get("debian:11", 1, 7) != nil)
	}
	// The same set again replaces its rows, not adds them.
	b.put(mk("debian:11", 3, targetCacheRows-5, true), 8)
	if b.rows != targetCacheRows-5 || len(b.m) != 1 {
		t.Errorf("replaced: rows %d, targets %d", b.rows, len(b.m))
	}
	b.put(mk("debian:11", 4, targetCacheRows+1, true), 8) // too big to keep at all
	if b.get("debian:11", 4, 8) != nil || b.get("debian:11", 3, 8) == nil {
		t.Error("a target over the bound alone was kept, or emptied the cache")
	}
}
