package ubuntu

import (
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/source/apt"
	"github.com/pakiti-go/pakiti/internal/store"
)

var _ match.UpdateDriver = Driver{}

// SecurityUpdates is Ubuntu's "update available" rule, Debian's (issue
// 10 §5, apt.SecurityUpdates): an installed binary for which the
// release's -security pocket offers a newer version, in dpkg order, of
// the same name and arch ("all" on either side matching any, as
// store.UpdateCandidates pairs them), has an update available: the newest
// such version.
func (Driver) SecurityUpdates(cands []store.UpdateCandidate) []store.UpdateFinding {
	return apt.SecurityUpdates(cands)
}
