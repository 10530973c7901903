package web

import (
	"cmp"
	"slices"

	"github.com/pakiti-go/pakiti/internal/store"
)

// siteHosts is one site's share of the hosts affected by a CVE or an
// advisory, each host counted once.
type siteHosts struct {
	Site  string
	Hosts int
}

// affectedBySite counts the distinct hosts among hs (one row per host and
// package) and groups them by site, the sites with the most hosts first.
func affectedBySite(hs []store.AffectedHost) (hosts int, bySite []siteHosts) {
	seen := map[string]bool{}
	perSite := map[string]int{}
	for _, h := range hs {
		if seen[h.Hostname] {
			continue
		}
		seen[h.Hostname] = true
		perSite[h.Site]++
	}
	for site, n := range perSite {
		bySite = append(bySite, siteHosts{site, n})
	}
	slices.SortFunc(bySite, func(a, b siteHosts) int {
		return cmp.Or(cmp.Compare(b.Hosts, a.Hosts), cmp.Compare(a.Site, b.Site))
	})
	return len(seen), bySite
}
