package match_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
)

// borrower is a driver whose "rebuild" groups read Debian's data of the
// same release, as centos:7 reads rhel:7: the rule is constructed for the
// test (no shipped driver borrows yet), the records are real.
type borrower struct{ debian.Driver }

func (borrower) Name() string      { return "rebuild" }
func (borrower) Distros() []string { return []string{"rebuild"} }
func (borrower) DataGroups(group string) []string {
	return []string{"debian:" + group[len("rebuild:"):]}
}

// TestBorrowedDataGroup checks the contract's data groups end to end: a
// host of a group that borrows debian:11's records is evaluated against
// them, every finding names the borrowed group, and an import that
// changes debian:11's openssl records re-evaluates the borrowing host.
func TestBorrowedDataGroup(t *testing.T) {
	f := newFixture(t)
	f.m.Drivers = match.NewRegistry(debian.Driver{}, borrower{})
	list := testdata(t, "DSA-list.excerpt.txt")
	f.importDebian(list)

	pkgs := report.SortPackages(openssl("1.1.1n-0+deb11u3"))
	in := store.Incoming{
		Host: model.Host{Hostname: "r1.example.org", Site: "SITE-A", OS: "Rebuild 11", Arch: "x86_64",
			Packager: "dpkg", Protocol: 6, OSGroup: "rebuild:11"},
		Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: "header-r1", ReceivedAt: f.now,
	}
	if _, err := f.s.SaveReport(f.ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := f.m.AfterReport(f.ctx, "r1.example.org", "rebuild:11", pkgs); err != nil {
		t.Fatal(err)
	}
	// DSA-5343-1 [bullseye] - openssl 1.1.1n-0+deb11u4, read through debian:11.
	want := dsa5343Findings(match.BasisReport, at(0), nil, false)
	for i := range want {
		want[i].DataGroup = bullseye
	}
	if diff := cmp.Diff(want, f.findings("r1.example.org", true), cmpOpts...); diff != "" {
		t.Errorf("borrowed findings (-want +got):\n%s", diff)
	}

	// The debian:11 records change (constructed: the excerpt without
	// DSA-5343-1): the borrowing group's evaluations are invalidated too.
	f.now = at(1)
	f.importDebian(withoutEntry(t, list, "DSA-5343-1"))
	if fs := f.findings("r1.example.org", false); len(fs) != 0 {
		t.Errorf("after the records changed, %d open findings, want 0: %v", len(fs), fs)
	}
}

// TestBorrowedDataFirstImport: a host of a borrowing group that reported
// before any data was imported is evaluated by the first import of the
// data it borrows (it has no evaluation of its own group to be found by).
func TestBorrowedDataFirstImport(t *testing.T) {
	f := newFixture(t)
	f.m.Drivers = match.NewRegistry(debian.Driver{}, borrower{})
	pkgs := report.SortPackages(openssl("1.1.1n-0+deb11u3"))
	in := store.Incoming{
		Host: model.Host{Hostname: "r1.example.org", Site: "SITE-A", OS: "Rebuild 11", Arch: "x86_64",
			Packager: "dpkg", Protocol: 6, OSGroup: "rebuild:11"},
		Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: "header-r1", ReceivedAt: f.now,
	}
	if _, err := f.s.SaveReport(f.ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := f.m.AfterReport(f.ctx, "r1.example.org", "rebuild:11", pkgs); err != nil {
		t.Fatal(err)
	}
	if fs := f.findings("r1.example.org", false); len(fs) != 0 {
		t.Fatalf("before any data: %d findings", len(fs))
	}
	f.importDebian(testdata(t, "DSA-list.excerpt.txt"))
	// DSA-5343-1 [bullseye] - openssl 1.1.1n-0+deb11u4, read through debian:11.
	want := dsa5343Findings(match.BasisReport, at(0), nil, false)
	for i := range want {
		want[i].DataGroup = bullseye
	}
	if diff := cmp.Diff(want, f.findings("r1.example.org", true), cmpOpts...); diff != "" {
		t.Errorf("after the first import (-want +got):\n%s", diff)
	}
	// rebuild:11 has no data of its own: the host is evaluated by its
	// borrowed data, and says so.
	h, err := f.s.Host(f.ctx, store.AllSites(), "r1.example.org")
	// DSA-5343-1's five CVEs, on libssl1.1 and openssl.
	if err != nil || !h.Evaluated || h.CVEs != 5 {
		t.Errorf("host after the first import: evaluated %v, %d CVEs (%v); want evaluated, 5", h.Evaluated, h.CVEs, err)
	}
}
