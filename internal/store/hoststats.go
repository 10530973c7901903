package store

import (
	"context"
	"sync"
)

// PostgreSQL plans the host listings with its statistics of the hosts
// table: how many hosts are evaluated and on which targets
// (hosts.target_id). A re-evaluation can move most of a fleet at once
// (the first evaluation of hosts stored before it, a data update), and
// until autovacuum analyzes the table again, a minute or more later,
// the planner works from the old picture: at 100,000 hosts, right after
// the bench's evaluations, a listing page filtered by CVE took 140–260 ms
// instead of ~16 in half of the runs. So a write that brings the hosts
// moved since the last analysis past a fifth of the fleet (autovacuum's
// own rule is a tenth of the rows changed) analyzes hosts at once.
// SQLite plans without such statistics: nothing to do.

// hostStats counts the hosts moved since hosts was last analyzed here.
type hostStats struct {
	mu        sync.Mutex
	moved     int64
	threshold int64 // hosts moved that call for an analysis
	running   bool
}

// analyzeFloor is the fewest moved hosts that call for an analysis (a
// variable for tests).
var analyzeFloor int64 = 5000

// noteMoves counts n hosts moved by a committed write and analyzes the
// hosts table (PostgreSQL) when they pass the threshold. Best effort:
// an analysis that fails leaves it to autovacuum.
func (s *Store) noteMoves(ctx context.Context, n int) {
	if n == 0 || s.engine.name() != "postgres" {
		return
	}
	hs := &s.hostStats
	hs.mu.Lock()
	hs.moved += int64(n)
	if hs.moved < max(hs.threshold, analyzeFloor) || hs.running {
		hs.mu.Unlock()
		return
	}
	hs.moved, hs.running = 0, true
	hs.mu.Unlock()
	var hosts int64
	if _, err := s.w.ExecContext(ctx, `ANALYZE hosts`); err == nil {
		if testHookHostsAnalyzed != nil {
			testHookHostsAnalyzed()
		}
		if err := s.r.QueryRowContext(ctx, `SELECT CAST(reltuples AS BIGINT) FROM pg_class WHERE oid = CAST('hosts' AS regclass)`).Scan(&hosts); err != nil {
			hosts = 0
		}
	}
	hs.mu.Lock()
	hs.threshold, hs.running = hosts/5, false
	hs.mu.Unlock()
}

// testHookHostsAnalyzed hears every analysis noteMoves ran.
var testHookHostsAnalyzed func()
