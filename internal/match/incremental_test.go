package match_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestIncrementalEqualsEvaluateAll is the property of set-level
// incremental evaluation: after any sequence of reports (new, changed,
// re-sent, rebooted into another kernel), data updates (the real DSA list
// excerpt with some of its real entries left out, then restored) and
// re-sends, the findings the incremental path leaves (per host: package,
// CVE, status, fix, advisory, open or resolved) are exactly those of
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
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			inc := newFixture(t)
			data := list
			inc.importDebian(data)
			type rep struct {
				kernel string
				pkgs   []model.Package
			}
			last := map[string]rep{}
			var trace []string
			for step := range 25 {
				inc.now = t0.Add(time.Duration(step) * time.Hour)
				switch op := rng.IntN(10); {
				case op < 5: // a report, new or changed
					h := hostNames[rng.IntN(len(hostNames))]
					r := rep{kernel: kernels[rng.IntN(len(kernels))],
						pkgs: append(openssl(opensslVersions[rng.IntN(len(opensslVersions))]), kernelHost...)}
					if rng.IntN(3) == 0 {
						r.pkgs = kernelHost // openssl removed
					}
					inc.report(h, r.kernel, r.pkgs)
					last[h] = r
					trace = append(trace, fmt.Sprintf("report %s %s %d", h, r.kernel, len(r.pkgs)))
				case op < 7 && len(last) > 0: // a re-send
					for h, r := range last {
						inc.report(h, r.kernel, r.pkgs)
						trace = append(trace, "resend "+h)
						break
					}
				default: // a data update: the list without some of its entries
					var left []string
					data, left = dropSomeEntries(t, rng, list, entries)
					inc.importDebian(data)
					trace = append(trace, "import without "+strings.Join(left, ","))
				}
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
			for h, r := range last {
				fresh.report(h, r.kernel, r.pkgs)
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
