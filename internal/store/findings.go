package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// targetFindingColumns are what a target's finding row holds, from
// target_findings f.
const targetFindingColumns = `f.package_id, f.cve, p.name, p.version, p.arch, COALESCE(ff.source_name, ''),
	COALESCE(ff.source_version, ''), COALESCE(ff.basis, ''), COALESCE(ff.fixed_version, ''),
	COALESCE(ff.vendor_status, ''), COALESCE(ff.severity, ''), COALESCE(ff.advisory_id, ''), COALESCE(ff.origin, ''),
	COALESCE(ff.data_group, ''), ff.data_date, COALESCE(ff.kernel, ''), f.status, f.tags`

// targetFindingFrom joins what targetFindingColumns reads.
const targetFindingFrom = ` FROM target_findings f JOIN packages p ON p.id = f.package_id
	LEFT JOIN finding_facts ff ON ff.id = f.facts_id`

// scanTargetFinding reads a row of targetFindingColumns.
func scanTargetFinding(rows interface{ Scan(...any) error }, extra ...any) (findingKey, model.Finding, error) {
	var k findingKey
	var f model.Finding
	var dataDate sql.NullTime
	var vendor, tags string
	err := rows.Scan(append([]any{&k.pkg, &k.cve, &f.Package, &f.Version, &f.Arch, &f.SourcePackage,
		&f.SourceVersion, &f.Basis, &f.FixedVersion, &vendor, &f.Severity, &f.AdvisoryID, &f.Origin, &f.DataGroup,
		&dataDate, &f.Kernel, &f.Status, &tags}, extra...)...)
	f.CVE = k.cve
	f.VendorStatus = model.Status(vendor)
	f.Tags = sortedTags(tags)
	if dataDate.Valid {
		t := dataDate.Time.UTC()
		f.DataDate = &t
	}
	return k, f, err
}

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
	// The findings wanted, by the target whose row describes them.
	byTarget := map[int64]map[findingKey]*findingState{}
	for k, st := range state {
		want := false
		switch v {
		case FindingsOpen:
			want = st.present && st.resolvedAt == nil
		case FindingsExcepted:
			want = st.resolvedAt == nil && st.present || st.resolution == ResolvedExcepted
		case FindingsAll:
			want = true
		}
		if want {
			if byTarget[st.target] == nil {
				byTarget[st.target] = map[findingKey]*findingState{}
			}
			byTarget[st.target][k] = st
		}
	}
	out := []model.Finding{}
	for t, keys := range byTarget {
		got, err := s.targetFindings(ctx, t, keys)
		if err != nil {
			return nil, false, fmt.Errorf("findings of %s: %w", hostname, err)
		}
		out = append(out, got...)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Package != b.Package {
			return a.Package < b.Package
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.CVE < b.CVE
	})
	return out, true, nil
}

// targetFindings returns the findings of target t named by keys, with
// their states.
func (s *Store) targetFindings(ctx context.Context, t int64, keys map[findingKey]*findingState) ([]model.Finding, error) {
	all, err := s.decodedTarget(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []model.Finding
	for _, d := range all {
		if st := keys[d.key]; st != nil {
			f := d.f
			f.Tags = slices.Clone(f.Tags)
			if f.DataDate != nil {
				d := *f.DataDate
				f.DataDate = &d
			}
			out = append(out, withState(f, st))
		}
	}
	return out, nil
}

// decodedFinding is a target's finding as read, before its state.
type decodedFinding struct {
	key findingKey
	f   model.Finding
}

// decodedTargets keeps the findings of the targets read last, decoded
// (targets never change): the hosts on one target share a read, a page
// costs map lookups. Bounded by findings: the oldest targets go first.
type decodedTargets struct {
	mu    sync.Mutex
	by    map[int64][]decodedFinding
	order []int64
	n     int
}

// decodedLimit bounds the findings decodedTargets holds (about 40 MB).
const decodedLimit = 100000

func (c *decodedTargets) get(id int64) ([]decodedFinding, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.by[id]
	return d, ok
}

func (c *decodedTargets) put(id int64, d []decodedFinding) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.by == nil {
		c.by = map[int64][]decodedFinding{}
	}
	if _, ok := c.by[id]; ok || len(d) > decodedLimit {
		return
	}
	for c.n+len(d) > decodedLimit && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		c.n -= len(c.by[old])
		delete(c.by, old)
	}
	c.by[id], c.order, c.n = d, append(c.order, id), c.n+len(d)
}

// forget drops what the cache holds (targets were deleted).
func (c *decodedTargets) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.by, c.order, c.n = nil, nil, 0
}

// decodedTarget returns every finding of target t, decoded (cached).
func (s *Store) decodedTarget(ctx context.Context, t int64) ([]decodedFinding, error) {
	if d, ok := s.decoded.get(t); ok {
		return d, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+targetFindingColumns+targetFindingFrom+` WHERE f.target_id = $1`, t)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []decodedFinding
	for rows.Next() {
		k, f, err := scanTargetFinding(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, decodedFinding{k, f})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s.decoded.put(t, out)
	return out, nil
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
