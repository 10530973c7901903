package match_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// DSA-5343-1 openssl {CVE-2022-2097 CVE-2022-4304 CVE-2022-4450 CVE-2023-0215 CVE-2023-0286}
// [bullseye] - openssl 1.1.1n-0+deb11u4 (testdata/DSA-list.excerpt.txt).
var dsa5343CVEs = []string{"CVE-2022-2097", "CVE-2022-4304", "CVE-2022-4450", "CVE-2023-0215", "CVE-2023-0286"}

// openssl returns the two packages of the openssl source a bullseye host
// has, at version, as a protocol-6 report gives them. 1.1.1n-0+deb11u3 is
// what the real bullseye host of
// shared/data/inventories/debian-11/viking-db runs; 1.1.1n-0+deb11u4 is
// the DSA-5343-1 fix.
func openssl(version string) []model.Package {
	return []model.Package{
		pkg("libssl1.1", version, "openssl", version),
		pkg("openssl", version, "openssl", version),
	}
}

// dsa5343Findings are the findings DSA-5343-1 gives a host with openssl(version)
// installed at 1.1.1n-0+deb11u3 (below the 1.1.1n-0+deb11u4 fix; DSA-5169-1's
// fix is 1.1.1n-0+deb11u3 itself and DSA-5139-1's older, so they give none).
// withdrawn: the record is gone, so the finding resolved as data-changed,
// keeping the facts that decided it.
func dsa5343Findings(basis string, first time.Time, resolved *time.Time, withdrawn bool) []model.Finding {
	var out []model.Finding
	for _, name := range []string{"libssl1.1", "openssl"} {
		for _, cve := range dsa5343CVEs {
			f := model.Finding{CVE: cve, Package: name, Version: "1.1.1n-0+deb11u3", Arch: "amd64",
				SourcePackage: "openssl", SourceVersion: "1.1.1n-0+deb11u3", Basis: basis,
				FixedVersion: "1.1.1n-0+deb11u4", Status: store.StatusOpen, VendorStatus: model.StatusFixed,
				AdvisoryID: "DSA-5343-1", Origin: "debian-dsa", FirstSeen: first, ResolvedAt: resolved}
			switch {
			case resolved != nil && withdrawn:
				f.Status, f.Resolution = store.StatusResolved, store.ResolvedDataChanged
			case resolved != nil:
				f.Status, f.Resolution = store.StatusResolved, store.ResolvedPackageUpdated
			}
			out = append(out, f)
		}
	}
	return out
}

func at(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }

func ptr(t time.Time) *time.Time { return &t }

