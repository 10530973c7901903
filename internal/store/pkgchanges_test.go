package store_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

// inventoryPackages reads the packages of a shared inventory's protocol-5
// report.
func inventoryPackages(t *testing.T, rel string) []model.Package {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.SharedDir(t), "data/inventories", rel))
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.Parse(raw, report.Protocol5, report.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return r.Packages
}

// debian12Report is a changed report of one host (header hash: its kernel).
func debian12Report(host, kernel string, pkgs []model.Package, at time.Time) store.Incoming {
	return store.Incoming{
		Host: model.Host{Hostname: host, Site: "INVENTORIES", OS: "Debian GNU/Linux 12", OSID: "debian", OSVersionID: "12",
			Arch: "x86_64", Kernel: kernel, Packager: "dpkg", ReporterAddr: "192.0.2.7", Protocol: 5, OSGroup: "debian:12"},
		Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: "h|" + kernel, ReceivedAt: at,
	}
}

// TestPackageChangesRealInventories stores two real Debian 12 inventories
// as successive reports of one host: the langflow backend image (140
// packages, shared/data/inventories/debian-12/langflow-backend-image) then
// this CI machine (787 packages, debian-12/ci-debian12). Every one of the
// 140 is among the 787 (`comm -23` of the two name lists is empty), so the
// second report removes nothing, adds 787-140 = 647 packages and updates
// the 34 below, read from the two files with
//
//	join -t$'\t' <(awk -F'\t' '{print $1":"$3"\t"$2}' langflow | sort) \
//	             <(awk -F'\t' '{print $1":"$3"\t"$2}' ci | sort) | awk '$2!=$3'
//
// The kernels are constructed: the image reports none, and a changed
// running kernel over the same set needs two kernel lines; the CI host's
// real one (6.18.44-fc-v669) is the first.
func TestPackageChangesRealInventories(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	langflow := inventoryPackages(t, "debian-12/langflow-backend-image/langflow-backend-image.pakiti5.txt")
	ci := inventoryPackages(t, "debian-12/ci-debian12/ci-debian12.pakiti5.txt")
	if len(langflow) != 140 || len(ci) != 787 {
		t.Fatalf("inventories of %d and %d packages, want 140 and 787", len(langflow), len(ci))
	}
	const host = "inv-debian12.example.org"
	t0 := time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)
	t1, t2, t3 := t0.Add(24*time.Hour), t0.Add(48*time.Hour), t0.Add(72*time.Hour)
	for _, in := range []store.Incoming{
		debian12Report(host, "6.18.44-fc-v669", langflow, t0),
		debian12Report(host, "6.18.44-fc-v669", ci, t1),
		debian12Report(host, "6.18.45-fc-v670", ci, t2), // constructed: the kernel only
		debian12Report(host, "6.18.45-fc-v670", langflow, t3),
	} {
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.HostChanges(ctx, store.AllSites(), host, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != 3 || len(got.Changes) != 3 {
		t.Fatalf("%d changes (%d on the page), want 3: the first report changes nothing", got.Total, len(got.Changes))
	}
	back, kernel, up := got.Changes[0], got.Changes[1], got.Changes[2]
	updated := []store.PackageChange{
		{"base-files", "amd64", "12.4+deb12u9", "12.4+deb12u11"},
		{"bash", "amd64", "5.2.15-2+b7", "5.2.15-2+b8"},
		{"ca-certificates", "all", "20230311", "20230311+deb12u1"},
		{"debian-archive-keyring", "all", "2023.3+deb12u1", "2023.3+deb12u2"},
		{"gcc-12-base", "amd64", "12.2.0-14", "12.2.0-14+deb12u1"},
		{"git", "amd64", "1:2.39.5-0+deb12u2", "1:2.39.5-0+deb12u3"},
		{"git-man", "all", "1:2.39.5-0+deb12u2", "1:2.39.5-0+deb12u3"},
		{"gpgv", "amd64", "2.2.40-1.1", "2.2.40-1.1+deb12u2"},
		{"libc-bin", "amd64", "2.36-9+deb12u9", "2.36-9+deb12u14"},
		{"libc6", "amd64", "2.36-9+deb12u9", "2.36-9+deb12u14"},
		{"libcap2", "amd64", "1:2.66-4", "1:2.66-4+deb12u2+b2"},
		{"libcurl3-gnutls", "amd64", "7.88.1-10+deb12u8", "7.88.1-10+deb12u15"},
		{"libgcc-s1", "amd64", "12.2.0-14", "12.2.0-14+deb12u1"},
		{"libgnutls30", "amd64", "3.7.9-2+deb12u4", "3.7.9-2+deb12u6"},
		{"libgssapi-krb5-2", "amd64", "1.20.1-2+deb12u2", "1.20.1-2+deb12u3"},
		{"libk5crypto3", "amd64", "1.20.1-2+deb12u2", "1.20.1-2+deb12u3"},
		{"libkrb5-3", "amd64", "1.20.1-2+deb12u2", "1.20.1-2+deb12u3"},
		{"libkrb5support0", "amd64", "1.20.1-2+deb12u2", "1.20.1-2+deb12u3"},
		{"liblzma5", "amd64", "5.4.1-0.2", "5.4.1-1"},
		{"libperl5.36", "amd64", "5.36.0-7+deb12u1", "5.36.0-7+deb12u4"},
		{"libsqlite3-0", "amd64", "3.40.1-2+deb12u1", "3.40.1-2+deb12u2"},
		{"libssl3", "amd64", "3.0.15-1~deb12u1", "3.0.19-1~deb12u2"},
		{"libstdc++6", "amd64", "12.2.0-14", "12.2.0-14+deb12u1"},
		{"libsystemd0", "amd64", "252.33-1~deb12u1", "252.38-1~deb12u1"},
		{"libudev1", "amd64", "252.33-1~deb12u1", "252.38-1~deb12u1"},
		{"login", "amd64", "1:4.13+dfsg1-1+b1", "1:4.13+dfsg1-1+deb12u1"},
		{"openssh-client", "amd64", "1:9.2p1-2+deb12u5", "1:9.2p1-2+deb12u6"},
		{"openssl", "amd64", "3.0.15-1~deb12u1", "3.0.19-1~deb12u2"},
		{"passwd", "amd64", "1:4.13+dfsg1-1+b1", "1:4.13+dfsg1-1+deb12u1"},
		{"perl", "amd64", "5.36.0-7+deb12u1", "5.36.0-7+deb12u4"},
		{"perl-base", "amd64", "5.36.0-7+deb12u1", "5.36.0-7+deb12u4"},
		{"perl-modules-5.36", "all", "5.36.0-7+deb12u1", "5.36.0-7+deb12u4"},
		{"tzdata", "all", "2024b-0+deb12u1", "2025b-0+deb12u2"},
	}
	// The join's 33 lines, sorted by name then arch (git before git-man).
	if diff := cmp.Diff(updated, up.Updated); diff != "" {
		t.Errorf("updated by the second report (-want +got):\n%s", diff)
	}
	if !up.At.Equal(t1) || up.Kernel != nil || len(up.Removed) != 0 || len(up.Added) != 787-140 {
		t.Errorf("second report: at %s, kernel %v, %d removed, %d added; want at %s, no kernel change, 0 removed, 647 added",
			up.At, up.Kernel, len(up.Removed), len(up.Added), t1)
	}
	// Three of the additions, by hand from the CI inventory.
	for _, want := range []store.PackageChange{
		{Name: "adwaita-icon-theme", Arch: "all", New: "43-1"},
		{Name: "alsa-topology-conf", Arch: "all", New: "1.2.5.1-2"},
		{Name: "curl", Arch: "amd64", New: "7.88.1-10+deb12u15"},
	} {
		found := false
		for _, a := range up.Added {
			found = found || a == want
		}
		if !found {
			t.Errorf("second report: %+v not among the additions", want)
		}
	}
	wantKernel := store.HostChange{At: t2, Kernel: &store.KernelChange{Old: "6.18.44-fc-v669", New: "6.18.45-fc-v670"},
		Added: []store.PackageChange{}, Removed: []store.PackageChange{}, Updated: []store.PackageChange{},
		Opened: []store.FindingChange{}, Closed: []store.FindingChange{}}
	if diff := cmp.Diff(wantKernel, kernel); diff != "" {
		t.Errorf("third report, the kernel only (-want +got):\n%s", diff)
	}
	// Back to the image: the reverse of the second report.
	if len(back.Added) != 0 || len(back.Removed) != 647 || len(back.Updated) != len(updated) || back.Kernel != nil {
		t.Errorf("fourth report: %d added, %d removed, %d updated, kernel %v; want 0, 647, %d, none",
			len(back.Added), len(back.Removed), len(back.Updated), back.Kernel, len(updated))
	}
	if len(back.Updated) > 0 && back.Updated[0] != (store.PackageChange{"base-files", "amd64", "12.4+deb12u11", "12.4+deb12u9"}) {
		t.Errorf("fourth report's first update: %+v, want base-files 12.4+deb12u11 -> 12.4+deb12u9", back.Updated[0])
	}

	// Paging: pages of one and of two carry their own rows, whole.
	for _, c := range []struct{ offset, limit int }{{1, 1}, {2, 1}, {1, 2}, {0, 2}} {
		pg, err := s.HostChanges(ctx, store.AllSites(), host, c.offset, c.limit)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got.Changes[c.offset:min(3, c.offset+c.limit)], pg.Changes); diff != "" || pg.Total != 3 {
			t.Errorf("page at %d of %d: total %d (-want +got):\n%s", c.offset, c.limit, pg.Total, diff)
		}
	}

	// The retention: GC with ReportsBefore after the second report
	// forgets its rows, keeps the later ones.
	res, err := s.GC(ctx, store.GCOptions{ReportsBefore: t1.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(647 + len(updated)); res.PackageChanges != want {
		t.Errorf("GC deleted %d package changes, want %d (the second report's)", res.PackageChanges, want)
	}
	if got, err := s.HostChanges(ctx, store.AllSites(), host, 0, 10); err != nil || got.Total != 2 {
		t.Errorf("after GC: %d changes (%v), want 2", got.Total, err)
	}

	// Deleting the host forgets its changes; a report brings it back
	// with none of them.
	if _, err := s.DeleteHost(ctx, store.AllSites(), host, t3.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.HostChanges(ctx, store.AllSites(), host, 0, 10); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("changes of a deleted host: %v, want ErrNotFound", err)
	}
	if _, err := s.SaveReport(ctx, debian12Report(host, "6.18.45-fc-v670", langflow, t3.Add(2*time.Hour))); err != nil {
		t.Fatal(err)
	}
	if got, err := s.HostChanges(ctx, store.AllSites(), host, 0, 10); err != nil || got.Total != 0 {
		t.Errorf("back after deletion: %d changes (%v), want 0", got.Total, err)
	}
}

// TestPackageChangesFindings: a report that upgrades openssl to the
// version DSA-5343-1 fixes ("[bullseye] - openssl 1.1.1n-0+deb11u4",
// testdata/DSA-list.bullseye-3.txt) closes the five CVEs of that DSA on
// the host's openssl 1.1.1n-0+deb11u3 (seedScope's a2, real versions of
// shared/data/inventories/debian-11/viking-db), evaluated as the intake
// does after a report (cause report), 30 seconds after it arrived.
func TestPackageChangesFindings(t *testing.T) {
	ctx := context.Background()
	s := seedScope(t)
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	fixed := model.Package{Name: "openssl", Version: "1.1.1n-0+deb11u4", Arch: "amd64", SourceName: "openssl", SourceVersion: "1.1.1n-0+deb11u4"}
	pkgs := []model.Package{fixed, pkgCoreutils}
	in := store.Incoming{
		Host: model.Host{Hostname: "a2.example.org", Site: "SITE-A", OS: "Debian GNU/Linux 11", OSID: "debian", OSVersionID: "11",
			Arch: "x86_64", Kernel: "5.10.0-20-amd64", Packager: "dpkg", ReporterAddr: "192.0.2.1", Protocol: 6, OSGroup: "debian:11"},
		Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: "a2 second", ReceivedAt: at,
		Modules: store.HostModules{Known: true},
	}
	if _, err := s.SaveReport(ctx, in); err != nil {
		t.Fatal(err)
	}
	m := match.New(s, drivers.Registry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	m.Now = func() time.Time { return at.Add(30 * time.Second) }
	if err := m.AfterReport(ctx, "a2.example.org", "debian:11", pkgs); err != nil {
		t.Fatal(err)
	}
	got, err := s.HostChanges(ctx, store.AllSites(), "a2.example.org", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var closed []store.FindingChange
	for _, cve := range dsa5343 {
		closed = append(closed, store.FindingChange{CVE: cve, Package: "openssl", Version: "1.1.1n-0+deb11u3", Arch: "amd64",
			Reason: store.ResolvedPackageUpdated})
	}
	want := store.HostChanges{Total: 1, Limit: 10, Changes: []store.HostChange{{At: at,
		Added: []store.PackageChange{}, Removed: []store.PackageChange{},
		Updated: []store.PackageChange{{"openssl", "amd64", "1.1.1n-0+deb11u3", "1.1.1n-0+deb11u4"}},
		Opened:  []store.FindingChange{}, Closed: closed}}}
	// The seed's first evaluation is a data evaluation (cause
	// evaluation), not a report's: it is no change.
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes of a2 (-want +got):\n%s", diff)
	}
}
