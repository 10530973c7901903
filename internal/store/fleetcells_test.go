package store_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// TestFleetCellsProperty: after random sequences of reports (new hosts,
// changed packages, OS strings, groups and sites), evaluations (hosts
// moving between targets), admin moves, regroupings, removals, purges
// and folds, the host counts per cell the dashboard reads (migration
// 0025's triggers) equal a recount of the hosts table, and the sites'
// exposure worked out from them equals one counted host by host. On
// SQLite, and on PostgreSQL with PAKITI_TEST_POSTGRES (its deltas).
func TestFleetCellsProperty(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			fleetCellsProperty(t, seed)
		})
	}
}

func fleetCellsProperty(t *testing.T, seed uint64) {
	ctx := context.Background()
	s := testdb.Open(t)
	importDSA(t, s, "testdata/DSA-list.bullseye-3.txt")
	m := match.New(s, drivers.Registry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	r := rand.New(rand.NewPCG(seed, 13))
	pkgs := []model.Package{pkgOpenSSL, pkgLibSSL, pkgGnuTLS, pkgCoreutils, pkgImage19, pkgImage20}
	sites := []string{"SITE-A", "SITE-B", "SITE-C"}
	oses := []struct{ os, group string }{{"Debian GNU/Linux 11", "debian:11"}, {"Debian GNU/Linux 11 (bullseye)", "debian:11"},
		{"Debian GNU/Linux 12", "debian:12"}}
	names := make([]string, 10)
	for i := range names {
		names[i] = fmt.Sprintf("h%02d.example.org", i)
	}
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	check := func(step int, what string) {
		t.Helper()
		got, err := s.FleetCellsForTest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.RecountFleetCellsForTest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("step %d (%s): cells differ from a recount (-recount +cells):\n%s", step, what, diff)
		}
		// The sites' exposure from the cells, and host by host.
		exp, _, err := s.Exposure(ctx, store.AllSites())
		if err != nil {
			t.Fatal(err)
		}
		gotSites := map[string][2]int{}
		for _, e := range exp {
			n := 0
			for _, v := range e.Exposed {
				n += v
			}
			gotSites[e.Site] = [2]int{e.Hosts, n}
		}
		wantSites := map[string][2]int{}
		for _, e := range exp {
			wantSites[e.Site] = [2]int{}
		}
		if _, err := s.EachHost(ctx, store.AllSites(), store.HostFilter{Now: at}, func(h model.Host) error {
			c := wantSites[h.Site]
			c[0]++
			if h.CVEs > 0 {
				c[1]++
			}
			wantSites[h.Site] = c
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantSites, gotSites); diff != "" {
			t.Fatalf("step %d (%s): sites' hosts and exposed hosts (-host by host +cells):\n%s", step, what, diff)
		}
		// A site's findings history replays hosts alike once: the same
		// as replaying each.
		for _, site := range sites {
			since := at.Add(-30 * 24 * time.Hour)
			got, err := s.FindingHistory(ctx, store.AllSites(), "", site, since, at)
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.SiteHistoryHostByHostForTest(ctx, site, since, at)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("step %d (%s): %s's history (-host by host +alike once):\n%s", step, what, site, diff)
			}
		}
		// The sites list's host counts (Sites), from the cells too.
		sl, err := s.Sites(ctx, store.AllSites())
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range sl {
			if want := wantSites[x.Name][0]; x.Hosts != want {
				t.Fatalf("step %d (%s): Sites says %s has %d hosts, host by host %d", step, what, x.Name, x.Hosts, want)
			}
		}
		// The dashboard's newly exposed hosts from their counts (migration
		// 0028's triggers), and host by host: the counts, then the
		// dashboard's numbers of all sites and of each.
		gotE, wantE, err := s.ExposureCountsForTest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantE, gotE); diff != "" {
			t.Fatalf("step %d (%s): newly exposed counts differ from a recount (-recount +counts):\n%s", step, what, diff)
		}
		// The stats' report counts per site (migration 0029's triggers).
		gotR, wantR, err := s.ReportCountsForTest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantR, gotR); diff != "" {
			t.Fatalf("step %d (%s): report counts differ from a recount (-recount +counts):\n%s", step, what, diff)
		}
		for _, site := range append([]string{""}, sites...) {
			sc := store.AllSites()
			if site != "" {
				sc = store.SitesScope(site)
			}
			d, err := s.Dashboard(ctx, sc, at)
			if err != nil {
				t.Fatal(err)
			}
			w24, w7, err := s.NewlyExposedRecountForTest(ctx, site, at)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := [2]int{d.NewlyExposed24h, d.NewlyExposed7d}, [2]int{w24, w7}; got != want {
				t.Fatalf("step %d (%s): site %q newly exposed 24h, 7d = %v from the counts, %v host by host", step, what, site, got, want)
			}
		}
	}
	for step := range 80 {
		at = at.Add(time.Minute)
		name := names[r.IntN(len(names))]
		var what string
		switch k := r.IntN(10); {
		case k < 4: // a report
			var set []model.Package
			for _, p := range pkgs {
				if r.IntN(2) == 0 {
					set = append(set, p)
				}
			}
			if len(set) == 0 {
				set = pkgs[:1]
			}
			o := oses[r.IntN(len(oses))]
			site := sites[r.IntN(len(sites))]
			in := store.Incoming{Host: model.Host{Hostname: name, Site: site, OS: o.os, OSID: "debian", OSVersionID: "11",
				Arch: "x86_64", Kernel: "5.10.0-20-amd64", Packager: "dpkg", ReporterAddr: "192.0.2.1", Protocol: 6, OSGroup: o.group},
				Packages: set, SetHash: report.PackageSetHash(set), HeaderHash: name + site + o.os, ReceivedAt: at}
			if _, err := s.SaveReport(ctx, in); err != nil {
				t.Fatal(err)
			}
			what = "report of " + name
		case k < 6:
			if _, err := m.EvaluateHosts(ctx, nil); err != nil {
				t.Fatal(err)
			}
			what = "evaluate all"
		case k == 6:
			// Not found when it is not there (or removed): nothing changes.
			s.DeleteHost(ctx, store.AllSites(), name, at)
			what = "delete " + name
		case k == 7:
			s.MoveHost(ctx, name, sites[r.IntN(len(sites))])
			what = "move " + name
		case k == 8:
			o := oses[r.IntN(len(oses))]
			if _, err := s.RegroupHosts(ctx, store.AllSites(), store.HostOS{OS: o.os, OSID: "debian", OSVersionID: "11", OSGroup: o.group},
				oses[r.IntN(len(oses))].group); err != nil {
				t.Fatal(err)
			}
			what = "regroup " + o.os
		case k == 9 && r.IntN(2) == 0:
			// A day's snapshot, hours or days after the last one: hosts
			// become newly exposed, older ones fall out of the periods.
			at = at.Add(time.Duration(r.IntN(72)) * time.Hour)
			if _, err := s.SnapshotExposure(ctx, at); err != nil {
				t.Fatal(err)
			}
			what = "snapshot"
		default:
			if r.IntN(2) == 0 {
				if err := s.PurgeHostForTest(ctx, name); err != nil {
					t.Fatal(err)
				}
				what = "purge " + name
			} else {
				if _, err := s.FoldFleetCells(ctx); err != nil {
					t.Fatal(err)
				}
				what = "fold"
			}
		}
		check(step, what)
	}
}
