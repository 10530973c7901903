package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// withState sets a finding's history fields from its replayed state.
func withState(f model.Finding, st *findingState) model.Finding {
	f.FirstSeen = st.first
	f.Resolution = st.resolution
	if st.resolvedAt != nil {
		t := *st.resolvedAt
		f.ResolvedAt = &t
		if f.Resolution != ResolvedExcepted {
			f.Status = StatusResolved
		}
	}
	return f
}

// FindingsView selects the findings a read returns.
type FindingsView int

const (
	FindingsOpen     FindingsView = iota // unresolved, not excepted
	FindingsExcepted                     // open and excepted
	FindingsAll                          // history: resolved and excepted too
)

// HostFindings returns a host's open findings (and resolved and excepted
// ones too when history is true), by package and CVE, each with the facts
// that decided it.
func (s *Store) HostFindings(ctx context.Context, sc Scope, hostname string, history bool) ([]model.Finding, error) {
	v := FindingsOpen
	if history {
		v = FindingsAll
	}
	return s.HostFindingsView(ctx, sc, hostname, v)
}

// HostFindingsView returns a host's findings of view v: those of its
// target, and with history those of its earlier targets, each with its
// first sighting and resolution replayed from its epochs.
func (s *Store) HostFindingsView(ctx context.Context, sc Scope, hostname string, v FindingsView) ([]model.Finding, error) {
	out, _, err := s.hostFindings(ctx, sc, hostname, v, nil)
	return out, err
}

// HostFindingsHistory returns what HostFindingsView and FindingHistory
// of the host return, from one replay of its epochs: the host page shows
// both.
func (s *Store) HostFindingsHistory(ctx context.Context, sc Scope, hostname string, v FindingsView, since, now time.Time) ([]model.Finding, History, error) {
	a := newHistoryAcc(since, now)
	out, _, err := s.hostFindings(ctx, sc, hostname, v, a)
	if err != nil {
		return nil, History{}, err
	}
	return out, a.done(), nil
}

// hostFindings returns a host's findings of view v and whether the host
// is in scope; a, when not nil, adds up the replay's history.
func (s *Store) hostFindings(ctx context.Context, sc Scope, hostname string, v FindingsView, a *historyAcc) ([]model.Finding, bool, error) {
	cond, args := s.scopeSQL(sc, "s", 2)
	var id int64
	err := s.readQueryRow(ctx, `SELECT h.id FROM hosts h JOIN sites s ON s.id = h.site_id
		WHERE h.hostname = $1 AND h.removed_at IS NULL AND `+cond, append([]any{hostname}, args...), &id)
	if errors.Is(err, sql.ErrNoRows) {
		return []model.Finding{}, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("findings of %s: %w", hostname, err)
	}
	eps, err := s.hostEpochs(ctx, []int64{id})
	if err != nil {
		return nil, false, fmt.Errorf("findings of %s: %w", hostname, err)
	}
	var emit func(findingEvent)
	if a != nil {
		emit = a.emit
	}
	state, err := s.replay(ctx, eps[id], emit)
	if err != nil {
		return nil, false, fmt.Errorf("findings of %s: %w", hostname, err)
	}
	if a != nil {
		a.add(state)
	}
	// The findings wanted, read from the target whose row describes
	// them, sorted while still compact, then made whole.
	want := func(st *findingState) bool {
		switch v {
		case FindingsOpen:
			return st.present && st.resolvedAt == nil
		case FindingsExcepted:
			return st.resolvedAt == nil && st.present || st.resolution == ResolvedExcepted
		}
		return true
	}
	targets, n := map[int64]bool{}, 0
	for _, st := range state {
		if want(st) {
			targets[st.target] = true
			n++
		}
	}
	type pick struct {
		d  *decodedFinding
		st *findingState
	}
	picks := make([]pick, 0, n)
	for t := range targets {
		all, err := s.decodedTarget(ctx, t)
		if err != nil {
			return nil, false, fmt.Errorf("findings of %s: %w", hostname, err)
		}
		for i := range all {
			if st := state[all[i].key]; st != nil && st.target == t && want(st) {
				picks = append(picks, pick{&all[i], st})
			}
		}
	}
	slices.SortFunc(picks, func(a, b pick) int {
		return cmp.Or(cmp.Compare(a.d.pkg.name, b.d.pkg.name), cmp.Compare(a.d.pkg.version, b.d.pkg.version),
			cmp.Compare(a.d.key.cve, b.d.key.cve), cmp.Compare(a.d.pkg.arch, b.d.pkg.arch))
	})
	out := make([]model.Finding, len(picks))
	for i, p := range picks {
		out[i] = withState(p.d.finding(), p.st)
	}
	return out, true, nil
}

// IdleKernel is an installed kernel image the host is not running: listed
// with what it would be exposed to, never counted.
type IdleKernel struct {
	Package string `json:"package"`
	Version string `json:"version"`
	CVEs    int    `json:"cves"`
}

// HostIdleKernels lists a host's installed kernel images other than the
// running one that have verdicts. The host's packages are read first and
// each looked up in the verdicts (CROSS JOIN keeps that order on SQLite):
// the planner's own choice walked every verdict of the OS group, which
// grows with the group's data, not with the host.
func (s *Store) HostIdleKernels(ctx context.Context, sc Scope, hostname string) ([]IdleKernel, error) {
	cond, args := s.scopeSQL(sc, "s", 2)
	rows, err := s.readQuery(ctx, `SELECT p.name, p.version, COUNT(DISTINCT v.cve)
		FROM hosts h JOIN sites s ON s.id = h.site_id
		CROSS JOIN package_set_members m
		CROSS JOIN verdicts v
		JOIN packages p ON p.id = m.package_id
		WHERE h.hostname = $1 AND m.set_id = h.package_set_id AND v.os_group = h.os_group AND v.package_id = m.package_id
		AND v.kernel <> '' AND v.kernel <> h.kernel AND `+cond+`
		GROUP BY p.name, p.version ORDER BY p.name`, append([]any{hostname}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("idle kernels of %s: %w", hostname, err)
	}
	defer rows.Close()
	out := []IdleKernel{}
	for rows.Next() {
		var k IdleKernel
		if err := rows.Scan(&k.Package, &k.Version, &k.CVEs); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}
