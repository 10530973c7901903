package store_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
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

// TestListHostsFastPathsMatchPlain: the hosts listing (ids first from the
// listing indexes, a CVE walked by name or by target, the sites walked
// in name order) gives, on random filters, sorts and pages, exactly the
// page and total of one plain query (ListHostsPlain). The fleet: hosts
// of three sites with random subsets of the real Debian 11 packages of
// scopeHosts, two running kernels, a few of an OS group without data
// (not evaluated), report times spread over 20 days, two removed, all
// evaluated by the real matcher against testdata/DSA-list.bullseye-3.txt.
func TestListHostsFastPathsMatchPlain(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	importDSA(t, s, "testdata/DSA-list.bullseye-3.txt")
	rng := rand.New(rand.NewPCG(11, 13))
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	pool := []model.Package{pkgOpenSSL, pkgLibSSL, pkgGnuTLS, pkgCoreutils, pkgImage19, pkgImage20}
	sites := []string{"SITE-A", "SITE-B", "SITE-C"}
	const n = 40
	var names []string
	for _, i := range rng.Perm(n) {
		name := fmt.Sprintf("h%02d.%s.example.org", i, []string{"x", "y", "z"}[i%3])
		names = append(names, name)
		var pkgs []model.Package
		for _, p := range pool {
			if rng.IntN(2) == 0 {
				pkgs = append(pkgs, p)
			}
		}
		if len(pkgs) == 0 {
			pkgs = []model.Package{pkgCoreutils}
		}
		group, version := "debian:11", "11"
		if rng.IntN(8) == 0 { // constructed: no data is loaded for Debian 12
			group, version = "debian:12", "12"
		}
		kernel := []string{"5.10.0-19-amd64", "5.10.0-20-amd64"}[rng.IntN(2)]
		site := sites[rng.IntN(len(sites))]
		in := store.Incoming{
			Host: model.Host{Hostname: name, Site: site, OS: "Debian GNU/Linux " + version, OSID: "debian", OSVersionID: version,
				Arch: "x86_64", Kernel: kernel, Packager: "dpkg", ReporterAddr: "192.0.2.1", Protocol: 6, OSGroup: group},
			Packages:   pkgs,
			SetHash:    report.PackageSetHash(pkgs),
			HeaderHash: name + site + kernel,
			ReceivedAt: at.Add(-time.Duration(rng.IntN(20*24)) * time.Hour),
		}
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	err := s.ReplaceSecurityUpdates(ctx, "dists/bullseye-security/main/binary-amd64/Packages.xz", "debian:11", []store.SecurityUpdate{
		{Name: "openssl", Arch: "amd64", Version: "1.1.1w-0+deb11u8", SourceName: "openssl", SourceVersion: "1.1.1w-0+deb11u8"},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := match.New(s, drivers.Registry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	m.Now = func() time.Time { return at }
	if _, err := m.EvaluateHosts(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range names[:2] {
		if _, err := s.DeleteHost(ctx, store.AllSites(), name, at); err != nil {
			t.Fatal(err)
		}
	}
	// Two hosts reported after the evaluation, on a set never evaluated:
	// evaluated all the same, their group having data. Constructed: a
	// coreutils build that is not Debian's, for a set of its own.
	coreutils := pkgCoreutils
	coreutils.Version = "8.32-4+b1.1"
	for i, site := range []string{"SITE-A", "SITE-C"} {
		name := fmt.Sprintf("late%d.example.org", i)
		pkgs := []model.Package{pkgOpenSSL, coreutils}
		in := store.Incoming{
			Host: model.Host{Hostname: name, Site: site, OS: "Debian GNU/Linux 11", OSID: "debian", OSVersionID: "11",
				Arch: "x86_64", Kernel: "5.10.0-20-amd64", Packager: "dpkg", ReporterAddr: "192.0.2.1", Protocol: 6, OSGroup: "debian:11"},
			Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: name, ReceivedAt: at,
		}
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}

	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	sorts := slices.Sorted(maps.Keys(store.HostSorts))
	cves := []string{dsa5343[4], dsa5349[0], dsa5324[0], "CVE-1999-0001"}
	scopes := []struct {
		name string
		sc   store.Scope
	}{{"all", store.AllSites()}, {"A", store.SitesScope("SITE-A")}, {"B+C", store.SitesScope("SITE-B", "SITE-C")}}
	iterations := 600
	if testing.Short() {
		iterations = 100
	}
	hit := map[string]int{}
	for i := range iterations {
		f := store.HostFilter{Sort: pick(append(sorts, "")...), Limit: []int{1, 2, 3, 5, 100}[rng.IntN(5)], Now: at, At: at}
		f.Offset = rng.IntN(n + 2)
		if rng.IntN(3) > 0 {
			f.Offset = rng.IntN(4)
		}
		if rng.IntN(2) == 0 {
			f.Site = pick("SITE-A", "SITE-B", "SITE-C", "SITE-X")
		}
		if rng.IntN(3) > 0 {
			f.CVE = pick(cves...)
		}
		if rng.IntN(2) == 0 { // the filters on the hosts' rows
			switch rng.IntN(9) {
			case 0:
				f.Status = pick(store.HostStatuses...)
			case 1:
				f.Severity = pick(store.HostSeverities...)
			case 2:
				f.OSGroup = pick("debian:11", "debian:12")
			case 3:
				f.Query = pick("1", "h0", "Y.EX", "%")
			case 4:
				f.Activity = store.Activity{Within: []time.Duration{24 * time.Hour, 7 * 24 * time.Hour}[rng.IntN(2)], Absent: rng.IntN(2) == 0}
			case 5:
				f.Stale = true
			case 6:
				f.DataState = pick(store.DataStateNames...)
			case 7:
				f.CVETag = store.AnyTag
			case 8:
				f.OS = "Debian GNU/Linux 12"
			}
		}
		sc := scopes[rng.IntN(len(scopes))]
		got, gotTotal, gotErr := s.ListHosts(ctx, sc.sc, f)
		if i%2 == 1 { // the hosts page's read: the sites beside, their counts the total when they can be
			var sites []store.SiteCount
			got, gotTotal, sites, gotErr = s.ListHostsAndSites(ctx, sc.sc, f)
			wantSites, err := s.Sites(ctx, sc.sc)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantSites, sites); gotErr == nil && diff != "" {
				t.Fatalf("%d: scope %s: sites (-Sites +ListHostsAndSites):\n%s", i, sc.name, diff)
			}
		}
		want, wantTotal, wantErr := s.ListHostsPlain(ctx, sc.sc, f)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("%d: scope %s, filter %+v: error %v, plain query's %v", i, sc.name, f, gotErr, wantErr)
		}
		if diff := cmp.Diff(want, got); diff != "" || gotTotal != wantTotal {
			t.Fatalf("%d: scope %s, filter %+v: total %d, plain %d; page (-plain +got):\n%s", i, sc.name, f, gotTotal, wantTotal, diff)
		}
		if len(want) > 0 {
			hit[fmt.Sprintf("cve=%v site-sort=%v", f.CVE != "", f.Sort == "site" || f.Sort == "-site")]++
		}
	}
	// The random filters reach every path with hosts to list.
	for _, k := range []string{"cve=true site-sort=false", "cve=true site-sort=true", "cve=false site-sort=true", "cve=false site-sort=false"} {
		if hit[k] == 0 {
			t.Errorf("no non-empty page of %s among %d filters", k, iterations)
		}
	}
}
