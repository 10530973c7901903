package ubuntu

import (
	"github.com/pakiti-go/pakiti/internal/source"
)

// CompleteMinPackages is how many source packages a tracker tarball must
// give records of for a release before it counts as that release's whole
// data: the whole tracker names thousands per release (the April 2020
// snapshot: bionic 2,310), an excerpt a few.
const CompleteMinPackages = 500

// Coverage: every document of the CVE tracker (the tarball, or its CVE
// files one by one) fills part "tracker", so a new snapshot replaces the
// old one whole. A tarball is complete for each release it gives records
// of CompleteMinPackages source packages or more; CVE files given one by
// one (a directory) are complete for nothing, since no one file can say
// the directory is the whole tracker.
func (*Source) Coverage(p source.Parsed) source.Coverage {
	if isTar(p.Head) {
		return source.Coverage{Part: "tracker", Complete: p.GroupsWithAtLeast(CompleteMinPackages)}
	}
	return source.Coverage{Part: "tracker"}
}