// TestFindingLifecycle follows one host through the life of its findings:
// fixed, vulnerable, fixed again, vulnerable again, the advisory withdrawn
// and restored. A resolved finding says why (package-updated,
// data-changed) and keeps its facts.
func TestFindingLifecycle(t *testing.T) {
	f := newFixture(t)
	list := testdata(t, "DSA-list.excerpt.txt")
	f.importDebian(list)

	steps := []struct {
		name string
		do   func()
		open []model.Finding // open findings after the step
		all  []model.Finding // with history
		cves int             // the host's count
	}{
		{"reports the fixed version", func() { f.report("h1.example.org", "5.10.0-19-amd64", openssl("1.1.1n-0+deb11u4")) },
			nil, nil, 0},
		{"changed set: the vulnerable version", func() { f.report("h1.example.org", "5.10.0-19-amd64", openssl("1.1.1n-0+deb11u3")) },
			dsa5343Findings(match.BasisReport, at(1), nil, false), dsa5343Findings(match.BasisReport, at(1), nil, false), 5},
		{"the fixed version again: resolved", func() { f.report("h1.example.org", "5.10.0-19-amd64", openssl("1.1.1n-0+deb11u4")) },
			nil, dsa5343Findings(match.BasisReport, at(1), ptr(at(2)), false), 0},
		{"back to the vulnerable version: re-opened", func() { f.report("h1.example.org", "5.10.0-19-amd64", openssl("1.1.1n-0+deb11u3")) },
			dsa5343Findings(match.BasisReport, at(1), nil, false), dsa5343Findings(match.BasisReport, at(1), nil, false), 5},
		{"an import withdraws DSA-5343-1: resolved", func() {
			// constructed: the real list never dropped DSA-5343-1; this
			// import is the real excerpt without that entry.
			got := f.importDebian(withoutEntry(t, list, "DSA-5343-1"))
			if diff := cmp.Diff([]store.AdvisoryKey{{OSGroup: bullseye, Package: "openssl"}}, got); diff != "" {
				t.Errorf("changed keys (-want +got):\n%s", diff)
			}
		}, nil, dsa5343Findings(match.BasisReport, at(1), ptr(at(4)), true), 0},
		{"the advisory restored: re-opened", func() { f.importDebian(list) },
			dsa5343Findings(match.BasisReport, at(1), nil, false), dsa5343Findings(match.BasisReport, at(1), nil, false), 5},
	}
	for i, st := range steps {
		f.now = at(i)
		st.do()
		if diff := cmp.Diff(st.open, f.findings("h1.example.org", false), cmpOpts...); diff != "" {
			t.Errorf("%s: open findings (-want +got):\n%s", st.name, diff)
		}
		if diff := cmp.Diff(st.all, f.findings("h1.example.org", true), cmpOpts...); diff != "" {
			t.Errorf("%s: findings with history (-want +got):\n%s", st.name, diff)
		}
		if h := f.host("h1.example.org"); h.CVEs != st.cves || h.VulnerablePackages != min(st.cves, 2) {
			t.Errorf("%s: host counts %d CVEs, %d packages; want %d, %d", st.name, h.CVEs, h.VulnerablePackages, st.cves, min(st.cves, 2))
		}
	}
	f.checkForgetEvaluations("h1.example.org")
}

// cmpOpts compare times as instants and nil as empty.
// The data date (the import's start) is checked by TestFindingFacts.
var cmpOpts = []cmp.Option{cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }), cmpopts.EquateEmpty(),
	cmpopts.IgnoreFields(model.Finding{}, "DataDate")}

// checkForgetEvaluations checks that `pakiti evaluate --all`
// (ForgetEvaluations, then EvaluateHosts of every host) gives exactly the
// findings, counts and matched sources the incremental path gave.
func (f *fixture) checkForgetEvaluations(hosts ...string) {
	t := f.t
	t.Helper()
	type state struct {
		Host     model.Host
		Findings []model.Finding
		Packages []model.Package
		Idle     []store.IdleKernel
	}
	snapshot := func() map[string]state {
		out := map[string]state{}
		for _, h := range hosts {
			pkgs, err := f.s.HostPackages(f.ctx, store.AllSites(), h)
			if err != nil {
				t.Fatal(err)
			}
			idle, err := f.s.HostIdleKernels(f.ctx, store.AllSites(), h)
			if err != nil {
				t.Fatal(err)
			}
			out[h] = state{f.host(h), f.findings(h, true), pkgs, idle}
		}
		return out
	}
	before := snapshot()
	if err := f.s.ForgetEvaluations(f.ctx); err != nil {
		t.Fatal(err)
	}
	// Forgotten: no package shows what it was matched as.
	for _, h := range hosts {
		pkgs, err := f.s.HostPackages(f.ctx, store.AllSites(), h)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkgs {
			if p.Matched != nil {
				t.Errorf("after ForgetEvaluations %s %s %s is still matched as %+v", h, p.Name, p.Version, *p.Matched)
			}
		}
	}
	f.now = f.now.Add(time.Hour)
	n, err := f.m.EvaluateHosts(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(hosts) {
		t.Errorf("EvaluateHosts(all) evaluated %d hosts, want %d", n, len(hosts))
	}
	if diff := cmp.Diff(before, snapshot(), cmpOpts...); diff != "" {
		t.Errorf("evaluate --all differs from the incremental path (-incremental +all):\n%s", diff)
	}
}
