package debian

import (
	"github.com/pakiti-go/pakiti/internal/source/apt"
	"github.com/pakiti-go/pakiti/internal/store"
)

// SecurityUpdates is Debian's "update available" rule (issue 10 §5,
// apt.SecurityUpdates): an installed binary for which the release's
// -security suite offers a newer version, in dpkg order, of the same name
// and arch ("all" on either side matching any), has an update available:
// the newest such version.
func (Driver) SecurityUpdates(cands []store.UpdateCandidate) []store.UpdateFinding {
	return apt.SecurityUpdates(cands)
}
