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
	tags, err := s.Tags(ctx, TagFilter{EnabledOnly: true})
	if err != nil {
		return nil, fmt.Errorf("tag exposure: %w", err)
	}
	tagsOf := map[string][]string{}
	for _, t := range tags {
		tagsOf[t.CVE] = append(tagsOf[t.CVE], t.Tag)
	}
	cves, err := s.targetCVEsOf(ctx, targets)
	if err != nil {
		return nil, fmt.Errorf("tag exposure: %w", err)
	}
	per := map[int64][]rated{}
	for id, rs := range cves {
		for _, r := range rs {
			if r.status != StatusOpen && r.status != StatusUnfixed {
				continue
			}
			for _, tag := range tagsOf[r.cve] {
				per[id] = append(per[id], rated{tag, r.dataGroup, r.severity})
			}
		}
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
