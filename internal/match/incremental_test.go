package match_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestIncrementalEqualsEvaluateAll is the property of set-level
// incremental evaluation: after any sequence of reports (new, changed,
// re-sent, rebooted into another kernel, protocol 5 or 6), new hosts
// joining a package set other hosts have (whose evaluation reuses the
// set's target: reuse.go), data updates (the real DSA list excerpt with
// some of its real entries left out, then restored), binary -> source
// maps learned from protocol-6 reports (which queue the protocol-5 sets
// they map without changing the data generation) and drains of the
// evaluation queue, with the reports evaluated by either of two servers
// on the same database (each keeps the targets it built), the findings
// the incremental path leaves (per host: package, CVE, status, fix,
// advisory, open or resolved) are exactly those of
//
//   - pakiti evaluate --all on the same database (every verdict forgotten,
//     every host's findings key cleared so nothing is skipped), and
//   - a fresh database that gets only the final data and the final report
//     of each host.
//
// The data are real records (testdata/DSA-list.excerpt.txt); which entries
// are absent at a step is chosen at random (constructed sequences of real
// lists).
func TestIncrementalEqualsEvaluateAll(t *testing.T) {
	list := testdata(t, "DSA-list.excerpt.txt")
	entries := []string{"DSA-5343-1", "DSA-5324-1", "DSA-5257-1", "DSA-5257-2", "DSA-5169-1"}
	hostNames := []string{"a.example.org", "b.example.org", "c.example.org", "d.example.org"}
	opensslVersions := []string{"1.1.1n-0+deb11u2", "1.1.1n-0+deb11u3", "1.1.1n-0+deb11u4"}
	kernels := []string{"5.10.0-18-amd64", "5.10.0-19-amd64"}
	for seed := uint64(1); seed <= 10; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			inc := newFixture(t)
			servers := []*match.Matcher{inc.m, inc.matcher()}
			data := list
			inc.importDebian(data)
			type rep struct {
				kernel string
				pkgs   []model.Package
			}
			last := map[string]rep{}
			var trace []string
			for step := range 30 {
				inc.now = t0.Add(time.Duration(step) * time.Hour)
				srv := rng.IntN(len(servers))
				switch op := rng.IntN(14); {
				case op < 5: // a report, new or changed
					h := hostNames[rng.IntN(len(hostNames))]
					r := rep{kernel: kernels[rng.IntN(len(kernels))],
						pkgs: append(openssl(opensslVersions[rng.IntN(len(opensslVersions))]), kernelHost...)}
					if rng.IntN(3) == 0 {
						r.pkgs = kernelHost // openssl removed
					}
					if rng.IntN(3) == 0 {
						r.pkgs = withoutSources(r.pkgs) // protocol 5
					}
					inc.reportTo(servers[srv], h, r.kernel, r.pkgs)
					last[h] = r
					trace = append(trace, fmt.Sprintf("report %s %s %d (server %d)", h, r.kernel, len(r.pkgs), srv))
				case op < 7 && len(last) > 0: // a re-send
					h := slices.Sorted(maps.Keys(last))[rng.IntN(len(last))]
					inc.reportTo(servers[srv], h, last[h].kernel, last[h].pkgs)
					trace = append(trace, fmt.Sprintf("resend %s (server %d)", h, srv))
				case op < 10 && len(last) > 0: // a new host on another's set, its own kernel
					of := slices.Sorted(maps.Keys(last))[rng.IntN(len(last))]
					h := fmt.Sprintf("joined%d.example.org", step)
					r := rep{kernel: kernels[rng.IntN(len(kernels))], pkgs: last[of].pkgs}
					inc.reportTo(servers[srv], h, r.kernel, r.pkgs)
					last[h] = r
					trace = append(trace, fmt.Sprintf("join %s on the set of %s, %s (server %d)", h, of, r.kernel, srv))
				case op < 11: // the evaluation job
					if _, err := servers[srv].Drain(inc.ctx); err != nil {
						t.Fatal(err)
					}
					trace = append(trace, fmt.Sprintf("drain (server %d)", srv))
				default: // a data update: the list without some of its entries
					var left []string
					data, left = dropSomeEntries(t, rng, list, entries)
					inc.importDebian(data)
					trace = append(trace, "import without "+strings.Join(left, ","))
				}
			}
			// The evaluation job catches up with the maps learned last.
			if _, err := inc.m.Drain(inc.ctx); err != nil {
				t.Fatal(err)
			}
			var reported []string
			for h := range last {
				reported = append(reported, h)
			}
			sort.Strings(reported)
			got := findingsState(inc, reported)

			// evaluate --all, nothing skipped
			if err := inc.s.ForgetEvaluations(inc.ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := inc.m.EvaluateHosts(inc.ctx, nil); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, findingsState(inc, reported)); diff != "" {
				t.Errorf("evaluate --all differs from the incremental path after %v (-incremental +all):\n%s", trace, diff)
			}

			// a fresh database with the final data and reports
			fresh := newFixture(t)
			fresh.importDebian(data)
			for _, h := range slices.Sorted(maps.Keys(last)) {
				fresh.report(h, last[h].kernel, last[h].pkgs)
			}
			if _, err := fresh.m.Drain(fresh.ctx); err != nil {
				t.Fatal(err)
			}
			open := func(s map[string][]string) map[string][]string {
				out := map[string][]string{}
				for h, fs := range s {
					for _, f := range fs {
						if !strings.Contains(f, " resolved") {
							out[h] = append(out[h], f)
						}
					}
				}
				return out
			}
			if diff := cmp.Diff(open(got), open(findingsState(fresh, reported))); diff != "" {
				t.Errorf("open findings differ from a fresh evaluation after %v (-incremental +fresh):\n%s", trace, diff)
			}
		})
	}
}

// findingsState lists each host's findings (with history) as text, and its
// counters.
func findingsState(f *fixture, hosts []string) map[string][]string {
	out := map[string][]string{}
	for _, h := range hosts {
		fs, err := f.s.HostFindings(f.ctx, store.AllSites(), h, true)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, x := range fs {
			out[h] = append(out[h], strings.Join([]string{x.Package, x.Version, x.CVE, x.Status, x.FixedVersion, x.AdvisoryID,
				x.Resolution}, " "))
		}
		sort.Strings(out[h])
		host := f.host(h)
		out[h] = append(out[h], fmt.Sprintf("counts cves=%d packages=%d reboot=%d", host.CVEs, host.VulnerablePackages, host.RebootPending))
	}
	return out
}

// withoutSources returns pkgs as a protocol-5 report lists them: no
// source name or version.
func withoutSources(pkgs []model.Package) []model.Package {
	out := make([]model.Package, len(pkgs))
	for i, p := range pkgs {
		p.SourceName, p.SourceVersion = "", ""
		out[i] = p
	}
	return out
}
