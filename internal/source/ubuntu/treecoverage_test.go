package ubuntu

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTreeCoverage: the tracker's CVE files given one by one are complete
// for a release when active/ files are among them and they name
// CompleteMinPackages packages of it together (the package counts are
// constructed: the rule, not a parser, is under test; the 2020
// snapshot's active/ folder alone names 1,787 bionic packages).
func TestTreeCoverage(t *testing.T) {
	enough := map[string]int{"ubuntu:18.04": CompleteMinPackages, "ubuntu:20.04": CompleteMinPackages - 1}
	for _, c := range []struct {
		name      string
		part      string
		locations []string
		packages  map[string]int
		want      []string
	}{
		{"the tree", "tracker", []string{"/t/active/CVE-2019-3462", "/t/retired/CVE-2018-0501"}, enough, []string{"ubuntu:18.04"}},
		{"active/ alone", "tracker", []string{"uct/active/CVE-2019-3462"}, enough, []string{"ubuntu:18.04"}},
		{"with an OS-group prefix", "tracker", []string{"ubuntu:18.04=/t/active/CVE-2019-3462"}, enough, []string{"ubuntu:18.04"}},
		{"retired/ alone", "tracker", []string{"/t/retired/CVE-2018-0501", "/t/ignored/CVE-2005-0406"}, enough, nil},
		{"a folder named active, no CVE file", "tracker", []string{"/t/active/README"}, enough, nil},
		{"too few packages", "tracker", []string{"/t/active/CVE-2019-3462"}, map[string]int{"ubuntu:18.04": 14}, nil},
		{"OSV records", "osv", []string{"/o/active/CVE-2019-3462"}, enough, nil},
	} {
		got := (&Source{}).TreeCoverage(c.part, c.locations, c.packages)
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}
