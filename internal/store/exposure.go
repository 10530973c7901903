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
// hosts by severity, and the exposed hosts per CVE tag by severity, from
// the cells of the hosts (fleetcells.go) and their targets: a host's
// findings are its target's, so what is worked out once per target and
// OS group holds for every host of the cell. The metrics read it with
// AllSites.
func (s *Store) Exposure(ctx context.Context, sc Scope) ([]SiteExposure, []TagExposure, error) {
	v, err := s.fleetView(ctx, sc, "", s.now().Add(-s.StaleAfter()))
	if err != nil {
		return nil, nil, fmt.Errorf("site exposure: %w", err)
	}
	per, _ := v.perSite()
	sites := make([]SiteExposure, 0, len(v.sites))
	for _, r := range v.sites {
		c := per[r.id]
		sites = append(sites, SiteExposure{Site: r.name, Hosts: c.hosts, Exposed: c.bySev})
	}
	tags, err := s.tagExposure(ctx, v)
	return sites, tags, err
}

// tagExposure counts the hosts of v per enabled CVE tag by the worst
// severity of the host's open findings of that tag's CVEs: per target
// and OS group (a finding without a data group is rated by the host's),
// then times the cell's hosts.
func (s *Store) tagExposure(ctx context.Context, v *fleetView) ([]TagExposure, error) {
	out := []TagExposure{}
	var targets []int64
	for id := range v.targets {
		targets = append(targets, id)
	}
	if len(targets) == 0 {
		return out, nil
	}
	type rated struct{ tag, dataGroup, sev string }
	per := map[int64][]rated{}
	err := s.eachRow(ctx, `SELECT DISTINCT f.target_id, t.tag, COALESCE(ff.data_group, ''), COALESCE(ff.severity, '')
		FROM target_findings f JOIN cve_tags t ON t.cve = f.cve AND t.enabled
		LEFT JOIN finding_facts ff ON ff.id = f.facts_id
		WHERE `+s.engine.inList("f.target_id", 1)+` AND f.status IN ('`+StatusOpen+`', '`+StatusUnfixed+`')`,
		[]any{s.engine.intList(targets)}, func(scan func(...any) error) error {
			var id int64
			var r rated
			if err := scan(&id, &r.tag, &r.dataGroup, &r.sev); err != nil {
				return err
			}
			per[id] = append(per[id], r)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("tag exposure: %w", err)
	}
	by := map[string]map[string]int{}
	for _, c := range v.cells {
		rs := per[c.target]
		if len(rs) == 0 {
			continue
		}
		worst := map[string]model.Severity{}
		for _, r := range rs {
			g := r.dataGroup
			if g == "" {
				g = c.group
			}
			sev := s.severityOf(model.Advisory{OSGroup: g, Severity: r.sev})
			if old, ok := worst[r.tag]; !ok || sev > old {
				worst[r.tag] = sev
			}
		}
		for tag, sev := range worst {
			if by[tag] == nil {
				by[tag] = map[string]int{}
			}
			by[tag][sev.String()] += c.hosts
		}
	}
	for t, m := range by {
		out = append(out, TagExposure{Tag: t, Exposed: m})
	}
	return out, nil
}
