package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// History is what changed in the findings of a host or a site: open
// findings now, findings opened and resolved per day, and the time to
// patch (first seen to resolved as package-updated) of the CVEs of each
// tag, all CVEs under "all".
type History struct {
	Open          int            `json:"open"` // distinct open CVEs (open and unfixed; not reboot-pending, not excepted)
	RebootPending int            `json:"reboot_pending"`
	Excepted      int            `json:"excepted"`
	Since         time.Time      `json:"since"`
	Days          []HistoryDay   `json:"days"` // oldest first, every day since Since
	Last24h       HistoryChange  `json:"last_24h"`
	Last7d        HistoryChange  `json:"last_7d"`
	TimeToPatch   map[string]TTP `json:"time_to_patch"`
}

// HistoryDay counts the findings opened and resolved on one day (UTC).
type HistoryDay struct {
	Day    string `json:"day"`
	Opened int    `json:"opened"`
	Closed int    `json:"closed"`
}

// HistoryChange counts the findings opened and resolved in a period, the
// resolved ones by reason.
type HistoryChange struct {
	Opened   int            `json:"opened"`
	Closed   int            `json:"closed"`
	ByReason map[string]int `json:"closed_by_reason"`
}

// TTP is the time to patch of a set of findings, in hours.
type TTP struct {
	Findings    int     `json:"findings"`
	MedianHours float64 `json:"median_hours"`
	P90Hours    float64 `json:"p90_hours"`
}

// FindingHistory returns the history since since (at most 400 days) of
// the host named host or, when host is "", of the hosts of site, in scope.
// The time to patch counts the findings resolved since since.
func (s *Store) FindingHistory(ctx context.Context, sc Scope, host, site string, since, now time.Time) (History, error) {
	a := newHistoryAcc(since, now)
	cond, args := s.scopeSQL(sc, "s", 2)
	who, key := "h.hostname = $1", host
	if host == "" {
		who, key = "s.name = $1", site
	}
	ids, err := queryIDs(ctx, s.r, `SELECT h.id FROM hosts h JOIN sites s ON s.id = h.site_id
		WHERE `+who+` AND `+cond+` ORDER BY h.id`, append([]any{key}, args...)...)
	if err != nil {
		return a.h, fmt.Errorf("history: %w", err)
	}
	for len(ids) > 0 {
		n := min(len(ids), 1000)
		eps, err := s.hostEpochs(ctx, ids[:n])
		if err != nil {
			return a.h, fmt.Errorf("history: %w", err)
		}
		// Hosts with the same epochs have the same replay (it reads
		// nothing else, and targets never change): replayed once, its
		// events counted once per host. Hosts moved by one evaluation
		// share their epochs' times: a site's 2,000 hosts of the fleet
		// bench are 28 replays.
		alike := map[string]*epochRun{}
		var runs []*epochRun
		for _, id := range ids[:n] {
			k := epochsKey(eps[id])
			r := alike[k]
			if r == nil {
				r = &epochRun{eps: eps[id]}
				alike[k] = r
				runs = append(runs, r)
			}
			r.hosts++
		}
		for _, r := range runs {
			state, err := s.replay(ctx, r.eps, func(ev findingEvent) { a.emitN(ev, r.hosts) })
			if err != nil {
				return a.h, fmt.Errorf("history: %w", err)
			}
			a.add(state)
		}
		ids = ids[n:]
	}
	return a.done(), nil
}

// epochRun is a sequence of epochs and how many hosts have it.
type epochRun struct {
	eps   []epoch
	hosts int
}

// epochsKey says what a replay of eps depends on: every field of every
// epoch but the host.
func epochsKey(eps []epoch) string {
	var b strings.Builder
	for _, e := range eps {
		fmt.Fprintf(&b, "%d|%d|%t|%d|%s|%s|%s\x00", e.target, e.since.UnixNano(), e.until.Valid, e.until.Time.UnixNano(),
			e.cause, e.endCause, e.kept)
	}
	return b.String()
}

