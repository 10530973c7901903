package store_test

import (
	"context"
	"io"
	"log/slog"
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

// TestSiteHistoryHostsAlike: a site's history replays the hosts with the
// same epochs once and counts their events once per host: the same
// history, time to patch included, as replaying each host. Three hosts
// move in step (one evaluation each time: the same epochs), a fourth
// drops openssl a day later.
func TestSiteHistoryHostsAlike(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	importDSA(t, s, "testdata/DSA-list.bullseye-3.txt")
	m := match.New(s, drivers.Registry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	evaluate := func() {
		t.Helper()
		s.SetClock(func() time.Time { return at })
		if _, err := m.EvaluateHosts(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	report := func(name string, pkgs ...model.Package) {
		t.Helper()
		in := store.Incoming{Host: model.Host{Hostname: name, Site: "SITE-A", OS: "Debian GNU/Linux 11", OSID: "debian", OSVersionID: "11",
			Arch: "x86_64", Kernel: "5.10.0-20-amd64", Packager: "dpkg", ReporterAddr: "192.0.2.1", Protocol: 6, OSGroup: "debian:11"},
			Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: name, ReceivedAt: at}
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	hosts := []string{"a.example.org", "b.example.org", "c.example.org", "d.example.org"}
	for _, h := range hosts {
		report(h, pkgOpenSSL, pkgLibSSL, pkgCoreutils)
	}
	evaluate()
	at = at.Add(48 * time.Hour)
	for _, h := range hosts[:3] {
		report(h, pkgLibSSL, pkgCoreutils)
	}
	evaluate()
	at = at.Add(24 * time.Hour)
	report(hosts[3], pkgLibSSL, pkgCoreutils)
	evaluate()
	since := at.Add(-10 * 24 * time.Hour)
	got, err := s.FindingHistory(ctx, store.AllSites(), "", "SITE-A", since, at)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.SiteHistoryHostByHostForTest(ctx, "SITE-A", since, at)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("history (-host by host +alike once):\n%s", diff)
	}
	// openssl's findings resolved on four hosts: the TTP counts each.
	one, err := s.FindingHistory(ctx, store.AllSites(), hosts[0], "", since, at)
	if err != nil {
		t.Fatal(err)
	}
	if n := one.TimeToPatch["all"].Findings; n == 0 || got.TimeToPatch["all"].Findings != 4*n {
		t.Errorf("time to patch of the site counts %d findings, of one host %d: want 4 times one host's, above 0",
			got.TimeToPatch["all"].Findings, n)
	}
}
