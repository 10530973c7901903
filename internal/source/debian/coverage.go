package debian

import (
	"bufio"
	"bytes"

	"github.com/pakiti-go/pakiti/internal/source"
)

// CompleteMinPackages is how many source packages the tracker JSON must
// give records of for a release before it counts as that release's whole
// data. The tracker's export names every source package with a CVE in
// any release it supports (thousands for each); an excerpt of it (a test
// fixture, a hand-made subset) names a few and covers nothing completely.
const CompleteMinPackages = 500

// Coverage says which part of the tracker's data a document is and what
// it covers completely:
//
//	tracker JSON   part "tracker-json", complete for each release it gives
//	               records of CompleteMinPackages source packages or more
//	DSA list       part "dsa-list", complete for nothing: it says what an
//	               advisory fixed, not what is still open
//	DLA list       part "dla-list", complete for nothing (same)
//	CVE list       part "cve-list", complete for nothing: it has a line for
//	               a release only where the tracker could not work the
//	               status out by itself
//
// So importing the DSA list keeps what the DLA list loaded, and a newer
// DSA list replaces the older one.
func (*Source) Coverage(p source.Parsed) source.Coverage {
	kind, err := sniff(bufio.NewReader(bytes.NewReader(p.Head)))
	if err != nil {
		return source.Coverage{}
	}
	switch kind {
	case "json":
		return source.Coverage{Part: TrackerPart, Complete: p.GroupsWithAtLeast(CompleteMinPackages)}
	case "DSA":
		return source.Coverage{Part: "dsa-list"}
	case "DLA":
		return source.Coverage{Part: "dla-list"}
	case "CVE":
		return source.Coverage{Part: "cve-list"}
	}
	return source.Coverage{}
}
