package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// SyncUpdates makes found the host's open "update available" findings:
// a new one opens (first seen now), one whose installed or available
// version moved is updated in place, and an open one not in found is
// resolved: the host installed the update. It returns how many opened and
// resolved.
func (s *Store) SyncUpdates(ctx context.Context, hostID int64, osGroup string, found []UpdateFinding, now time.Time) (opened, resolved int, err error) {
	// The usual case, nothing changed (most often: no update and none
	// open), costs one read and no write transaction.
	if same, err := s.updatesUnchanged(ctx, hostID, found); err != nil || same {
		return 0, 0, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		opened, resolved = 0, 0
		rows, err := tx.QueryContext(ctx, `SELECT id, package, arch, installed, available FROM update_findings
			WHERE host_id = $1 AND resolved_at IS NULL`, hostID)
		if err != nil {
			return err
		}
		type open struct {
			id                   int64
			installed, available string
		}
		cur := map[[2]string]open{}
		for rows.Next() {
			var o open
			var k [2]string
			if err := rows.Scan(&o.id, &k[0], &k[1], &o.installed, &o.available); err != nil {
				rows.Close()
				return err
			}
			cur[k] = o
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, f := range found {
			k := [2]string{f.Package, f.Arch}
			o, ok := cur[k]
			delete(cur, k)
			switch {
			case !ok:
				opened++
				_, err = tx.ExecContext(ctx, `INSERT INTO update_findings (host_id, os_group, package, arch, installed,
					available, source_name, first_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
					hostID, osGroup, f.Package, f.Arch, f.Installed, f.Available, f.Source, now)
			case o.installed != f.Installed || o.available != f.Available:
				_, err = tx.ExecContext(ctx, `UPDATE update_findings SET installed = $1, available = $2, source_name = $3
					WHERE id = $4`, f.Installed, f.Available, f.Source, o.id)
			}
			if err != nil {
				return fmt.Errorf("update finding %s: %w", f.Package, err)
			}
		}
		for _, o := range cur {
			resolved++
			if _, err := tx.ExecContext(ctx, `UPDATE update_findings SET resolved_at = $1 WHERE id = $2`, now, o.id); err != nil {
				return err
			}
		}
		return nil
	})
	return opened, resolved, err
}

// updatesUnchanged tells whether found is exactly the host's open "update
// available" findings (same packages, installed and available versions).
func (s *Store) updatesUnchanged(ctx context.Context, hostID int64, found []UpdateFinding) (bool, error) {
	rows, err := s.readQuery(ctx, `SELECT package, arch, installed, available FROM update_findings
		WHERE host_id = $1 AND resolved_at IS NULL`, hostID)
	if err != nil {
		return false, fmt.Errorf("open updates: %w", err)
	}
	defer rows.Close()
	want := make(map[[4]string]bool, len(found))
	for _, f := range found {
		want[[4]string{f.Package, f.Arch, f.Installed, f.Available}] = true
	}
	n := 0
	for rows.Next() {
		var k [4]string
		if err := rows.Scan(&k[0], &k[1], &k[2], &k[3]); err != nil {
			return false, err
		}
		if !want[k] {
			return false, nil
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	return n == len(want) && n == len(found), nil
}

// HostUpdates lists a host's "update available" findings (resolved ones
// too with history), by package.
func (s *Store) HostUpdates(ctx context.Context, sc Scope, hostname string, history bool) ([]UpdateFinding, error) {
	cond, args := s.scopeSQL(sc, "s", 2)
	q := `SELECT u.package, u.arch, u.installed, u.available, u.source_name, u.os_group, u.first_seen, u.resolved_at
		FROM update_findings u JOIN hosts h ON h.id = u.host_id JOIN sites s ON s.id = h.site_id
		WHERE h.hostname = $1 AND ` + cond
	if !history {
		q += ` AND u.resolved_at IS NULL`
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY u.package, u.arch, u.first_seen`, append([]any{hostname}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("updates of %s: %w", hostname, err)
	}
	defer rows.Close()
	out := []UpdateFinding{}
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
