package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pakiti-go/pakiti/internal/model"
)

const findingColumns = `f.cve, p.name, p.version, p.arch, COALESCE(ff.source_name, ''), COALESCE(ff.source_version, ''),
	COALESCE(ff.basis, ''), COALESCE(ff.fixed_version, ''), COALESCE(ff.vendor_status, ''), COALESCE(ff.severity, ''),
	COALESCE(ff.advisory_id, ''), COALESCE(ff.origin, ''), COALESCE(ff.data_group, ''), ff.data_date,
	COALESCE(ff.kernel, ''), f.status, f.tags, f.first_seen, f.resolved_at, f.resolution`

// findingFrom joins what findingColumns reads, for findings f.
const findingFrom = ` JOIN packages p ON p.id = f.package_id LEFT JOIN finding_facts ff ON ff.id = f.facts_id`

func scanFinding(rows interface{ Scan(...any) error }, extra ...any) (model.Finding, error) {
	var f model.Finding
	var resolved, dataDate sql.NullTime
	var vendor, tags string
	err := rows.Scan(append([]any{&f.CVE, &f.Package, &f.Version, &f.Arch, &f.SourcePackage, &f.SourceVersion, &f.Basis,
		&f.FixedVersion, &vendor, &f.Severity, &f.AdvisoryID, &f.Origin, &f.DataGroup, &dataDate, &f.Kernel,
		&f.Status, &tags, &f.FirstSeen, &resolved, &f.Resolution}, extra...)...)
	f.VendorStatus = model.Status(vendor)
	f.Tags = sortedTags(tags)
	f.FirstSeen = f.FirstSeen.UTC()
	if dataDate.Valid {
		t := dataDate.Time.UTC()
		f.DataDate = &t
	}
	if resolved.Valid {
		t := resolved.Time.UTC()
		f.ResolvedAt = &t
		if f.Resolution != ResolvedExcepted {
			f.Status = StatusResolved
		}
	}
	return f, err
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

// HostFindingsView returns a host's findings of view v.
func (s *Store) HostFindingsView(ctx context.Context, sc Scope, hostname string, v FindingsView) ([]model.Finding, error) {
	cond, args := s.scopeSQL(sc, "s", 2)
	var which string
	switch v {
	case FindingsOpen:
		which = " AND f.resolved_at IS NULL"
	case FindingsExcepted:
		which = " AND (f.resolved_at IS NULL OR f.resolution = 'excepted')"
	}
	// The host first (by its unique name), then its findings by the
	// primary key's prefix: a plan the engines cannot get wrong.
	rows, err := s.r.QueryContext(ctx, `SELECT `+findingColumns+`
		FROM findings f`+findingFrom+`
		WHERE f.host_id = (SELECT h.id FROM hosts h JOIN sites s ON s.id = h.site_id
			WHERE h.hostname = $1 AND h.removed_at IS NULL AND `+cond+`)`+which+`
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
