package apt

import (
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/version"
)

// SecurityUpdates is the "update available" rule of Debian and Ubuntu:
// of the versions a release's security suite offers for an installed
// binary (cands, sorted by name, arch and installed version, as
// store.UpdateCandidates gives them), the newest one above the installed
// version, in dpkg order, is an update available.
func SecurityUpdates(cands []store.UpdateCandidate) []store.UpdateFinding {
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
