package ubuntu

import (
	"path"
	"path/filepath"
	"strings"

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
// of CompleteMinPackages source packages or more. A CVE file alone is
// complete for nothing; the CVE files of a directory are complete
// together as the tarball is, when they hold the tracker's active/ tree
// (TreeCoverage).
//
// Ubuntu's OSV records fill part "osv", beside the tracker's: importing
// one keeps the other. A zip or tar of them is complete, by the same
// rule, for the releases it names enough packages of; records given file
// by file are complete for nothing. When both parts hold records of one
// release, nothing is counted twice: they share origins (ubuntu-tracker,
// ubuntu-esm-infra...), and the matcher decides one verdict per package
// and CVE from the records of its best origin, the latest fix among them
// winning (a newer OSV export's fix over an older snapshot's, a fix over
// "needed").
//
// The housekeeping files (a README or PROVENANCE.tsv beside OSV records,
// the tracker's Makefiles and 00boilerplate files) fill part
// "housekeeping", empty: it never replaces the tracker's or the OSV
// records' part, and a directory's 90 of them are one part, not 90.
func (*Source) Coverage(p source.Parsed) source.Coverage {
	if housekeeping(path.Base(p.Name)) {
		return source.Coverage{Part: "housekeeping"}
	}
	if isOSVDocument(p.Head) || (isTar(p.Head) && osvTar(p.Head)) {
		if isTar(p.Head) || strings.HasPrefix(string(p.Head), "PK") {
			return source.Coverage{Part: "osv", Complete: p.GroupsWithAtLeast(CompleteMinPackages)}
		}
		return source.Coverage{Part: "osv"}
	}
	if isTar(p.Head) {
		return source.Coverage{Part: "tracker", Complete: p.GroupsWithAtLeast(CompleteMinPackages)}
	}
	return source.Coverage{Part: "tracker"}
}

// osvTar tells a tarball of OSV records from the tracker's by its first
// member: a .json file or a folder named osv.
func osvTar(head []byte) bool {
	name, _, _ := strings.Cut(string(head[:100]), "\x00")
	return strings.HasSuffix(name, ".json") || strings.HasPrefix(name, "osv/") || strings.Contains(name, "/osv/")
}

// TreeCoverage: the tracker's CVE files given one by one are complete
// for a release when they are the tracker's tree: files of its active/
// folder (where every CVE still open for a supported release lives, the
// tracker's own definition of its current data) among them, and, as for
// the tarball, records of CompleteMinPackages source packages or more of
// that release together. A folder of a few files, or retired/ alone,
// covers nothing.
func (*Source) TreeCoverage(part string, locations []string, packages map[string]int) []string {
	if part != "tracker" {
		return nil
	}
	active := false
	for _, l := range locations {
		if _, l = source.SplitGroup(l); path.Base(path.Dir(filepath.ToSlash(l))) == "active" && isCVEName(path.Base(filepath.ToSlash(l))) {
			active = true
			break
		}
	}
	if !active {
		return nil
	}
	return source.Parsed{Packages: packages}.GroupsWithAtLeast(CompleteMinPackages)
}

// isCVEName tells a tracker CVE file by its name (CVE-2019-3462).
func isCVEName(name string) bool { return strings.HasPrefix(name, "CVE-") }
