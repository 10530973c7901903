package store_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// TestWarmTargetCVEs: the warm-up reads the targets the hosts are on
// once (a second call reads none), and after an evaluation puts a host
// on a new target, that target alone.
func TestWarmTargetCVEs(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	importDSA(t, s, "testdata/DSA-list.bullseye-3.txt")
	m := match.New(s, drivers.Registry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	report := func(name string, pkgs ...model.Package) {
		t.Helper()
		at = at.Add(time.Minute)
		in := store.Incoming{Host: model.Host{Hostname: name, Site: "SITE-A", OS: "Debian GNU/Linux 11", OSID: "debian", OSVersionID: "11",
			Arch: "x86_64", Kernel: "5.10.0-20-amd64", Packager: "dpkg", ReporterAddr: "192.0.2.1", Protocol: 6, OSGroup: "debian:11"},
			Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: name, ReceivedAt: at}
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
		if _, err := m.EvaluateHosts(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	warm := func(what string, want int) {
		t.Helper()
		n, err := s.WarmTargetCVEs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%s: %d targets read, want %d", what, n, want)
		}
	}
	warm("no host", 0)
	// Two hosts alike share a target; a third, other packages, has its own.
	report("a.example.org", pkgOpenSSL)
	report("b.example.org", pkgOpenSSL)
	report("c.example.org", pkgGnuTLS)
	warm("start", 2)
	warm("again", 0)
	report("a.example.org", pkgOpenSSL, pkgLibSSL)
	warm("a on a new target", 1)
	warm("again after the move", 0)
}
