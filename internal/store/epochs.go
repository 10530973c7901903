package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
)

// A host's findings history is the sequence of targets it was on (its
// epochs, host_targets): a finding key (package, CVE) present in
// consecutive epochs is one finding. Replaying the epochs in order gives
// each finding's first sighting, when and why it resolved (the epoch's
// kept column says which went as data-changed; an epoch ended without a
// next one resolves what was open with its end cause), and the events
// opened/closed the per-day history counts.

// epoch is one row of host_targets.
type epoch struct {
	host, target    int64
	since           time.Time
	until           sql.NullTime
	cause, endCause string
	kept            string
}

// findingState is a finding after the replay.
type findingState struct {
	first      time.Time  // first seen (ever: a re-opened finding keeps it)
	opened     time.Time  // when its current (or last) episode opened
	resolvedAt *time.Time // nil while open
	resolution string
	present    bool // in the host's current target
	row        targetRow
	target     int64 // the last target it was in
}

// findingEvent is a finding opening (reason "") or resolving.
type findingEvent struct {
	key    findingKey
	at     time.Time
	opened time.Time // the episode's start, for a resolution
	reason string
	row    targetRow
}

// hostEpochs returns the epochs of hosts, by host, oldest first.
func (s *Store) hostEpochs(ctx context.Context, hostIDs []int64) (map[int64][]epoch, error) {
	out := map[int64][]epoch{}
	if len(hostIDs) == 0 {
		return out, nil
	}
	for len(hostIDs) > 0 {
		n := min(len(hostIDs), 5000)
		rows, err := s.readQuery(ctx, `SELECT host_id, target_id, since, until, cause, end_cause, kept
			FROM host_targets WHERE `+s.engine.inList("host_id", 1)+` ORDER BY host_id, id`, s.engine.intList(hostIDs[:n]))
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var e epoch
			if err := rows.Scan(&e.host, &e.target, &e.since, &e.until, &e.cause, &e.endCause, &e.kept); err != nil {
				rows.Close()
				return nil, err
			}
			e.since = e.since.UTC()
			out[e.host] = append(out[e.host], e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		hostIDs = hostIDs[n:]
	}
	return out, nil
}

// replay walks a host's epochs and returns the state of every finding it
// ever had; emit, when not nil, hears every event.
func (s *Store) replay(ctx context.Context, eps []epoch, emit func(findingEvent)) (map[findingKey]*findingState, error) {
	state := map[findingKey]*findingState{}
	live := map[findingKey]*findingState{} // present in the previous epoch
	closeAt := func(k findingKey, st *findingState, at time.Time, reason string) {
		t := at
		st.resolvedAt, st.resolution = &t, reason
		if emit != nil {
			emit(findingEvent{key: k, at: at, opened: st.opened, reason: reason, row: st.row})
		}
	}
	open := func(k findingKey, st *findingState, at time.Time) {
		st.opened, st.resolvedAt, st.resolution = at, nil, ""
		if emit != nil {
			emit(findingEvent{key: k, at: at, row: st.row})
		}
	}
	var slab []findingState // the states, allocated a target's worth at a time
	for _, e := range eps {
		rows, err := s.targetRows(ctx, s.r, e.target)
		if err != nil {
			return nil, err
		}
		next := make(map[findingKey]*findingState, len(rows))
		for _, r := range rows {
			st := state[r.findingKey]
			_, wasLive := live[r.findingKey]
			if st == nil {
				if len(slab) == cap(slab) {
					slab = make([]findingState, 0, max(len(rows), 64))
				}
				slab = append(slab, findingState{first: e.since})
				st = &slab[len(slab)-1]
				state[r.findingKey] = st
			}
			st.row, st.target, st.present = r, e.target, true
			next[r.findingKey] = st
			switch {
			case !wasLive:
				// new, back after it went, or the host back after a removal
				open(r.findingKey, st, e.since)
				if r.excepted {
					closeAt(r.findingKey, st, e.since, ResolvedExcepted)
				}
			case st.resolution == ResolvedExcepted && !r.excepted:
				open(r.findingKey, st, e.since)
			case st.resolvedAt == nil && r.excepted:
				closeAt(r.findingKey, st, e.since, ResolvedExcepted)
			}
		}
		for k, st := range live {
			if _, ok := next[k]; ok {
				continue
			}
			st.present = false
			if st.resolvedAt != nil {
				continue // excepted: stays so
			}
			reason := ResolvedPackageUpdated
			if e.kept == "*" || keptHas(e.kept, k) {
				reason = ResolvedDataChanged
			}
			closeAt(k, st, e.since, reason)
		}
		live = next
		if e.until.Valid && e.endCause != "" {
			at := e.until.Time.UTC()
			for k, st := range live {
				st.present = false
				if st.resolvedAt == nil {
					closeAt(k, st, at, e.endCause)
				}
			}
			live = map[findingKey]*findingState{}
		}
	}
	return state, nil
}

// keptHas tells whether an epoch's kept list names k.
func keptHas(kept string, k findingKey) bool {
	if kept == "" {
		return false
	}
	want := strconv.FormatInt(k.pkg, 10) + " " + k.cve
	for l := range strings.SplitSeq(kept, "\n") {
		if l == want {
			return true
		}
	}
	return false
}
