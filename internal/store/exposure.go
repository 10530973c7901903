package store

import (
	"context"
	"fmt"

	"github.com/pakiti-go/pakiti/internal/model"
)

// SiteExposure is a site's hosts and, of them, those with open findings
// (open or unfixed CVEs, excepted ones left out) by their worst severity.
type SiteExposure struct {
	Site  string
	Hosts int
	// Exposed counts the hosts with at least one open CVE by the most
	// severe of them: critical, high, medium, low, and "other" (only
	// negligible or unassigned severities, which the host counters do not
	// keep apart).
	Exposed map[string]int
}

// TagExposure is the number of hosts with an open finding of a CVE
// carrying an enabled tag, by the worst severity of those findings.
type TagExposure struct {
	Tag     string
	Exposed map[string]int // severity name (model.Severity.String) -> hosts
}

// Exposure returns, for the sites in scope, each site's hosts and exposed
// hosts by severity (from the hosts' counters, WriteFindings), and the
// exposed hosts per CVE tag by severity (from the open findings). The
// metrics read it with AllSites.
func (s *Store) Exposure(ctx context.Context, sc Scope) ([]SiteExposure, []TagExposure, error) {
	cond, args := s.scopeSQL(sc, "s", 1)
	rows, err := s.r.QueryContext(ctx, `SELECT s.name, COUNT(h.id),
			COUNT(CASE WHEN h.sev_critical > 0 THEN 1 END),
			COUNT(CASE WHEN h.sev_critical = 0 AND h.sev_high > 0 THEN 1 END),
			COUNT(CASE WHEN h.sev_critical = 0 AND h.sev_high = 0 AND h.sev_medium > 0 THEN 1 END),
			COUNT(CASE WHEN h.sev_critical = 0 AND h.sev_high = 0 AND h.sev_medium = 0 AND h.sev_low > 0 THEN 1 END),
			COUNT(CASE WHEN h.cves > 0 AND h.sev_critical = 0 AND h.sev_high = 0 AND h.sev_medium = 0 AND h.sev_low = 0 THEN 1 END)
		FROM sites s LEFT JOIN hosts h ON h.site_id = s.id AND h.removed_at IS NULL
		WHERE `+cond+` GROUP BY s.name ORDER BY s.name`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("site exposure: %w", err)
	}
	var sites []SiteExposure
	for rows.Next() {
		var e SiteExposure
		var c, h, m, l, o int
		if err := rows.Scan(&e.Site, &e.Hosts, &c, &h, &m, &l, &o); err != nil {
			rows.Close()
			return nil, nil, err
		}
		e.Exposed = map[string]int{"critical": c, "high": h, "medium": m, "low": l, "other": o}
		sites = append(sites, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("site exposure: %w", err)
	}
	tags, err := s.tagExposure(ctx, sc)
	return sites, tags, err
}

// tagExposure counts hosts per enabled CVE tag by the worst severity of
// the host's open findings of that tag's CVEs.
func (s *Store) tagExposure(ctx context.Context, sc Scope) ([]TagExposure, error) {
	cond, args := s.scopeSQL(sc, "s", 1)
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT h.id, t.tag, h.os_group, COALESCE(ff.data_group, ''), COALESCE(ff.severity, '')
		FROM target_findings f JOIN cve_tags t ON t.cve = f.cve AND t.enabled
		JOIN hosts h ON h.target_id = f.target_id AND h.removed_at IS NULL JOIN sites s ON s.id = h.site_id
		LEFT JOIN finding_facts ff ON ff.id = f.facts_id
		WHERE `+cond+` AND f.status IN ('`+StatusOpen+`', '`+StatusUnfixed+`')`, args...)
	if err != nil {
		return nil, fmt.Errorf("tag exposure: %w", err)
	}
	defer rows.Close()
	type hostTag struct {
		host int64
		tag  string
	}
	worst := map[hostTag]model.Severity{}
	for rows.Next() {
		var k hostTag
		var group, dataGroup, sev string
		if err := rows.Scan(&k.host, &k.tag, &group, &dataGroup, &sev); err != nil {
			return nil, err
		}
		if dataGroup == "" {
			dataGroup = group
		}
		v := s.severityOf(model.Advisory{OSGroup: dataGroup, Severity: sev})
		if old, ok := worst[k]; !ok || v > old {
			worst[k] = v
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tag exposure: %w", err)
	}
	by := map[string]map[string]int{}
	for k, v := range worst {
		if by[k.tag] == nil {
			by[k.tag] = map[string]int{}
		}
		by[k.tag][v.String()]++
	}
	out := make([]TagExposure, 0, len(by))
	for t, m := range by {
		out = append(out, TagExposure{Tag: t, Exposed: m})
	}
	return out, nil
}
