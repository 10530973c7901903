package redhat

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
)

// TestDriverVerdicts runs match.Verdicts with the rhel and the rebuild
// drivers on the records of match_test.go (grub2BootHole is constructed
// from RHSA-2020:3217's text, no RHEL 7 OVAL being at hand; vim7 is
// RHSA-2019:1619's real RHEL 7 branch) and real CentOS 7 versions.
func TestDriverVerdicts(t *testing.T) {
	pkg := func(name, evr, arch string) model.Package { return model.Package{Name: name, Version: evr, Arch: arch} }
	for _, tc := range []struct {
		name string
		d    match.Driver
		rec  model.Advisory
		p    model.Package
		want bool // vulnerable
	}{
		// inventory centos-7/vuls-centos7: grub2 1:2.02-0.80.el7.centos, before the fix.
		{"centos grub2 0.80", Rebuilds{}, grub2BootHole, pkg("grub2", "1:2.02-0.80.el7.centos", "x86_64"), true},
		// CESA-2020:3217: CentOS's rebuild of the fix, dist tag .el7.centos for .el7_8.
		{"centos rebuild of the fix", Rebuilds{}, grub2BootHole, pkg("grub2", "1:2.02-0.86.el7.centos", "x86_64"), false},
		// The same version read with plain rpm order (the rhel driver): the
		// false positive Pakiti 3's users reported.
		{"rpm order flags the rebuild", Driver{}, grub2BootHole, pkg("grub2", "1:2.02-0.86.el7.centos", "x86_64"), true},
		{"installed == fixed", Driver{}, grub2BootHole, pkg("grub2", "1:2.02-0.86.el7_8", "x86_64"), false},
		{"rebuild: installed == fixed", Rebuilds{}, grub2BootHole, pkg("grub2", "1:2.02-0.86.el7_8", "x86_64"), false},
		{"older only by epoch", Driver{}, grub2BootHole, pkg("grub2", "0:2.02-0.86.el7_8", "x86_64"), true},
		{"rebuild: older only by epoch", Rebuilds{}, grub2BootHole, pkg("grub2", "0:2.02-0.86.el7.centos", "x86_64"), true},
		{"rebuild: same release, older only by epoch", Rebuilds{}, grub2BootHole, pkg("grub2", "0:2.02-0.86.el7_8", "x86_64"), true},
		// inventory centos-7: vim-minimal 2:7.4.629-6.el7, newer than 2:7.4.160-6.el7_6.
		{"centos vim-minimal newer", Rebuilds{}, vim7, pkg("vim-minimal", "2:7.4.629-6.el7", "x86_64"), false},
		// inventory rhel-7/vuls-rhel73: vim-minimal 2:7.4.160-1.el7.
		{"rhel 7.3 vim-minimal older", Driver{}, vim7, pkg("vim-minimal", "2:7.4.160-1.el7", "x86_64"), true},
		// vim7's arches: a noarch build (inventory rhel-9's vim-filesystem
		// 2:8.2.2637-15.el9 is noarch) is not concerned.
		{"arch not restricted to", Driver{}, withPackage(vim7, "vim-filesystem"), pkg("vim-filesystem", "2:7.4.160-1.el7", "noarch"), false},
		{"arch restricted to", Driver{}, withPackage(vim7, "vim-filesystem"), pkg("vim-filesystem", "2:7.4.160-1.el7", "x86_64"), true},
		// tar CVE-2005-2541, RHEL 9: will not fix (unfixed state): every version.
		{"will not fix", Driver{}, tar, pkg("tar", "2:1.34-3.el9", "x86_64"), true},
		// RHEA-2020:0330 nodejs:12 on a module build of unknown stream
		// (constructed version: no inventory has nodejs), and on a plain build.
		{"module build, stream unknown", Driver{}, nodejs12, pkg("nodejs", "1:12.13.1-1.module+el8.1.0+4889+fe7b9d5f", "x86_64"), true},
		{"plain build, module record", Driver{}, nodejs12, pkg("nodejs", "1:10.19.0-1.el8", "x86_64"), false},
	} {
		k := tc.d.Key(tc.p, nil)
		vs := match.Verdicts(tc.d, k, []model.Advisory{tc.rec})
		if got := len(vs) == 1; got != tc.want {
			t.Errorf("%s: %s %s vulnerable = %v (%+v), want %v", tc.name, tc.p.Name, tc.p.Version, got, vs, tc.want)
		}
	}
}

