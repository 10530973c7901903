package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pakiti-go/pakiti/internal/model"
)

const findingColumns = `f.cve, p.name, p.version, p.arch, e.source_name, e.source_version, e.basis,
	v.fixed_version, v.status, v.severity, v.advisory_id, v.origin, v.data_group, f.first_seen, f.resolved_at`

func scanFinding(rows *sql.Rows) (model.Finding, error) {
	var f model.Finding
	var resolved sql.NullTime
	var st, fixed, sev, adv, origin, dataGroup, srcName, srcVer, basis sql.NullString
	err := rows.Scan(&f.CVE, &f.Package, &f.Version, &f.Arch, &srcName, &srcVer, &basis, &fixed, &st, &sev,
		&adv, &origin, &dataGroup, &f.FirstSeen, &resolved)
	f.DataGroup = dataGroup.String
	f.SourcePackage, f.SourceVersion, f.Basis = srcName.String, srcVer.String, basis.String
	f.FixedVersion, f.Severity, f.AdvisoryID, f.Origin = fixed.String, sev.String, adv.String, origin.String
	f.Status = model.Status(st.String)
	f.FirstSeen = f.FirstSeen.UTC()
	if resolved.Valid {
		t := resolved.Time.UTC()
		f.ResolvedAt = &t
	}
	return f, err
}

// HostFindings returns a host's open findings (and resolved ones too when
// history is true), by package and CVE. Resolved findings whose verdict is
// gone show what is still known of them.
func (s *Store) HostFindings(ctx context.Context, sc Scope, hostname string, history bool) ([]model.Finding, error) {
	cond, args := s.scopeSQL(sc, "s", 2)
	open := " AND f.resolved_at IS NULL"
	if history {
		open = ""
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+findingColumns+`
		FROM findings f JOIN hosts h ON h.id = f.host_id JOIN sites s ON s.id = h.site_id
		JOIN packages p ON p.id = f.package_id
		LEFT JOIN evaluated e ON e.os_group = h.os_group AND e.package_id = f.package_id
		LEFT JOIN verdicts v ON v.os_group = h.os_group AND v.package_id = f.package_id AND v.cve = f.cve
		WHERE h.hostname = $1 AND `+cond+open+`
		ORDER BY p.name, p.version, f.cve`, append([]any{hostname}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("findings of %s: %w", hostname, err)
	}
	defer rows.Close()
	out := []model.Finding{}
	for rows.Next() {
		f, err := scanFinding(rows)
		if err != nil {
			return nil, err
		}
		if f.ResolvedAt == nil && f.Status == "" {
			continue // a verdict withdrawn and not yet refreshed
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// IdleKernel is an installed kernel image the host is not running: listed
// with what it would be exposed to, never counted.
type IdleKernel struct {
	Package string `json:"package"`
	Version string `json:"version"`
	CVEs    int    `json:"cves"`
}

// HostIdleKernels lists a host's installed kernel images other than the
// running one that have verdicts.
func (s *Store) HostIdleKernels(ctx context.Context, sc Scope, hostname string) ([]IdleKernel, error) {
	cond, args := s.scopeSQL(sc, "s", 2)
	rows, err := s.r.QueryContext(ctx, `SELECT p.name, p.version, COUNT(DISTINCT v.cve)
		FROM hosts h JOIN sites s ON s.id = h.site_id
		JOIN package_set_members m ON m.set_id = h.package_set_id
		JOIN packages p ON p.id = m.package_id
		JOIN verdicts v ON v.os_group = h.os_group AND v.package_id = m.package_id
		WHERE h.hostname = $1 AND v.kernel <> '' AND v.kernel <> h.kernel AND `+cond+`
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
