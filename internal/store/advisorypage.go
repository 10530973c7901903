package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/pakiti-go/pakiti/internal/model"
)

// AdvisoryInfo is what the database knows of one vendor advisory
// (DSA-5343-1, USN-6000-1, RHSA-2024:0811, ALSA-...).
type AdvisoryInfo struct {
	ID string `json:"id"`
	// CVEs are the CVEs (and vendor vulnerability ids) the advisory's
	// records name, sorted; empty for an advisory that names none (a
	// regression update), whose records carry its own id instead.
	CVEs    []string         `json:"cves"`
	Records []model.Advisory `json:"records"` // per release, package and CVE
	Hosts   []AffectedHost   `json:"hosts"`   // hosts in scope with an open finding from it
}

// Advisory returns the records in force of advisory id and the hosts in
// scope with an open finding whose verdict names it. ErrNotFound when
// nothing is known.
func (s *Store) Advisory(ctx context.Context, sc Scope, id string) (AdvisoryInfo, error) {
	info := AdvisoryInfo{ID: id, CVEs: []string{}, Records: []model.Advisory{}, Hosts: []AffectedHost{}}
	recs, err := s.advisories(ctx, `a.advisory_id = $1`, id)
	if err != nil {
		return info, fmt.Errorf("records of %s: %w", id, err)
	}
	cves := []string{} // every CVE of the records, the advisory's own id too when a record names it so
	for _, a := range recs {
		info.Records = append(info.Records, a)
		if !slices.Contains(cves, a.CVE) {
			cves = append(cves, a.CVE)
			if a.CVE != id {
				info.CVEs = append(info.CVEs, a.CVE)
			}
		}
	}
	slices.Sort(info.CVEs)
	// The hosts are those whose findings name the advisory now (their
	// facts), not the verdicts: a package set queued for evaluation has
	// its verdicts dropped until the job runs, and its host would be
	// missing here while its page and the CVE page show the finding.
	cond, args := s.scopeSQL(sc, "s", 3)
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT h.hostname, s.name, h.os_group, p.name, p.version,
			ff.fixed_version, ff.vendor_status
		FROM target_findings f JOIN finding_facts ff ON ff.id = f.facts_id AND ff.advisory_id = $1
		JOIN hosts h ON h.target_id = f.target_id JOIN sites s ON s.id = h.site_id
		JOIN packages p ON p.id = f.package_id
		WHERE `+s.engine.inList("f.cve", 2)+` AND f.status <> 'excepted' AND `+cond+`
		ORDER BY h.hostname, p.name, p.version`, append([]any{id, s.engine.stringList(cves)}, args...)...)
	if err != nil {
		return info, fmt.Errorf("hosts of %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var a AffectedHost
		var st string
		if err := rows.Scan(&a.Hostname, &a.Site, &a.OSGroup, &a.Package, &a.Version, &a.Fixed, &st); err != nil {
			return info, err
		}
		a.Vendor = model.Status(st)
		info.Hosts = append(info.Hosts, a)
	}
	if err := rows.Err(); err != nil {
		return info, err
	}
	if len(info.Records) == 0 && len(info.Hosts) == 0 {
		return info, ErrNotFound
	}
	return info, nil
}
