package ubuntu

import (
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/version"
)

var _ match.UpdateDriver = Driver{}

// SecurityUpdates is Ubuntu's "update available" rule, Debian's (issue
// 10 §5): an installed binary for which the release's -security pocket
// offers a newer version, in dpkg order, of the same name and arch ("all"
// on either side matching any, as store.UpdateCandidates pairs them), has
// an update available: the newest such version. cands come grouped by
// installed binary; the result keeps that order.
func (Driver) SecurityUpdates(cands []store.UpdateCandidate) []store.UpdateFinding {
	var out []store.UpdateFinding
	for i := 0; i < len(cands); {
		c := cands[i]
		best := ""
		j := i
		for ; j < len(cands) && cands[j].Name == c.Name && cands[j].Arch == c.Arch && cands[j].Installed == c.Installed; j++ {
			if o := cands[j].Offered; version.Deb.Compare(o, c.Installed) > 0 && (best == "" || version.Deb.Compare(o, best) > 0) {
				best = o
			}
		}
		i = j
		if best != "" {
			out = append(out, store.UpdateFinding{Package: c.Name, Arch: c.Arch, Installed: c.Installed,
				Available: best, Source: c.SourceName, Status: store.StatusUpdateAvailable})
		}
	}
	return out
}