func withPackage(a model.Advisory, name string) model.Advisory {
	a.Package = name
	return a
}

// TestDataGroups: the rebuilds read their own group, then Red Hat's of
// their RHEL major; RHEL reads its own.
func TestDataGroups(t *testing.T) {
	for _, tc := range []struct {
		d     match.Driver
		group string
		want  []string
	}{
		{Driver{}, "rhel:8", []string{"rhel:8"}},
		{Driver{}, "rhel:9.2-eus", []string{"rhel:9.2-eus"}},
		{Rebuilds{}, "centos:7", []string{"centos:7", "rhel:7"}},
		{Rebuilds{}, "centos:9", []string{"centos:9", "rhel:9"}},
		{Rebuilds{}, "scientific:6", []string{"scientific:6", "rhel:6"}},
		// RHCOS 4.2 is RHEL 8.0 based (inventory rhel-8/rhcos42-sosreport);
		// 4.13 and later are RHEL 9 based.
		{Rebuilds{}, "rhcos:4.2", []string{"rhcos:4.2", "rhel:8"}},
		{Rebuilds{}, "rhcos:4.12", []string{"rhcos:4.12", "rhel:8"}},
		{Rebuilds{}, "rhcos:4.14", []string{"rhcos:4.14", "rhel:9"}},
		{Rebuilds{}, "centos:3", []string{"centos:3"}},
		{Rebuilds{}, "rhcos:5.1", []string{"rhcos:5.1"}},
	} {
		if diff := cmp.Diff(tc.want, tc.d.DataGroups(tc.group)); diff != "" {
			t.Errorf("%s DataGroups(%s) (-want +got):\n%s", tc.d.Name(), tc.group, diff)
		}
	}
}

func TestRebuildOrder(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1:2.02-0.86.el7.centos", "1:2.02-0.86.el7_8", 0},
		{"1:2.02-0.86.el7_8", "1:2.02-0.86.el7.centos", 0},
		{"1:2.02-0.80.el7.centos", "1:2.02-0.86.el7_8", -1},
		{"1:2.02-0.87.el7.centos.6", "1:2.02-0.86.el7_8", 1},
		{"0:2.02-0.86.el7.centos", "1:2.02-0.86.el7_8", -1},
		// inventory rhel-8/rhcos42-sosreport vim-minimal against RHSA-2019:1619's fix.
		{"0:8.0.1763-11.el8_0", "2:8.0.1763-11.el8_0", -1},
	} {
		if got := RebuildOrder.Compare(tc.a, tc.b); got != tc.want {
			t.Errorf("RebuildOrder.Compare(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestOriginRank: for one CVE, OVAL's records decide before CSAF's, as
// SUSE's OVAL before its VEX. The CSAF record is RHSA-2023:6745's real
// curl fix (vex/cve-2023-38545.json); the OVAL record of the same CVE is
// constructed (no RHEL 9 OVAL file with CVE-2023-38545 is at hand) with
// the 9.2 main-stream fix RHSA-2023:5763 names (0:7.76.1-23.el9_2.4).
func TestOriginRank(t *testing.T) {
	vex := model.Advisory{Source: VEXSourceName, OSGroup: "rhel:9", Package: "curl", CVE: "CVE-2023-38545",
		FixedVersion: "0:7.76.1-26.el9_3.2", Status: model.StatusFixed, AdvisoryID: "RHSA-2023:6745"}
	oval := vex
	oval.Source, oval.FixedVersion, oval.AdvisoryID = SourceName, "0:7.76.1-23.el9_2.4", "RHSA-2023:5763"
	k := Driver{}.Key(model.Package{Name: "curl", Version: "0:7.76.1-23.el9_2.4", Arch: "x86_64"}, nil)
	// With both, OVAL's fix decides: 23.el9_2.4 is installed, no verdict.
	if got := match.Verdicts(Driver{}, k, []model.Advisory{vex, oval}); len(got) != 0 {
		t.Errorf("OVAL and CSAF: %+v, want no verdict (OVAL's fix is installed)", got)
	}
	// CSAF alone decides a CVE OVAL has no record of.
	got := match.Verdicts(Driver{}, k, []model.Advisory{vex})
	if len(got) != 1 || got[0].AdvisoryID != "RHSA-2023:6745" || got[0].Origin != VEXSourceName {
		t.Errorf("CSAF alone: %+v, want RHSA-2023:6745 from %s", got, VEXSourceName)
	}
}
