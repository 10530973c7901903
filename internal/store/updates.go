package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"
)

// StatusUpdateAvailable (findings_writer.go) is the status of an "update
// available" finding: the release's security suite offers a newer version
// of an installed binary, whether or not any CVE record names it yet.

// UpdateCandidate is an installed binary of a host's package set and one
// version the security suite of its OS group offers under its name.
// SourceName is the report's source package, else the suite's.
type UpdateCandidate struct {
	Name, Arch, Installed, SourceName string // the installed binary
	OfferedArch, Offered              string // the security suite's binary
}

// UpdateFinding is one "update available" finding of a host.
type UpdateFinding struct {
	Package    string     `json:"package"`
	Arch       string     `json:"arch"`
	Installed  string     `json:"installed"`
	Available  string     `json:"available"`
	Source     string     `json:"source_package"`
	Status     string     `json:"status"` // StatusUpdateAvailable, or "resolved"
	OSGroup    string     `json:"os_group"`
	FirstSeen  time.Time  `json:"first_seen"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
}

// UpdateCandidates lists, for the binaries of package set setID, the
// versions the security suite of osGroup offers under the same name for
// the same arch (or "all" on either side). Which are newer is the
// driver's to decide (match.UpdateDriver).
func (s *Store) UpdateCandidates(ctx context.Context, osGroup string, setID int64) ([]UpdateCandidate, error) {
	// Most groups have no security suite loaded: one index probe answers
	// that, instead of a probe per member of the set.
	var one int
	err := s.readQueryRow(ctx, `SELECT 1 FROM security_updates WHERE os_group = $1 LIMIT 1`, []any{osGroup}, &one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("update candidates: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT p.name, p.arch, p.version,
			CASE WHEN p.source_name <> '' THEN p.source_name ELSE u.source_name END, u.arch, u.version
		FROM package_set_members m JOIN packages p ON p.id = m.package_id
		JOIN security_updates u ON u.os_group = $1 AND u.name = p.name
			AND (u.arch = p.arch OR u.arch = 'all' OR p.arch = 'all')
		WHERE m.set_id = $2 ORDER BY p.name, p.arch, p.version, u.version`, osGroup, setID)
	if err != nil {
		return nil, fmt.Errorf("update candidates: %w", err)
	}
	defer rows.Close()
	var out []UpdateCandidate
	for rows.Next() {
		var c UpdateCandidate
		if err := rows.Scan(&c.Name, &c.Arch, &c.Installed, &c.SourceName, &c.OfferedArch, &c.Offered); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// insertUpdates writes a new target's "update available" findings.
func (w *targetWriter) insertUpdates(ctx context.Context, id int64, ups []UpdateFinding) error {
	for _, u := range ups {
		st, err := w.prepare(ctx, &w.insUpd, `INSERT INTO target_updates (target_id, package, arch, installed, available,
			source_name) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, id, u.Package, u.Arch, u.Installed, u.Available, u.Source); err != nil {
			return fmt.Errorf("insert target updates: %w", err)
		}
	}
	return nil
}

// targetUpdates returns the "update available" findings of a target, its
// OS group set (cached: targets never change).
func (s *Store) targetUpdates(ctx context.Context, id int64) ([]UpdateFinding, error) {
	s.targets.mu.Lock()
	ups, ok := s.targets.updates[id]
	s.targets.mu.Unlock()
	if ok {
		return ups, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT u.package, u.arch, u.installed, u.available, u.source_name, t.os_group
		FROM target_updates u JOIN targets t ON t.id = u.target_id WHERE u.target_id = $1
		ORDER BY u.package, u.arch, u.installed`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var u UpdateFinding
		if err := rows.Scan(&u.Package, &u.Arch, &u.Installed, &u.Available, &u.Source, &u.OSGroup); err != nil {
			return nil, err
		}
		ups = append(ups, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s.targets.mu.Lock()
	if s.targets.updates == nil || len(s.targets.updates) > 2000 {
		s.targets.updates = map[int64][]UpdateFinding{}
	}
	s.targets.updates[id] = ups
	s.targets.mu.Unlock()
	return ups, nil
}

// replayUpdates walks a host's epochs and returns its "update available"
// findings: one per (package, arch) run of consecutive epochs whose
// target offers an update of it (its versions those of the last epoch),
// first seen at the run's first epoch, resolved at the first epoch
// without it (or the epoch's end, when the host was removed).
func (s *Store) replayUpdates(ctx context.Context, eps []epoch) ([]*UpdateFinding, error) {
	var out []*UpdateFinding
	open := map[[2]string]*UpdateFinding{}
	closeAt := func(k [2]string, u *UpdateFinding, at time.Time) {
		t := at
		u.ResolvedAt, u.Status = &t, "resolved"
		delete(open, k)
	}
	for _, e := range eps {
		ups, err := s.targetUpdates(ctx, e.target)
		if err != nil {
			return nil, err
		}
		seen := make(map[[2]string]bool, len(ups))
		for _, u := range ups {
			k := [2]string{u.Package, u.Arch}
			seen[k] = true
			if r := open[k]; r != nil {
				r.Installed, r.Available, r.Source, r.OSGroup = u.Installed, u.Available, u.Source, u.OSGroup
				continue
			}
			r := u
			r.FirstSeen, r.Status = e.since, StatusUpdateAvailable
			open[k] = &r
			out = append(out, &r)
		}
		for k, u := range open {
			if !seen[k] {
				closeAt(k, u, e.since)
			}
		}
		if e.until.Valid && e.endCause != "" {
			for k, u := range open {
				closeAt(k, u, e.until.Time.UTC())
			}
		}
	}
	return out, nil
}

// HostUpdates lists a host's "update available" findings (resolved ones
// too with history), by package, replayed from its epochs. The per-host
// rows of before migration 0024 (update_findings_legacy) give the first
// sighting of a finding open then, and with history the ones resolved
// before it.
func (s *Store) HostUpdates(ctx context.Context, sc Scope, hostname string, history bool) ([]UpdateFinding, error) {
	cond, args := s.scopeSQL(sc, "s", 2)
	var id int64
	err := s.readQueryRow(ctx, `SELECT h.id FROM hosts h JOIN sites s ON s.id = h.site_id
		WHERE h.hostname = $1 AND `+cond, append([]any{hostname}, args...), &id)
	if errors.Is(err, sql.ErrNoRows) {
		return []UpdateFinding{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("updates of %s: %w", hostname, err)
	}
	eps, err := s.hostEpochs(ctx, []int64{id})
	if err != nil {
		return nil, fmt.Errorf("updates of %s: %w", hostname, err)
	}
	runs, err := s.replayUpdates(ctx, eps[id])
	if err != nil {
		return nil, fmt.Errorf("updates of %s: %w", hostname, err)
	}
	legacy, err := s.legacyUpdates(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("updates of %s: %w", hostname, err)
	}
	out := []UpdateFinding{}
	first := map[[2]string]bool{}
	for _, u := range runs {
		k := [2]string{u.Package, u.Arch}
		if !first[k] {
			first[k] = true
			for _, l := range legacy {
				if l.ResolvedAt == nil && l.Package == u.Package && l.Arch == u.Arch && l.FirstSeen.Before(u.FirstSeen) {
					u.FirstSeen = l.FirstSeen
				}
			}
		}
		if history || u.ResolvedAt == nil {
			out = append(out, *u)
		}
	}
	if history {
		for _, l := range legacy {
			if l.ResolvedAt != nil {
				out = append(out, l)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Package != b.Package {
			return a.Package < b.Package
		}
		if a.Arch != b.Arch {
			return a.Arch < b.Arch
		}
		return a.FirstSeen.Before(b.FirstSeen)
	})
	return out, nil
}

// legacyUpdates reads a host's per-host "update available" rows of before
// migration 0024.
func (s *Store) legacyUpdates(ctx context.Context, hostID int64) ([]UpdateFinding, error) {
	rows, err := s.readQuery(ctx, `SELECT package, arch, installed, available, source_name, os_group, first_seen,
		resolved_at FROM update_findings_legacy WHERE host_id = $1`, hostID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []UpdateFinding
	for rows.Next() {
		var f UpdateFinding
		var res sql.NullTime
		if err := rows.Scan(&f.Package, &f.Arch, &f.Installed, &f.Available, &f.Source, &f.OSGroup, &f.FirstSeen, &res); err != nil {
			return nil, err
		}
		f.FirstSeen, f.Status = f.FirstSeen.UTC(), StatusUpdateAvailable
		if res.Valid {
			t := res.Time.UTC()
			f.ResolvedAt, f.Status = &t, "resolved"
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
