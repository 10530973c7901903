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
	"github.com/pakiti-go/pakiti/internal/report"
)

// TestIncrementalEqualsEvaluateAllManySets is the property of
// TestIncrementalEqualsEvaluateAll on a fleet where most hosts have a
// package set of their own: each report draws openssl and libssl1.1 (one
// source, each binary at its own version), chromium and the installed
// kernel images independently, so that sets differ from one another by a
// package or two, some sharing their findings (one target) and some not.
// Every version is a real one: the openssl fixes of DSA-5139-1, DSA-5169-1
// and DSA-5343-1 (1.1.1n-0+deb11u2, u3, u4) and the bullseye-security
// binaries of testdata (1.1.1w-0+deb11u8); chromium 98.0.4758.80-1~deb11u1
// (DSA-5068-1's fix) and 90.0.4430.212-1 (the bullseye repository's,
// vunnel_debian.json); the kernel images of kernelHost. Data updates drop
// random whole entries of the real DSA list excerpt (constructed
// sequences of real lists).
func TestIncrementalEqualsEvaluateAllManySets(t *testing.T) {
	list := testdata(t, "DSA-list.excerpt.txt")
	entries := []string{"DSA-5343-1", "DSA-5324-1", "DSA-5257-1", "DSA-5257-2", "DSA-5169-1", "DSA-5139-1", "DSA-5068-1"}
	opensslVersions := []string{"", "1.1.1n-0+deb11u2", "1.1.1n-0+deb11u3", "1.1.1n-0+deb11u4", "1.1.1w-0+deb11u8"}
	chromiumVersions := []string{"", "90.0.4430.212-1", "98.0.4758.80-1~deb11u1"}
	var hostNames []string
	for i := range 12 {
		hostNames = append(hostNames, fmt.Sprintf("h%02d.example.org", i))
	}
	type rep struct {
		kernel string
		pkgs   []model.Package
	}
	draw := func(rng *rand.Rand) rep {
		var pkgs []model.Package
		for _, name := range []string{"openssl", "libssl1.1"} {
			if v := opensslVersions[rng.IntN(len(opensslVersions))]; v != "" {
				pkgs = append(pkgs, pkg(name, v, "openssl", v))
			}
		}
		if v := chromiumVersions[rng.IntN(len(chromiumVersions))]; v != "" {
			pkgs = append(pkgs, pkg("chromium", v, "chromium", v))
		}
		// One or both kernel images; the running one among them.
		images := kernelHost[:2]
		switch rng.IntN(3) {
		case 0:
			images = kernelHost[:1]
		case 1:
			images = kernelHost[1:2]
		}
		pkgs = append(pkgs, images...)
		pkgs = append(pkgs, kernelHost[2])
		running := strings.TrimPrefix(images[rng.IntN(len(images))].Name, "linux-image-")
		return rep{kernel: running, pkgs: pkgs}
	}
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 31))
			inc := newFixture(t)
			data := list
			inc.importDebian(data)
			last := map[string]rep{}
			var trace []string
			for step := range 40 {
				inc.now = t0.Add(time.Duration(step) * time.Hour)
				switch op := rng.IntN(10); {
				case op < 6 || len(last) < len(hostNames)/2: // a report, new or changed
					h := hostNames[rng.IntN(len(hostNames))]
					r := draw(rng)
					inc.report(h, r.kernel, r.pkgs)
					last[h] = r
					trace = append(trace, fmt.Sprintf("report %s %s %d", h, r.kernel, len(r.pkgs)))
				case op < 8: // a re-send
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
			sets := map[string]bool{}
			for h, r := range last {
				reported = append(reported, h)
				sets[report.PackageSetHash(report.SortPackages(append([]model.Package(nil), r.pkgs...)))] = true
			}
			sort.Strings(reported)
			// The property is about many distinct sets: the draw must give them.
			if len(sets) < len(reported)/2 {
				t.Fatalf("%d distinct sets for %d hosts: the draw gives too few", len(sets), len(reported))
			}
			got := findingsState(inc, reported)

			if err := inc.s.ForgetEvaluations(inc.ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := inc.m.EvaluateHosts(inc.ctx, nil); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, findingsState(inc, reported)); diff != "" {
				t.Errorf("evaluate --all differs from the incremental path after %v (-incremental +all):\n%s", trace, diff)
			}

			fresh := newFixture(t)
			fresh.importDebian(data)
			for _, h := range reported {
				fresh.report(h, last[h].kernel, last[h].pkgs)
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
