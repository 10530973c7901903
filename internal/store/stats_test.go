package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// TestStatsFollowWrites: the stats never show a count older than the
// last write: after an import (the CVE count, kept per data generation),
// a report, a re-sent one, a move and a deletion (the report counts the
// triggers keep), each number equals a recount, of all sites and of one.
func TestStatsFollowWrites(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	// The first n records of a real DSA list (all of it: n < 0), as the
	// import in force.
	load := func(n int) {
		t.Helper()
		f, err := os.Open("testdata/DSA-list.bullseye-3.txt")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		at = at.Add(time.Minute)
		_, err = s.ReplaceAdvisories(ctx, store.ImportRun{Source: "debian", StartedAt: at}, func(add func(model.Advisory) error) error {
			k := 0
			_, err := debian.ParseAdvisoryList(ctx, f, "DSA", func(a model.Advisory) error {
				if k++; n >= 0 && k > n {
					return nil
				}
				return add(a)
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	report := func(name, site string, pkgs ...model.Package) {
		t.Helper()
		at = at.Add(time.Minute)
		in := store.Incoming{Host: model.Host{Hostname: name, Site: site, OS: "Debian GNU/Linux 11", OSID: "debian", OSVersionID: "11",
			Arch: "x86_64", Kernel: "5.10.0-20-amd64", Packager: "dpkg", ReporterAddr: "192.0.2.1", Protocol: 6, OSGroup: "debian:11"},
			Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: name + site, ReceivedAt: at}
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	// check compares the stats with a recount; want are the report
	// records and reports received of all sites, then of SITE-A.
	check := func(what string, want ...int) {
		t.Helper()
		all, err := s.Stats(ctx, store.AllSites())
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.Stats(ctx, store.SitesScope("SITE-A"))
		if err != nil {
			t.Fatal(err)
		}
		cves, err := s.DataCVEsRecountForTest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if all.CVEs != cves || a.CVEs != cves {
			t.Errorf("%s: CVEs %d (SITE-A's view %d), a recount %d", what, all.CVEs, a.CVEs, cves)
		}
		got := []int{all.ReportRecords, int(all.ReportsReceived), a.ReportRecords, int(a.ReportsReceived)}
		if len(want) != len(got) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
			t.Errorf("%s: records, received of all, of SITE-A = %v, want %v", what, got, want)
		}
	}
	check("empty", 0, 0, 0, 0)
	load(3)
	few, err := s.Stats(ctx, store.AllSites())
	if err != nil {
		t.Fatal(err)
	}
	check("3 records", 0, 0, 0, 0)
	load(-1)
	check("the whole list", 0, 0, 0, 0)
	if all, _ := s.Stats(ctx, store.AllSites()); all.CVEs <= few.CVEs {
		t.Errorf("CVEs %d after the whole list, %d after 3 records: the count did not follow the import", all.CVEs, few.CVEs)
	}
	report("a1.example.org", "SITE-A", pkgOpenSSL)
	check("a1's report", 1, 1, 1, 1)
	report("a1.example.org", "SITE-A", pkgOpenSSL)
	check("a1's report sent again", 1, 2, 1, 2)
	report("b1.example.org", "SITE-B", pkgOpenSSL)
	check("b1's report", 2, 3, 1, 2)
	report("a1.example.org", "SITE-A", pkgOpenSSL, pkgLibSSL)
	check("a1's changed report", 3, 4, 2, 3)
	if err := s.MoveHost(ctx, "b1.example.org", "SITE-A"); err != nil {
		t.Fatal(err)
	}
	check("b1 moved to SITE-A", 3, 4, 3, 4)
	if err := s.PurgeHostForTest(ctx, "a1.example.org"); err != nil {
		t.Fatal(err)
	}
	check("a1 deleted", 1, 1, 1, 1)
	load(3)
	check("back to 3 records", 1, 1, 1, 1)
}
