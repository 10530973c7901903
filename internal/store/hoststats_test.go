package store

import (
	"testing"
)

// TestHostsAnalyzedAfterMoves: on PostgreSQL a write that moves hosts
// past the threshold analyzes the hosts table once; on SQLite never.
// The floor is lowered to one host: evSetup's write moves its one host.
func TestHostsAnalyzedAfterMoves(t *testing.T) {
	floor := analyzeFloor
	analyzeFloor = 1
	n := 0
	testHookHostsAnalyzed = func() { n++ }
	t.Cleanup(func() { analyzeFloor, testHookHostsAnalyzed = floor, nil })
	st := evSetup(t)
	want := 0
	if st.s.engine.name() == "postgres" {
		want = 1
	}
	if n != want {
		t.Errorf("%s: hosts analyzed %d times after one host moved, want %d", st.s.engine.name(), n, want)
	}
}