// historyAcc adds up the History of hosts from their replays: emit hears
// a replay's events, add its final state.
type historyAcc struct {
	h                      History
	now, since             time.Time
	days                   map[string]*HistoryDay
	open, reboot, excepted map[string]bool
	ttp                    map[string][]float64
}

// newHistoryAcc starts a History since since (at most 400 days) up to now.
func newHistoryAcc(since, now time.Time) *historyAcc {
	since, now = since.UTC().Truncate(24*time.Hour), now.UTC()
	if now.Sub(since) > 400*24*time.Hour {
		since = now.Add(-400 * 24 * time.Hour).Truncate(24 * time.Hour)
	}
	a := &historyAcc{now: now, since: since, days: map[string]*HistoryDay{},
		open: map[string]bool{}, reboot: map[string]bool{}, excepted: map[string]bool{}, ttp: map[string][]float64{},
		h: History{Since: since, TimeToPatch: map[string]TTP{},
			Last24h: HistoryChange{ByReason: map[string]int{}}, Last7d: HistoryChange{ByReason: map[string]int{}}}}
	for d := since; !d.After(now); d = d.Add(24 * time.Hour) {
		a.h.Days = append(a.h.Days, HistoryDay{Day: d.Format(time.DateOnly)})
	}
	for i := range a.h.Days {
		a.days[a.h.Days[i].Day] = &a.h.Days[i]
	}
	return a
}

// emit counts one event of one host.
func (a *historyAcc) emit(ev findingEvent) { a.emitN(ev, 1) }

// emitN counts one event of n hosts alike. Every event counts: a finding
// that re-opens after it resolved counts as opened again, its earlier
// resolution stays counted.
func (a *historyAcc) emitN(ev findingEvent, n int) {
	at := ev.at
	for _, c := range []struct {
		ch  *HistoryChange
		cut time.Time
	}{{&a.h.Last24h, a.now.Add(-24 * time.Hour)}, {&a.h.Last7d, a.now.Add(-7 * 24 * time.Hour)}} {
		if at.Before(c.cut) {
			continue
		}
		if ev.reason == "" {
			c.ch.Opened += n
		} else {
			c.ch.Closed += n
			c.ch.ByReason[ev.reason] += n
		}
	}
	if at.Before(a.since) {
		return
	}
	d := a.days[at.Format(time.DateOnly)]
	if ev.reason == "" {
		if d != nil {
			d.Opened += n
		}
		return
	}
	if d != nil {
		d.Closed += n
	}
	if ev.reason == ResolvedPackageUpdated {
		hours := at.Sub(ev.opened).Hours()
		for range n {
			a.ttp["all"] = append(a.ttp["all"], hours)
			if ev.row.tags != "" {
				for _, t := range strings.Split(ev.row.tags, ",") {
					a.ttp[t] = append(a.ttp[t], hours)
				}
			}
		}
	}
}

// add counts the open, reboot-pending and excepted CVEs of a host's
// replayed state.
func (a *historyAcc) add(state map[findingKey]*findingState) {
	for k, st := range state {
		switch {
		case st.present && st.resolvedAt == nil && (st.row.status == StatusOpen || st.row.status == StatusUnfixed):
			a.open[k.cve] = true
		case st.present && st.resolvedAt == nil && st.row.status == StatusRebootPending:
			a.reboot[k.cve] = true
		case st.resolution == ResolvedExcepted:
			a.excepted[k.cve] = true
		}
	}
}

// done returns the History added up.
func (a *historyAcc) done() History {
	h := a.h
	h.Open, h.RebootPending, h.Excepted = len(a.open), len(a.reboot), len(a.excepted)
	for t, hs := range a.ttp {
		sort.Float64s(hs)
		h.TimeToPatch[t] = TTP{Findings: len(hs), MedianHours: quantile(hs, .5), P90Hours: quantile(hs, .9)}
	}
	return h
}

// quantile of sorted xs by the nearest rank.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	i := int(q*float64(len(xs))+0.999999) - 1
	return xs[max(0, min(i, len(xs)-1))]
}
