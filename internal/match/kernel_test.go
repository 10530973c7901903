package match_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// DSA-5324-1 linux {13 CVEs} [bullseye] - linux 5.10.162-1
// (testdata/DSA-list.excerpt.txt, line 5 of the excerpt).
var dsa5324CVEs = []string{"CVE-2022-2873", "CVE-2022-3545", "CVE-2022-3623", "CVE-2022-36280", "CVE-2022-41218",
	"CVE-2022-45934", "CVE-2022-4696", "CVE-2022-47929", "CVE-2023-0179", "CVE-2023-0266", "CVE-2023-0394",
	"CVE-2023-23454", "CVE-2023-23455"}

// kernelHost is a bullseye host with two kernel images, as Debian
// published them: 5.10.0-18 is linux 5.10.140-1 (bullseye 11.5), 5.10.0-19
// is linux 5.10.149-2 (DSA-5257-2); signed images come from
// linux-signed-amd64 at "+N" versions. It also has the headers of the
// running kernel, built from linux itself.
var kernelHost = []model.Package{
	pkg("linux-image-5.10.0-18-amd64", "5.10.140-1", "linux-signed-amd64", "5.10.140+1"),
	pkg("linux-image-5.10.0-19-amd64", "5.10.149-2", "linux-signed-amd64", "5.10.149+2"),
	pkg("linux-headers-5.10.0-19-amd64", "5.10.149-2", "linux", "5.10.149-2"),
}

// TestRunningKernelOnly checks that only the running kernel's image counts
// (hosts.kernel is uname -r), that another installed image is listed as
// idle with what it would be exposed to, and that headers never count.
func TestRunningKernelOnly(t *testing.T) {
	f := newFixture(t)
	f.importDebian(testdata(t, "DSA-list.excerpt.txt"))
	f.report("k1.example.org", "5.10.0-19-amd64", kernelHost)

	// The running image, 5.10.149-2, is below DSA-5324-1's fix 5.10.162-1
	// only (DSA-5257-1 fixed 5.10.149-1, DSA-5257-2 5.10.149-2).
	var want []model.Finding
	for _, cve := range dsa5324CVEs {
		want = append(want, model.Finding{CVE: cve, Package: "linux-image-5.10.0-19-amd64", Version: "5.10.149-2",
			Arch: "amd64", SourcePackage: "linux", SourceVersion: "5.10.149-2", Basis: match.BasisReport, Kernel: "5.10.0-19-amd64",
			FixedVersion: "5.10.162-1", Status: store.StatusOpen, VendorStatus: model.StatusFixed, AdvisoryID: "DSA-5324-1",
			Origin: "debian-dsa", FirstSeen: t0})
	}
	sortFindings(want)
	if diff := cmp.Diff(want, f.findings("k1.example.org", true), cmpOpts...); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if h := f.host("k1.example.org"); h.CVEs != 13 || h.VulnerablePackages != 1 {
		t.Errorf("host counts %d CVEs, %d packages; want 13, 1", h.CVEs, h.VulnerablePackages)
	}
	// The idle image, 5.10.140-1, is below every fix of the excerpt:
	// DSA-5324-1 (13 CVEs), DSA-5257-1 (17) and DSA-5257-2 (no CVE: its id).
	idle, err := f.s.HostIdleKernels(f.ctx, store.AllSites(), "k1.example.org")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.IdleKernel{{Package: "linux-image-5.10.0-18-amd64", Version: "5.10.140-1", CVEs: 31}}, idle); diff != "" {
		t.Errorf("idle kernels (-want +got):\n%s", diff)
	}
	// The headers are evaluated (matched as linux) but give nothing.
	pkgs, err := f.s.HostPackages(f.ctx, store.AllSites(), "k1.example.org")
	if err != nil {
		t.Fatal(err)
	}
	var matched []model.Matched
	for _, p := range pkgs {
		if p.Matched == nil {
			t.Fatalf("%s not evaluated", p.Name)
		}
		matched = append(matched, *p.Matched)
	}
	wantMatched := []model.Matched{
		{Source: "linux", Version: "5.10.149-2", Basis: match.BasisReport},
		{Source: "linux", Version: "5.10.140-1", Basis: match.BasisReport},
		{Source: "linux", Version: "5.10.149-2", Basis: match.BasisReport},
	}
	if diff := cmp.Diff(wantMatched, matched); diff != "" {
		t.Errorf("matched sources, by package name (-want +got):\n%s", diff)
	}

	// The host reboots into 5.10.0-18 (5.10.140-1): its image now counts,
	// the other is idle. The installed 5.10.149-2 image fixes DSA-5257-1
	// (17 CVEs, fix 5.10.149-1) and DSA-5257-2 (fix 5.10.149-2, no CVE: its
	// id): those 18 are reboot-pending, counted apart; DSA-5324-1's 13
	// (fix 5.10.162-1) stay open.
	f.now = at(1)
	f.report("k1.example.org", "5.10.0-18-amd64", kernelHost)
	// DSA-5257-2 names no CVE: had it stayed open it would count as an
	// advisory finding, apart from CVEs; reboot-pending, it counts there.
	if h := f.host("k1.example.org"); h.CVEs != 13 || h.AdvisoryFindings != 0 || h.VulnerablePackages != 1 || h.RebootPending != 18 {
		t.Errorf("after reboot: host counts %d CVEs, %d advisory findings, %d packages, %d reboot-pending; want 13, 0, 1, 18",
			h.CVEs, h.AdvisoryFindings, h.VulnerablePackages, h.RebootPending)
	}
	statuses := map[string]int{}
	for _, fd := range f.findings("k1.example.org", false) {
		if fd.Package != "linux-image-5.10.0-18-amd64" {
			t.Errorf("after reboot: open finding of %s %s", fd.Package, fd.CVE)
		}
		statuses[fd.Status+" "+fd.AdvisoryID]++
	}
	wantStatuses := map[string]int{"open DSA-5324-1": 13, "reboot-pending DSA-5257-1": 17, "reboot-pending DSA-5257-2": 1}
	if diff := cmp.Diff(wantStatuses, statuses); diff != "" {
		t.Errorf("after reboot: findings by status and advisory (-want +got):\n%s", diff)
	}
	f.checkForgetEvaluations("k1.example.org")
}

// TestCheckLinesRunningKernel checks the report-only answer: the same
// verdicts, only the running kernel's lines, nothing stored.
func TestCheckLinesRunningKernel(t *testing.T) {
	f := newFixture(t)
	f.importDebian(testdata(t, "DSA-list.excerpt.txt"))
	lines, err := f.m.CheckLines(f.ctx, model.Host{OSGroup: bullseye, Kernel: "5.10.0-19-amd64"}, kernelHost, true)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, cve := range dsa5324CVEs {
		want = append(want, strings.Join([]string{"linux-image-5.10.0-19-amd64", "5.10.149-2", "amd64", cve, ""}, "\t"))
	}
	if diff := cmp.Diff(sortedStrings(want), lines); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	hosts, err := f.s.HostStates(f.ctx, nil, nil)
	if err != nil || len(hosts) != 0 {
		t.Errorf("report-only stored hosts %v (%v)", hosts, err)
	}
	// An OS group without a version scheme answers nothing.
	if lines, err := f.m.CheckLines(f.ctx, model.Host{OSGroup: "plan9:4"}, kernelHost, true); err != nil || lines != nil {
		t.Errorf("unknown OS group: %v, %v", lines, err)
	}
}
