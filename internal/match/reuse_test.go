package match_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// reuseReport is one report of a reuse scenario, evaluated by server
// (0 or 1: two servers on one database, each keeping its own targets).
type reuseReport struct {
	server       int
	host, kernel string
	pkgs         []model.Package
}

// TestReuseSetTarget checks that a host joining a package set whose
// target a server built already gets exactly the findings a rebuild gives
// (those of a fresh database given the same data, exceptions and
// reports), that the target is taken back when nothing the set's target
// is made from moved, and that it is not when it did: the data changed
// since it was built (a new import, even one that leaves the set's
// verdicts alone, dates the findings anew), a binary -> source map learned
// from a protocol-6 report re-decided the set's packages (drained by the
// other server, or re-evaluated there and still queued). What differs
// between hosts of a set (running kernel, host-scoped exceptions) is
// worked out per host either way.
//
// Hand-checked anchors (testdata/DSA-list.excerpt.txt): "DSA-5343-1
// openssl {CVE-2022-2097 CVE-2022-4304 CVE-2022-4450 CVE-2023-0215
// CVE-2023-0286} [bullseye] - openssl 1.1.1n-0+deb11u4": libssl1.1 at
// 1.1.1n-0+deb11u3 is open to CVE-2023-0286 once it is known to be built
// from openssl, and not while a protocol-5 report leaves it matched by its
// own name (no record names libssl1.1).
func TestReuseSetTarget(t *testing.T) {
	list := testdata(t, "DSA-list.excerpt.txt")
	set := append(openssl("1.1.1n-0+deb11u3"), kernelHost...)
	p5 := withoutSources(openssl("1.1.1n-0+deb11u3"))
	teacher := reuseReport{0, "teacher.example.org", "", openssl("1.1.1n-0+deb11u3")}
	cases := []struct {
		name string
		// before are the reports before the joining host's; between runs
		// after them (an import, a drain).
		before  []reuseReport
		between func(f *fixture, servers []*match.Matcher)
		join    reuseReport
		// exception, when set, is host-scoped to the joining host.
		exception string
		reused    bool
		// libssl: whether the joining host is open to CVE-2023-0286 in
		// libssl1.1 (DSA-5343-1).
		libssl bool
	}{
		{name: "same kernel", before: []reuseReport{{1, "h1.example.org", "5.10.0-19-amd64", set}},
			join: reuseReport{1, "h2.example.org", "5.10.0-19-amd64", set}, reused: true, libssl: true},
		{name: "another running kernel", before: []reuseReport{{1, "h1.example.org", "5.10.0-19-amd64", set}},
			join: reuseReport{1, "h2.example.org", "5.10.0-18-amd64", set}, reused: true, libssl: true},
		{name: "a host exception", before: []reuseReport{{1, "h1.example.org", "5.10.0-19-amd64", set}},
			join: reuseReport{1, "h2.example.org", "5.10.0-19-amd64", set}, exception: "CVE-2023-0286", reused: true, libssl: true},
		{name: "built by the other server", before: []reuseReport{{0, "h1.example.org", "5.10.0-19-amd64", set}},
			join: reuseReport{1, "h2.example.org", "5.10.0-19-amd64", set}, reused: false, libssl: true},
		{name: "data changed since", before: []reuseReport{{1, "h1.example.org", "5.10.0-19-amd64", set}},
			between: func(f *fixture, _ []*match.Matcher) {
				f.now = f.now.Add(time.Hour)
				f.importDebian(withoutEntry(t, list, "DSA-5068-1")) // chromium: not in the set
			},
			join: reuseReport{1, "h2.example.org", "5.10.0-19-amd64", set}, reused: false, libssl: true},
		{name: "map learned, drained by the other server",
			before: []reuseReport{{1, "h1.example.org", "", p5}, teacher},
			between: func(f *fixture, servers []*match.Matcher) {
				if _, err := servers[0].Drain(f.ctx); err != nil {
					t.Fatal(err)
				}
			},
			join: reuseReport{1, "h2.example.org", "", p5}, reused: false, libssl: true},
		{name: "map learned, set evaluated again by the other server, still queued",
			before: []reuseReport{{1, "h1.example.org", "", p5}, teacher, {0, "h3.example.org", "", p5}},
			join:   reuseReport{1, "h2.example.org", "", p5}, reused: false, libssl: true},
		{name: "protocol 5, nothing learned", before: []reuseReport{{1, "h1.example.org", "", p5}},
			join: reuseReport{1, "h2.example.org", "", p5}, reused: true, libssl: false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := func(f *fixture, servers []*match.Matcher, reports []reuseReport, between bool) {
				f.importDebian(list)
				if c.exception != "" {
					if _, err := f.s.PutException(f.ctx, store.Exception{CVE: c.exception, Package: "libssl1.1",
						ScopeKind: store.ScopeHost, Scope: c.join.host, Reason: "test", Author: "test", CreatedAt: f.now}); err != nil {
						t.Fatal(err)
					}
				}
				for _, r := range reports {
					f.reportTo(servers[min(r.server, len(servers)-1)], r.host, r.kernel, r.pkgs)
				}
				if between && c.between != nil {
					c.between(f, servers)
				}
			}
			inc := newFixture(t)
			servers := []*match.Matcher{inc.m, inc.matcher()}
			run(inc, servers, c.before, true)
			was := servers[c.join.server].ReusedTargets()
			inc.reportTo(servers[c.join.server], c.join.host, c.join.kernel, c.join.pkgs)
			if got := servers[c.join.server].ReusedTargets() > was; got != c.reused {
				t.Errorf("target reused: %v, want %v", got, c.reused)
			}

			// A rebuild: a fresh database, one server, the same data
			// (imported at the same times) and reports, then the joining
			// host's.
			fresh := newFixture(t)
			run(fresh, []*match.Matcher{fresh.m}, c.before, true)
			fresh.report(c.join.host, c.join.kernel, c.join.pkgs)
			hosts := []string{c.join.host}
			if diff := cmp.Diff(findingsState(fresh, hosts), findingsState(inc, hosts)); diff != "" {
				t.Errorf("the joining host's findings differ from a rebuild's (-rebuild +got):\n%s", diff)
			}
			// The data dates too: a target built before an import holds
			// the older ones.
			dates := func(f *fixture) []time.Time {
				var out []time.Time
				for _, x := range f.findings(c.join.host, false) {
					if x.DataDate != nil && !slices.ContainsFunc(out, x.DataDate.Equal) {
						out = append(out, x.DataDate.UTC())
					}
				}
				return out
			}
			if diff := cmp.Diff(dates(fresh), dates(inc)); diff != "" {
				t.Errorf("the joining host's data dates differ from a rebuild's (-rebuild +got):\n%s", diff)
			}
			open := false
			for _, x := range inc.findings(c.join.host, false) {
				open = open || (x.Package == "libssl1.1" && x.CVE == "CVE-2023-0286" && x.FixedVersion == "1.1.1n-0+deb11u4")
			}
			if open != c.libssl {
				t.Errorf("libssl1.1 CVE-2023-0286 (DSA-5343-1, fixed in 1.1.1n-0+deb11u4) listed: %v, want %v", open, c.libssl)
			}
		})
	}
}
