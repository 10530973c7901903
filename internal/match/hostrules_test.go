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

// factRule is Debian's driver with a host rule constructed for the test
// (no shipped driver reads a fact for Debian): on a host that states
// pro: X, a finding of advisory X is dropped and every other one says
// the host's services in its basis. The records are real.
type factRule struct{ debian.Driver }

func (factRule) HostFacts() []string { return []string{store.FactPro} }

func (factRule) AdjustFinding(f *store.TargetFinding, facts map[string]string) bool {
	pro, ok := facts[store.FactPro]
	if !ok {
		return true
	}
	if pro == f.Facts.AdvisoryID {
		return false
	}
	f.Facts.Basis += "; pro " + pro
	return true
}

// TestHostRuleFacts: hosts on one package set share its target, but a
// driver's host rule makes their findings differ by the facts they state;
// a host whose facts change is written again (its target key names
// them), and one that states none keeps the set's findings.
func TestHostRuleFacts(t *testing.T) {
	f := newFixture(t)
	f.m.Drivers = match.NewRegistry(factRule{})
	f.importDebian(testdata(t, "DSA-list.excerpt.txt"))
	pkgs := report.SortPackages(openssl("1.1.1n-0+deb11u3"))
	save := func(host, pro string) {
		t.Helper()
		in := store.Incoming{
			Host: model.Host{Hostname: host, Site: "SITE-A", OS: "Debian GNU/Linux 11 (bullseye)", Arch: "x86_64",
				Packager: "dpkg", Protocol: 6, OSGroup: bullseye},
			Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: "header-" + host + pro, ReceivedAt: f.now,
		}
		if pro != "" {
			in.Pro = store.HostPro{Known: true, Services: []string{pro}}
		}
		if _, err := f.s.SaveReport(f.ctx, in); err != nil {
			t.Fatal(err)
		}
		if err := f.m.AfterReport(f.ctx, host, bullseye, pkgs); err != nil {
			t.Fatal(err)
		}
	}
	save("plain.example.org", "")
	save("other.example.org", "esm-infra")
	save("drop.example.org", "DSA-5343-1")
	// DSA-5343-1 [bullseye] - openssl 1.1.1n-0+deb11u4: libssl1.1 and
	// openssl 1.1.1n-0+deb11u3 below it.
	plain := dsa5343Findings(match.BasisReport, at(0), nil, false)
	other := dsa5343Findings(match.BasisReport+"; pro esm-infra", at(0), nil, false)
	for host, want := range map[string][]model.Finding{
		"plain.example.org": plain,
		"other.example.org": other,
		"drop.example.org":  nil,
	} {
		if diff := cmp.Diff(want, f.findings(host, false), cmpOpts...); diff != "" {
			t.Errorf("%s (-want +got):\n%s", host, diff)
		}
	}
	// All hosts at once (one target, one pass): the same.
	if _, err := f.m.EvaluateHosts(f.ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(f.findings("drop.example.org", false)); n != 0 {
		t.Errorf("drop.example.org after EvaluateHosts: %d findings, want 0", n)
	}
	if diff := cmp.Diff(other, f.findings("other.example.org", false), cmpOpts...); diff != "" {
		t.Errorf("other.example.org after EvaluateHosts (-want +got):\n%s", diff)
	}
	// The dropping host's facts change: its findings come back.
	f.now = at(1)
	save("drop.example.org", "esm-infra")
	if diff := cmp.Diff(dsa5343Findings(match.BasisReport+"; pro esm-infra", at(1), nil, false),
		f.findings("drop.example.org", false), cmpOpts...); diff != "" {
		t.Errorf("drop.example.org after its facts changed (-want +got):\n%s", diff)
	}
}
