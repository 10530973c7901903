package store_test

// Scope on every read: each exported store read that returns hosts or what
// derives from them (findings, CVE hosts, counts, report history, sites,
// idle kernels) is run with one site of two, with both, and with the zero
// Scope. This is an external test package because it evaluates with
// internal/match, which imports store.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// The records of testdata/DSA-list.bullseye-3.txt (real DSA list lines):
var (
	// [07 Feb 2023] DSA-5343-1 openssl {CVE-2022-2097 CVE-2022-4304 CVE-2022-4450 CVE-2023-0215 CVE-2023-0286}
	//   [bullseye] - openssl 1.1.1n-0+deb11u4
	dsa5343 = strings.Fields("CVE-2022-2097 CVE-2022-4304 CVE-2022-4450 CVE-2023-0215 CVE-2023-0286")
	// [14 Feb 2023] DSA-5349-1 gnutls28 {CVE-2023-0361} [bullseye] - gnutls28 3.7.1-5+deb11u3
	dsa5349 = []string{"CVE-2023-0361"}
	// [23 Jan 2023] DSA-5324-1 linux {13 CVEs} [bullseye] - linux 5.10.162-1
	dsa5324 = strings.Fields("CVE-2022-2873 CVE-2022-3545 CVE-2022-3623 CVE-2022-4696 CVE-2022-36280 " +
		"CVE-2022-41218 CVE-2022-45934 CVE-2022-47929 CVE-2023-0179 CVE-2023-0266 CVE-2023-0394 CVE-2023-23454 CVE-2023-23455")
)

// Real Debian 11 package versions: openssl, libssl1.1 and libgnutls30 from
// shared/data/inventories/debian-11/viking-db (their sources at the same
// version, as dpkg reports them); the kernel images are Debian 11's
// 5.10.0-19 (5.10.149-2) and 5.10.0-20 (5.10.158-2), built from
// linux-signed-amd64 (test/e2e/testdata/bullseye-p6.report).
var (
	pkgOpenSSL   = model.Package{Name: "openssl", Version: "1.1.1n-0+deb11u3", Arch: "amd64", SourceName: "openssl", SourceVersion: "1.1.1n-0+deb11u3"}
	pkgLibSSL    = model.Package{Name: "libssl1.1", Version: "1.1.1n-0+deb11u3", Arch: "amd64", SourceName: "openssl", SourceVersion: "1.1.1n-0+deb11u3"}
	pkgGnuTLS    = model.Package{Name: "libgnutls30", Version: "3.7.1-5+deb11u2", Arch: "amd64", SourceName: "gnutls28", SourceVersion: "3.7.1-5+deb11u2"}
	pkgCoreutils = model.Package{Name: "coreutils", Version: "8.32-4+b1", Arch: "amd64", SourceName: "coreutils", SourceVersion: "8.32-4"}
	pkgImage19   = model.Package{Name: "linux-image-5.10.0-19-amd64", Version: "5.10.149-2", Arch: "amd64", SourceName: "linux-signed-amd64", SourceVersion: "5.10.149+2"}
	pkgImage20   = model.Package{Name: "linux-image-5.10.0-20-amd64", Version: "5.10.158-2", Arch: "amd64", SourceName: "linux-signed-amd64", SourceVersion: "5.10.158+2"}
)

// scopeHost is one seeded host.
type scopeHost struct {
	name, site, kernel string
	pkgs               []model.Package
}

// The two sites. Every installed version below is older than the fix of
// the records that name its source, so every record gives a finding; the
// kernel image not running gives none (it is an idle kernel).
var scopeHosts = []scopeHost{
	{"a1.example.org", "SITE-A", "5.10.0-20-amd64", []model.Package{pkgOpenSSL, pkgLibSSL, pkgCoreutils, pkgImage19, pkgImage20}},
	{"a2.example.org", "SITE-A", "5.10.0-20-amd64", []model.Package{pkgOpenSSL, pkgCoreutils}},
	{"b1.example.org", "SITE-B", "5.10.0-19-amd64", []model.Package{pkgLibSSL, pkgGnuTLS, pkgImage19, pkgImage20}},
}

// importDSA loads a DSA list file through the store's import API, as
// `pakiti import` does.
func importDSA(t testing.TB, s *store.Store, file string) store.ImportResult {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx := context.Background()
	res, err := s.ReplaceAdvisories(ctx, store.ImportRun{Source: "debian", StartedAt: time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)},
		func(add func(model.Advisory) error) error {
			_, err := debian.ParseAdvisoryList(ctx, f, "DSA", add)
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// seedScope opens a store with the DSA records, the hosts of both sites,
// evaluated by the real matcher.
func seedScope(t *testing.T) *store.Store {
	t.Helper()
	return seedScopeOn(t, testdb.Open(t))
}

// seedScopeOn seeds s as seedScope does.
func seedScopeOn(t *testing.T, s *store.Store) *store.Store {
	t.Helper()
	ctx := context.Background()
	if res := importDSA(t, s, "testdata/DSA-list.bullseye-3.txt"); res.Records != len(dsa5343)+len(dsa5349)+len(dsa5324) {
		t.Fatalf("imported %d records, want %d", res.Records, len(dsa5343)+len(dsa5349)+len(dsa5324))
	}
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	for _, h := range scopeHosts {
		in := store.Incoming{
			Host: model.Host{Hostname: h.name, Site: h.site, OS: "Debian GNU/Linux 11", OSID: "debian", OSVersionID: "11",
				Arch: "x86_64", Kernel: h.kernel, Packager: "dpkg", ReporterAddr: "192.0.2.1", Protocol: 6, OSGroup: "debian:11"},
			Packages:   h.pkgs,
			SetHash:    report.PackageSetHash(h.pkgs),
			HeaderHash: h.name + h.site + h.kernel,
			ReceivedAt: at,
			Archive:    &store.RawReport{Params: "protocol=6", Body: []byte("report of " + h.name)},
			// Constructed: dnf module state (none enabled), for the
			// HostModules read.
			Modules: store.HostModules{Known: true},
		}
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	// Real stanzas of bullseye-security's Packages index (shared/data/feeds/
	// debian/apt-bullseye/bullseye-security_main_binary-amd64_Packages.gz):
	// every host has an update available of openssl or libssl1.1 (and b1
	// of libgnutls30).
	err := s.ReplaceSecurityUpdates(ctx, "dists/bullseye-security/main/binary-amd64/Packages.xz", "debian:11", []store.SecurityUpdate{
		{Name: "libgnutls30", Arch: "amd64", Version: "3.7.1-5+deb11u10", SourceName: "gnutls28", SourceVersion: "3.7.1-5+deb11u10"},
		{Name: "libssl1.1", Arch: "amd64", Version: "1.1.1w-0+deb11u8", SourceName: "openssl", SourceVersion: "1.1.1w-0+deb11u8"},
		{Name: "openssl", Arch: "amd64", Version: "1.1.1w-0+deb11u8", SourceName: "openssl", SourceVersion: "1.1.1w-0+deb11u8"},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := match.New(s, drivers.Registry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	m.Now = func() time.Time { return at }
	if n, err := m.EvaluateHosts(ctx, nil); err != nil || n != len(scopeHosts) {
		t.Fatalf("evaluated %d hosts (%v), want %d", n, err, len(scopeHosts))
	}
	return s
}

// scopeNames are the host names of the seed, both sites.
func scopeNames() []string {
	var out []string
	for _, h := range scopeHosts {
		out = append(out, h.name)
	}
	return out
}

// prefixed returns "prefix x" for each x.
func prefixed(prefix string, xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = prefix + " " + x
	}
	return out
}

// times returns n copies of s (a count, as a multiset).
func times(n int, s string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func concat(xs ...[]string) []string {
	var out []string
	for _, x := range xs {
		out = append(out, x...)
	}
	return out
}

// scopeRead is one scoped store read. read renders what it returned as
// lines; want holds, per site, the lines that site's data gives: a scope
// of one site must give exactly that site's lines, AllSites both, and the
// zero Scope none.
type scopeRead struct {
	method string // the Store method exercised (TestScopeTableComplete)
	name   string
	read   func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error)
	want   map[string][]string // site -> lines
}

var scopeReads = []scopeRead{
	{
		method: "ArchivedReports", name: "archived reports",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			recs, err := s.ArchivedReports(ctx, sc, "", 0)
			var out []string
			for _, r := range recs {
				out = append(out, r.Hostname+" "+r.Site)
			}
			return out, err
		},
		want: map[string][]string{
			"SITE-A": {"a1.example.org SITE-A", "a2.example.org SITE-A"},
			"SITE-B": {"b1.example.org SITE-B"},
		},
	},
	{
		method: "ArchivedReportBody", name: "archived report by id",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			all, err := s.ArchivedReports(ctx, store.AllSites(), "", 0)
			if err != nil {
				return nil, err
			}
			var out []string
			for _, r := range all {
				got, err := s.ArchivedReportBody(ctx, sc, r.ID)
				if errors.Is(err, store.ErrNotArchived) {
					continue
				}
				if err != nil {
					return nil, err
				}
				out = append(out, string(got.Body))
			}
			return out, nil
		},
		want: map[string][]string{
			"SITE-A": {"report of a1.example.org", "report of a2.example.org"},
			"SITE-B": {"report of b1.example.org"},
		},
	},
	{
		method: "HostUpdates", name: "update-available findings",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			var out []string
			for _, name := range scopeNames() {
				for _, history := range []bool{false, true} {
					us, err := s.HostUpdates(ctx, sc, name, history)
					if err != nil {
						return nil, err
					}
					for _, u := range us {
						out = append(out, fmt.Sprintf("%s history=%v %s %s -> %s %s", name, history, u.Package, u.Installed, u.Available, u.Status))
					}
				}
			}
			return out, nil
		},
		want: map[string][]string{
			"SITE-A": concat(
				prefixed("a1.example.org history=false", []string{"libssl1.1 1.1.1n-0+deb11u3 -> 1.1.1w-0+deb11u8 update-available", "openssl 1.1.1n-0+deb11u3 -> 1.1.1w-0+deb11u8 update-available"}),
				prefixed("a1.example.org history=true", []string{"libssl1.1 1.1.1n-0+deb11u3 -> 1.1.1w-0+deb11u8 update-available", "openssl 1.1.1n-0+deb11u3 -> 1.1.1w-0+deb11u8 update-available"}),
				prefixed("a2.example.org history=false", []string{"openssl 1.1.1n-0+deb11u3 -> 1.1.1w-0+deb11u8 update-available"}),
				prefixed("a2.example.org history=true", []string{"openssl 1.1.1n-0+deb11u3 -> 1.1.1w-0+deb11u8 update-available"}),
			),
			"SITE-B": concat(
				prefixed("b1.example.org history=false", []string{"libgnutls30 3.7.1-5+deb11u2 -> 3.7.1-5+deb11u10 update-available", "libssl1.1 1.1.1n-0+deb11u3 -> 1.1.1w-0+deb11u8 update-available"}),
				prefixed("b1.example.org history=true", []string{"libgnutls30 3.7.1-5+deb11u2 -> 3.7.1-5+deb11u10 update-available", "libssl1.1 1.1.1n-0+deb11u3 -> 1.1.1w-0+deb11u8 update-available"}),
			),
		},
	},
	{
		method: "ListHosts", name: "hosts with an update available",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			hosts, total, err := s.ListHosts(ctx, sc, store.HostFilter{Status: store.StatusUpdateAvailable})
			var out []string
			for _, h := range hosts {
				out = append(out, h.Hostname)
			}
			return append(out, times(total, "counted")...), err
		},
		want: map[string][]string{
			"SITE-A": {"a1.example.org", "a2.example.org", "counted", "counted"},
			"SITE-B": {"b1.example.org", "counted"},
		},
	},
	{
		method: "ListHosts", name: "host list",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			hosts, total, err := s.ListHosts(ctx, sc, store.HostFilter{})
			var out []string
			for _, h := range hosts {
				out = append(out, h.Hostname+" "+h.Site)
			}
			return append(out, times(total, "counted")...), err
		},
		want: map[string][]string{
			"SITE-A": {"a1.example.org SITE-A", "a2.example.org SITE-A", "counted", "counted"},
			"SITE-B": {"b1.example.org SITE-B", "counted"},
		},
	},
	{
		// The whole view, whatever its limit says.
		method: "EachHost", name: "the whole view, streamed",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			var out []string
			n, err := s.EachHost(ctx, sc, store.HostFilter{Limit: 1, Sort: "-hostname"}, func(h model.Host) error {
				out = append(out, h.Hostname+" "+h.Site)
				return nil
			})
			return append(out, times(n, "passed")...), err
		},
		want: map[string][]string{
			"SITE-A": {"a2.example.org SITE-A", "a1.example.org SITE-A", "passed", "passed"},
			"SITE-B": {"b1.example.org SITE-B", "passed"},
		},
	},
	{
		// The total counts every host in scope, not the page.
		method: "ListHosts", name: "host count past one page",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			_, total, err := s.ListHosts(ctx, sc, store.HostFilter{Limit: 1})
			return times(total, "counted"), err
		},
		want: map[string][]string{"SITE-A": times(2, "counted"), "SITE-B": times(1, "counted")},
	},
	{
		// The hosts page's read: its total from the sites' counts.
		method: "ListHostsAndSites", name: "host list and sites",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			hosts, total, sites, err := s.ListHostsAndSites(ctx, sc, store.HostFilter{})
			var out []string
			for _, h := range hosts {
				out = append(out, h.Hostname)
			}
			for _, c := range sites {
				out = append(out, fmt.Sprintf("%s %d", c.Name, c.Hosts))
			}
			return append(out, times(total, "counted")...), err
		},
		want: map[string][]string{
			"SITE-A": {"a1.example.org", "a2.example.org", "SITE-A 2", "counted", "counted"},
			"SITE-B": {"b1.example.org", "SITE-B 1", "counted"},
		},
	},
	{
		// The plain query the fast paths are compared with (hosts_plain_test.go).
		method: "ListHostsPlain", name: "host list, plain query",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			hosts, total, err := s.ListHostsPlain(ctx, sc, store.HostFilter{CVE: dsa5343[0]})
			var out []string
			for _, h := range hosts {
				out = append(out, h.Hostname)
			}
			return append(out, times(total, "counted")...), err
		},
		want: map[string][]string{
			"SITE-A": {"a1.example.org", "a2.example.org", "counted", "counted"},
			"SITE-B": {"b1.example.org", "counted"},
		},
	},
	{
		method: "ListHosts", name: "hosts affected by a CVE",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			var out []string
			for _, cve := range []string{"CVE-2022-4450", "CVE-2023-0361", "CVE-2023-0266"} {
				hosts, total, err := s.ListHosts(ctx, sc, store.HostFilter{CVE: cve})
				if err != nil {
					return nil, err
				}
				for _, h := range hosts {
					out = append(out, cve+" "+h.Hostname)
				}
				out = append(out, times(total, cve+" counted")...)
			}
			return out, nil
		},
		want: map[string][]string{
			// CVE-2022-4450 (DSA-5343-1): openssl/libssl1.1 on all three;
			// CVE-2023-0361 (DSA-5349-1): libgnutls30 on b1 only;
			// CVE-2023-0266 (DSA-5324-1): the running image of a1 and b1.
			"SITE-A": {"CVE-2022-4450 a1.example.org", "CVE-2022-4450 a2.example.org", "CVE-2022-4450 counted", "CVE-2022-4450 counted",
				"CVE-2023-0266 a1.example.org", "CVE-2023-0266 counted"},
			"SITE-B": {"CVE-2022-4450 b1.example.org", "CVE-2022-4450 counted", "CVE-2023-0361 b1.example.org", "CVE-2023-0361 counted",
				"CVE-2023-0266 b1.example.org", "CVE-2023-0266 counted"},
		},
	},
	{
		// A site filter never widens the scope.
		method: "ListHosts", name: "site filter",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			var out []string
			for _, site := range []string{"SITE-A", "SITE-B"} {
				hosts, total, err := s.ListHosts(ctx, sc, store.HostFilter{Site: site})
				if err != nil {
					return nil, err
				}
				for _, h := range hosts {
					out = append(out, site+" "+h.Hostname)
				}
				out = append(out, times(total, site+" counted")...)
			}
			return out, nil
		},
		want: map[string][]string{
			"SITE-A": {"SITE-A a1.example.org", "SITE-A a2.example.org", "SITE-A counted", "SITE-A counted"},
			"SITE-B": {"SITE-B b1.example.org", "SITE-B counted"},
		},
	},
	{
		method: "Host", name: "host and its counts",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			var out []string
			for _, name := range scopeNames() {
				h, err := s.Host(ctx, sc, name)
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				if err != nil {
					return nil, err
				}
				out = append(out, fmt.Sprintf("%s %s cves=%d packages=%d vulnerable=%d", h.Hostname, h.Site, h.CVEs, h.Packages, h.VulnerablePackages))
			}
			return out, nil
		},
		want: map[string][]string{
			// a1: DSA-5343-1 (5) on openssl and libssl1.1, DSA-5324-1 (13) on the running image.
			"SITE-A": {"a1.example.org SITE-A cves=18 packages=5 vulnerable=3", "a2.example.org SITE-A cves=5 packages=2 vulnerable=1"},
			// b1: DSA-5343-1 (5) on libssl1.1, DSA-5349-1 (1), DSA-5324-1 (13) on the running 5.10.0-19 image.
			"SITE-B": {"b1.example.org SITE-B cves=19 packages=4 vulnerable=3"},
		},
	},
	{
		method: "HostPackages", name: "packages",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			var out []string
			for _, name := range scopeNames() {
				pkgs, err := s.HostPackages(ctx, sc, name)
				if err != nil {
					return nil, err
				}
				for _, p := range pkgs {
					out = append(out, name+" "+p.Name)
				}
			}
			return out, nil
		},
		want: map[string][]string{
			"SITE-A": {"a1.example.org openssl", "a1.example.org libssl1.1", "a1.example.org coreutils",
				"a1.example.org linux-image-5.10.0-19-amd64", "a1.example.org linux-image-5.10.0-20-amd64",
				"a2.example.org openssl", "a2.example.org coreutils"},
			"SITE-B": {"b1.example.org libssl1.1", "b1.example.org libgnutls30",
				"b1.example.org linux-image-5.10.0-19-amd64", "b1.example.org linux-image-5.10.0-20-amd64"},
		},
	},
	{
		method: "HostModules", name: "enabled module streams",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			var out []string
			for _, name := range scopeNames() {
				m, err := s.HostModules(ctx, sc, name)
				if err != nil {
					return nil, err
				}
				if m.Known {
					out = append(out, fmt.Sprintf("%s %q", name, m.Streams))
				}
			}
			return out, nil
		},
		want: map[string][]string{
			"SITE-A": {"a1.example.org []", "a2.example.org []"},
			"SITE-B": {"b1.example.org []"},
		},
	},
	{
		method: "HostReports", name: "report history",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			var out []string
			for _, name := range scopeNames() {
				recs, err := s.HostReports(ctx, sc, name, 10)
				if err != nil {
					return nil, err
				}
				for _, r := range recs {
					out = append(out, fmt.Sprintf("%s packages=%d count=%d", name, r.Packages, r.Count))
				}
			}
			return out, nil
		},
		want: map[string][]string{
			"SITE-A": {"a1.example.org packages=5 count=1", "a2.example.org packages=2 count=1"},
			"SITE-B": {"b1.example.org packages=4 count=1"},
		},
	},
	{
		method: "HostFindings", name: "findings",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			var out []string
			for _, name := range scopeNames() {
				for _, history := range []bool{false, true} {
					fs, err := s.HostFindings(ctx, sc, name, history)
					if err != nil {
						return nil, err
					}
					for _, f := range fs {
						out = append(out, fmt.Sprintf("%s history=%v %s %s %s", name, history, f.Package, f.AdvisoryID, f.CVE))
					}
				}
			}
			return out, nil
		},
		want: map[string][]string{
			"SITE-A": concat(
				findingLines("a1.example.org", "openssl", "DSA-5343-1", dsa5343),
				findingLines("a1.example.org", "libssl1.1", "DSA-5343-1", dsa5343),
				findingLines("a1.example.org", "linux-image-5.10.0-20-amd64", "DSA-5324-1", dsa5324),
				findingLines("a2.example.org", "openssl", "DSA-5343-1", dsa5343)),
			"SITE-B": concat(
				findingLines("b1.example.org", "libssl1.1", "DSA-5343-1", dsa5343),
				findingLines("b1.example.org", "libgnutls30", "DSA-5349-1", dsa5349),
				findingLines("b1.example.org", "linux-image-5.10.0-19-amd64", "DSA-5324-1", dsa5324)),
		},
	},
	{
		method: "HostFindingsView", name: "findings by view",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			var out []string
			for _, name := range scopeNames() {
				for _, history := range []bool{false, true} {
					v := store.FindingsOpen
					if history {
						v = store.FindingsAll
					}
					fs, err := s.HostFindingsView(ctx, sc, name, v)
					if err != nil {
						return nil, err
					}
					for _, f := range fs {
						out = append(out, fmt.Sprintf("%s history=%v %s %s %s", name, history, f.Package, f.AdvisoryID, f.CVE))
					}
				}
			}
			return out, nil
		},
		want: map[string][]string{
			"SITE-A": concat(
				findingLines("a1.example.org", "openssl", "DSA-5343-1", dsa5343),
				findingLines("a1.example.org", "libssl1.1", "DSA-5343-1", dsa5343),
				findingLines("a1.example.org", "linux-image-5.10.0-20-amd64", "DSA-5324-1", dsa5324),
				findingLines("a2.example.org", "openssl", "DSA-5343-1", dsa5343)),
			"SITE-B": concat(
				findingLines("b1.example.org", "libssl1.1", "DSA-5343-1", dsa5343),
				findingLines("b1.example.org", "libgnutls30", "DSA-5349-1", dsa5349),
				findingLines("b1.example.org", "linux-image-5.10.0-19-amd64", "DSA-5324-1", dsa5324)),
		},
	},
	{
		method: "HostFindingsHistory", name: "findings with their history",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			var out []string
			since, now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
			for _, name := range scopeNames() {
				fs, h, err := s.HostFindingsHistory(ctx, sc, name, store.FindingsOpen, since, now)
				if err != nil {
					return nil, err
				}
				for _, f := range fs {
					out = append(out, fmt.Sprintf("%s %s %s %s", name, f.Package, f.AdvisoryID, f.CVE))
				}
				if h.Open > 0 {
					out = append(out, fmt.Sprintf("%s open=%d", name, h.Open))
				}
			}
			return out, nil
		},
		want: map[string][]string{
			// as HostFindingsView's open findings and FindingHistory's per host
			"SITE-A": concat(
				findingLinesOpen("a1.example.org", "openssl", "DSA-5343-1", dsa5343),
				findingLinesOpen("a1.example.org", "libssl1.1", "DSA-5343-1", dsa5343),
				findingLinesOpen("a1.example.org", "linux-image-5.10.0-20-amd64", "DSA-5324-1", dsa5324),
				[]string{"a1.example.org open=18"},
				findingLinesOpen("a2.example.org", "openssl", "DSA-5343-1", dsa5343),
				[]string{"a2.example.org open=5"}),
			"SITE-B": concat(
				findingLinesOpen("b1.example.org", "libssl1.1", "DSA-5343-1", dsa5343),
				findingLinesOpen("b1.example.org", "libgnutls30", "DSA-5349-1", dsa5349),
				findingLinesOpen("b1.example.org", "linux-image-5.10.0-19-amd64", "DSA-5324-1", dsa5324),
				[]string{"b1.example.org open=19"}),
		},
	},
	{
		method: "HostChanges", name: "a host's changes",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			var out []string
			for _, name := range scopeNames() {
				ch, err := s.HostChanges(ctx, sc, name, 0, 10)
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				if err != nil {
					return nil, err
				}
				out = append(out, fmt.Sprintf("%s changes=%d", name, ch.Total))
			}
			return out, nil
		},
		// One report each, evaluated by the data (cause evaluation): no
		// change, but the host is found in its own site only.
		want: map[string][]string{
			"SITE-A": {"a1.example.org changes=0", "a2.example.org changes=0"},
			"SITE-B": {"b1.example.org changes=0"},
		},
	},
	{
		method: "HostPackagesPage", name: "a page of packages",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			var out []string
			for _, name := range scopeNames() {
				for _, search := range []string{"", "SSL"} {
					pg, err := s.HostPackagesPage(ctx, sc, name, search, 0, 2)
					if err != nil {
						return nil, err
					}
					for _, p := range pg.Packages {
						out = append(out, fmt.Sprintf("%s %q %s of %d", name, search, p.Name, pg.Total))
					}
				}
			}
			return out, nil
		},
		want: map[string][]string{
			// the first two by name, of all and of those whose name or source holds "ssl"
			"SITE-A": {`a1.example.org "" coreutils of 5`, `a1.example.org "" libssl1.1 of 5`,
				`a1.example.org "SSL" libssl1.1 of 2`, `a1.example.org "SSL" openssl of 2`,
				`a2.example.org "" coreutils of 2`, `a2.example.org "" openssl of 2`, `a2.example.org "SSL" openssl of 1`},
			"SITE-B": {`b1.example.org "" libgnutls30 of 4`, `b1.example.org "" libssl1.1 of 4`, `b1.example.org "SSL" libssl1.1 of 1`},
		},
	},
	{
		method: "HostsNotReportedSince", name: "hosts not reported since",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			return s.HostsNotReportedSince(ctx, sc, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
		},
		want: map[string][]string{
			"SITE-A": {"a1.example.org", "a2.example.org"},
			"SITE-B": {"b1.example.org"},
		},
	},
	{
		method: "FindingHistory", name: "finding history",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			var out []string
			since, now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
			for _, name := range scopeNames() {
				h, err := s.FindingHistory(ctx, sc, name, "", since, now)
				if err != nil {
					return nil, err
				}
				if h.Open > 0 {
					out = append(out, fmt.Sprintf("%s open=%d", name, h.Open))
				}
			}
			for _, site := range []string{"SITE-A", "SITE-B"} {
				h, err := s.FindingHistory(ctx, sc, "", site, since, now)
				if err != nil {
					return nil, err
				}
				if h.Open > 0 {
					out = append(out, fmt.Sprintf("site %s open=%d", site, h.Open))
				}
			}
			return out, nil
		},
		want: map[string][]string{
			// distinct open CVEs: a1 DSA-5343-1 (5) + DSA-5324-1 (13, running kernel); a2 DSA-5343-1;
			// b1 DSA-5343-1 (5) + DSA-5349-1 (1) + DSA-5324-1 (13)
			"SITE-A": {"a1.example.org open=18", "a2.example.org open=5", "site SITE-A open=18"},
			"SITE-B": {"b1.example.org open=19", "site SITE-B open=19"},
		},
	},
	{
		method: "HostIdleKernels", name: "idle kernels",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			var out []string
			for _, name := range scopeNames() {
				ks, err := s.HostIdleKernels(ctx, sc, name)
				if err != nil {
					return nil, err
				}
				for _, k := range ks {
					out = append(out, fmt.Sprintf("%s %s %s cves=%d", name, k.Package, k.Version, k.CVEs))
				}
			}
			return out, nil
		},
		want: map[string][]string{
			// The image not running, older than DSA-5324-1's 5.10.162-1: 13 CVEs.
			"SITE-A": {"a1.example.org linux-image-5.10.0-19-amd64 5.10.149-2 cves=13"},
			"SITE-B": {"b1.example.org linux-image-5.10.0-20-amd64 5.10.158-2 cves=13"},
		},
	},
	{
		method: "Sites", name: "sites and their host counts",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			sites, err := s.Sites(ctx, sc)
			var out []string
			for _, c := range sites {
				out = append(out, fmt.Sprintf("%s hosts=%d", c.Name, c.Hosts))
			}
			return out, err
		},
		want: map[string][]string{"SITE-A": {"SITE-A hosts=2"}, "SITE-B": {"SITE-B hosts=1"}},
	},
	{
		// An advisory's records are vendor data; its hosts are scoped.
		method: "Advisory", name: "hosts affected by an advisory (advisory page)",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			info, err := s.Advisory(ctx, sc, "DSA-5343-1")
			if err != nil {
				return nil, err
			}
			var out []string
			for _, h := range info.Hosts {
				out = append(out, fmt.Sprintf("%s %s %s %s fixed=%s", h.Hostname, h.Site, h.Package, h.Version, h.Fixed))
			}
			return out, nil
		},
		want: map[string][]string{
			"SITE-A": {
				"a1.example.org SITE-A libssl1.1 1.1.1n-0+deb11u3 fixed=1.1.1n-0+deb11u4",
				"a1.example.org SITE-A openssl 1.1.1n-0+deb11u3 fixed=1.1.1n-0+deb11u4",
				"a2.example.org SITE-A openssl 1.1.1n-0+deb11u3 fixed=1.1.1n-0+deb11u4",
			},
			"SITE-B": {"b1.example.org SITE-B libssl1.1 1.1.1n-0+deb11u3 fixed=1.1.1n-0+deb11u4"},
		},
	},
	{
		// Hosts and exposed hosts per site (metrics): only those in
		// scope. Every scope host has openssl (source) 1.1.1n-0+deb11u3,
		// below DSA-5343-1's "[bullseye] - openssl 1.1.1n-0+deb11u4", so
		// all are exposed; the DSA list gives no severity ("other").
		method: "Exposure", name: "exposed hosts per site",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			sites, _, err := s.Exposure(ctx, sc)
			var out []string
			for _, e := range sites {
				out = append(out, fmt.Sprintf("%s hosts=%d other=%d", e.Site, e.Hosts, e.Exposed["other"]))
			}
			return out, err
		},
		want: map[string][]string{"SITE-A": {"SITE-A hosts=2 other=2"}, "SITE-B": {"SITE-B hosts=1 other=1"}},
	},
	{
		// Hosts counted per data state (metrics): only those in scope.
		method: "DataStates", name: "hosts per data state",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			_, counts, err := s.DataStates(ctx, sc)
			var out []string
			for _, st := range []string{"complete", "partial", "stale", "none"} {
				out = append(out, times(counts[st], st)...)
			}
			return out, err
		},
		want: map[string][]string{"SITE-A": {"partial", "partial"}, "SITE-B": {"partial"}},
	},
	{
		// Hosts per OS string and group (OSes page): only those in scope,
		// all Debian GNU/Linux 11 and exposed (see Exposure).
		method: "OSGroups", name: "hosts per OS and OS group",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			gs, err := s.OSGroups(ctx, sc)
			var out []string
			for _, g := range gs {
				n, x := 0, 0
				for _, o := range g.OSes {
					out = append(out, times(o.Exposed, g.OSGroup+" "+o.OS+" exposed")...)
					out = append(out, times(o.Hosts-o.Exposed, g.OSGroup+" "+o.OS+" not exposed")...)
					n, x = n+o.Hosts, x+o.Exposed
				}
				if n != g.Hosts || x != g.Exposed {
					return nil, fmt.Errorf("%s: %d hosts, %d exposed, its OS strings %d, %d", g.OSGroup, g.Hosts, g.Exposed, n, x)
				}
			}
			return out, err
		},
		want: map[string][]string{"SITE-A": times(2, "debian:11 Debian GNU/Linux 11 exposed"),
			"SITE-B": {"debian:11 Debian GNU/Linux 11 exposed"}},
	},
	{
		method: "SiteList", name: "sites with their group, networks and host counts (admin pages)",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			sites, err := s.SiteList(ctx, sc)
			var out []string
			for _, c := range sites {
				out = append(out, fmt.Sprintf("%s hosts=%d", c.Name, c.Hosts))
			}
			return out, err
		},
		want: map[string][]string{"SITE-A": {"SITE-A hosts=2"}, "SITE-B": {"SITE-B hosts=1"}},
	},
	{
		method: "HostSite", name: "the site of a host (feed host claims)",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			var out []string
			for _, h := range []string{"a1.example.org", "a2.example.org", "b1.example.org"} {
				site, found, err := s.HostSite(ctx, sc, h)
				if err != nil {
					return nil, err
				}
				if found {
					out = append(out, h+" "+site)
				}
			}
			return out, nil
		},
		want: map[string][]string{"SITE-A": {"a1.example.org SITE-A", "a2.example.org SITE-A"}, "SITE-B": {"b1.example.org SITE-B"}},
	},
	{
		// The records of a CVE are vendor data, the same in every scope;
		// its hosts are scoped.
		method: "CVE", name: "hosts affected by a CVE (CVE page)",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			var out []string
			for _, id := range []string{"CVE-2022-4450", "CVE-2023-0361", "CVE-2023-0266"} {
				info, err := s.CVE(ctx, sc, id)
				if err != nil {
					return nil, err
				}
				if len(info.Records) != 1 {
					return nil, fmt.Errorf("%s: %d records, want 1 whatever the scope", id, len(info.Records))
				}
				for _, h := range info.Hosts {
					out = append(out, fmt.Sprintf("%s %s %s %s %s fixed=%s", id, h.Hostname, h.Site, h.Package, h.Version, h.Fixed))
				}
			}
			return out, nil
		},
		want: map[string][]string{
			"SITE-A": {
				"CVE-2022-4450 a1.example.org SITE-A libssl1.1 1.1.1n-0+deb11u3 fixed=1.1.1n-0+deb11u4",
				"CVE-2022-4450 a1.example.org SITE-A openssl 1.1.1n-0+deb11u3 fixed=1.1.1n-0+deb11u4",
				"CVE-2022-4450 a2.example.org SITE-A openssl 1.1.1n-0+deb11u3 fixed=1.1.1n-0+deb11u4",
				"CVE-2023-0266 a1.example.org SITE-A linux-image-5.10.0-20-amd64 5.10.158-2 fixed=5.10.162-1",
			},
			"SITE-B": {
				"CVE-2022-4450 b1.example.org SITE-B libssl1.1 1.1.1n-0+deb11u3 fixed=1.1.1n-0+deb11u4",
				"CVE-2023-0361 b1.example.org SITE-B libgnutls30 3.7.1-5+deb11u2 fixed=3.7.1-5+deb11u3",
				"CVE-2023-0266 b1.example.org SITE-B linux-image-5.10.0-19-amd64 5.10.149-2 fixed=5.10.162-1",
			},
		},
	},
	{
		// The dashboard (dashboard.go) after a snapshot: hosts, exposed
		// hosts by severity (the DSA list gives none: other), data states,
		// newly exposed (the snapshot saw every host first), and the hosts
		// of DSA-5343-1's 2022 CVEs among the top CVEs: on every host, and
		// first in every scope (most hosts, then by id: b1 alone has 19
		// CVEs on one host each, and CVE-2022-2097, -4304 and -4450 are
		// among the first ten of them by id).
		method: "Dashboard", name: "dashboard",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
			if _, err := s.SnapshotExposure(ctx, at); err != nil {
				return nil, err
			}
			d, err := s.Dashboard(ctx, sc, at.Add(time.Hour))
			if err != nil {
				return nil, err
			}
			out := concat(times(d.Totals.Hosts, "host"), times(d.Totals.Exposed, "exposed"), times(d.Totals.Evaluated, "evaluated"),
				times(d.NewlyExposed24h, "new in 24 h"), times(d.NewlyExposed7d, "new in 7 days"))
			for sev, n := range d.BySeverity {
				out = append(out, times(n, "severity "+sev)...)
			}
			for st, n := range d.Totals.DataStates {
				out = append(out, times(n, "data "+st)...)
			}
			for _, c := range d.TopCVEs {
				if slices.Contains(dsa5343[:3], c.CVE) {
					out = append(out, times(c.Hosts, "top "+c.CVE)...)
				}
			}
			return out, nil
		},
		want: map[string][]string{
			"SITE-A": concat(times(2, "host"), times(2, "exposed"), times(2, "evaluated"), times(2, "new in 24 h"), times(2, "new in 7 days"),
				times(2, "severity other"), times(2, "data partial"), concat(prefixedTimes(2, "top", dsa5343[:3])...)),
			"SITE-B": concat([]string{"host", "exposed", "evaluated", "new in 24 h", "new in 7 days", "severity other", "data partial"},
				prefixed("top", dsa5343[:3])),
		},
	},
	{
		// The daily snapshot's values (every host exposed; none stale, a1
		// and b1 run a kernel DSA-5324-1 fixes but no fixed one is
		// installed: no reboot pending).
		method: "ExposureHistory", name: "exposure snapshots",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
			if _, err := s.SnapshotExposure(ctx, at); err != nil {
				return nil, err
			}
			_, pts, err := s.ExposureHistory(ctx, sc, "", at.Add(-24*time.Hour))
			var out []string
			for _, p := range pts {
				out = append(out, fmt.Sprintf("%s %s %s %d", p.Day, p.Site, p.Series, p.Hosts))
			}
			return out, err
		},
		want: map[string][]string{
			"SITE-A": {"2026-11-25 SITE-A exposed 2", "2026-11-25 SITE-A hosts 2", "2026-11-25 SITE-A sev:other 2"},
			"SITE-B": {"2026-11-25 SITE-B exposed 1", "2026-11-25 SITE-B hosts 1", "2026-11-25 SITE-B sev:other 1"},
		},
	},
	{
		method: "SiteSummaries", name: "sites with their counts",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			sites, err := s.SiteSummaries(ctx, sc, "")
			var out []string
			for _, x := range sites {
				out = append(out, fmt.Sprintf("%s hosts=%d exposed=%d other=%d", x.Name, x.Hosts, x.Exposed, x.BySeverity["other"]))
			}
			return out, err
		},
		want: map[string][]string{"SITE-A": {"SITE-A hosts=2 exposed=2 other=2"}, "SITE-B": {"SITE-B hosts=1 exposed=1 other=1"}},
	},
	{
		// The sites' reports over a period (siteperiod.go), here all
		// time: one report per host.
		method: "SitePeriods", name: "sites' report statistics",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			per, err := s.SitePeriods(ctx, sc, "", store.Period{})
			var out []string
			for name, x := range per {
				out = append(out, fmt.Sprintf("%s hosts=%d reports=%d", name, x.Hosts, x.Reports))
			}
			return out, err
		},
		want: map[string][]string{"SITE-A": {"SITE-A hosts=2 reports=2"}, "SITE-B": {"SITE-B hosts=1 reports=1"}},
	},
	{
		// The counts of the hosts in scope (stats.go): one report each.
		method: "Stats", name: "stats",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			st, err := s.Stats(ctx, sc)
			return concat(times(st.Sites, "site"), times(st.Hosts, "host"), times(st.ReportRecords, "report"),
				times(int(st.ReportsReceived), "received")), err
		},
		want: map[string][]string{
			"SITE-A": concat([]string{"site"}, times(2, "host"), times(2, "report"), times(2, "received")),
			"SITE-B": {"site", "host", "report", "received"},
		},
	},
}

// prefixedTimes is, for each x, n lines "prefix x".
func prefixedTimes(n int, prefix string, xs []string) [][]string {
	var out [][]string
	for _, x := range xs {
		out = append(out, times(n, prefix+" "+x))
	}
	return out
}

// findingLines are the open findings of one package from one advisory:
// listed once as open and once more in the history.
func findingLines(host, pkg, adv string, cves []string) []string {
	var out []string
	for _, history := range []bool{false, true} {
		out = append(out, prefixed(fmt.Sprintf("%s history=%v %s %s", host, history, pkg, adv), cves)...)
	}
	return out
}

// findingLinesOpen are the lines of HostFindingsHistory's open findings.
func findingLinesOpen(host, pkg, adv string, cves []string) []string {
	return prefixed(fmt.Sprintf("%s %s %s", host, pkg, adv), cves)
}

func TestScopeOnEveryRead(t *testing.T) {
	ctx := context.Background()
	s := seedScope(t)
	scopes := []struct {
		name  string
		sc    store.Scope
		sites []string
	}{
		{"SITE-A only", store.SitesScope("SITE-A"), []string{"SITE-A"}},
		{"SITE-B only", store.SitesScope("SITE-B"), []string{"SITE-B"}},
		{"all sites", store.AllSites(), []string{"SITE-A", "SITE-B"}},
		{"both sites named", store.SitesScope("SITE-A", "SITE-B"), []string{"SITE-A", "SITE-B"}},
		{"an unknown site", store.SitesScope("SITE-C"), nil},
		{"zero scope", store.Scope{}, nil},
	}
	for _, rd := range scopeReads {
		for site, lines := range rd.want {
			if len(lines) == 0 {
				t.Fatalf("%s: no lines for %s: the case could not see a leak", rd.name, site)
			}
		}
		for _, sc := range scopes {
			t.Run(rd.name+"/"+sc.name, func(t *testing.T) {
				got, err := rd.read(ctx, s, sc.sc)
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				for _, site := range sc.sites {
					want = append(want, rd.want[site]...)
				}
				sort.Strings(got)
				sort.Strings(want)
				if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("%s with scope %s (-want +got):\n%s", rd.method, sc.name, diff)
				}
			})
		}
	}
}

// unscoped are the exported Store methods that take no Scope, each with why.
// A new method must go either in scopeReads (it takes a Scope) or here.
var unscoped = map[string]string{
	"Close": "lifecycle", "Ping": "health check", "Health": "health check", "Engine": "engine name", "SchemaVersion": "schema",
	"SaveReport": "intake write", "TouchUnchanged": "intake write", "ForgetFindingsKey": "intake write (by host id)", "KnownSet": "intake: package sets, no host data",
	"SetTargetCurrent":  "matcher: whether a set's verdicts moved, no host data returned",
	"ReplaceAdvisories": "import write", "RecordUnchanged": "import write", "Locations": "import state, no host data",
	"Sources": "vendor data status, no host data", "HasData": "vendor data, no host data",
	"ReplaceKEV": "import write", "KEVCatalogueInForce": "CISA's public catalogue, no host data", "KEV": "CISA's public catalogue entry of a CVE, no host data", "KEVListed": "which of given CVE ids CISA's public catalogue lists, no host data",
	"ImportParts": "import write", "SourceParts": "vendor data status, no host data",
	"RecordImportError": "import state write", "ClearImportError": "import state write",
	"SetCoverage": "configuration", "DataMaxAge": "configuration",
	"AdvisoriesFor": "vendor records, no host data",
	"HostStates": "the matcher's own read of every host (evaluation is not a caller's view); " +
		"callers see hosts only through scoped reads",
	"Unevaluated": "matcher: catalogue packages of a set", "MarkSetEvaluated": "matcher write",
	"LearnBinarySources": "matcher write", "LookupBinarySources": "matcher: binary -> source map", "UnmappedNames": "matcher: binaries of a group evaluated by name",
	"SaveEvaluations": "matcher write", "Invalidate": "matcher write", "InvalidateBasis": "matcher write",
	"EvaluatedGroups": "matcher internal (OS group names only)", "SetSeverity": "configuration, no read",
	"ForgetEvaluations": "matcher write",
	"WriteFindings":     "matcher write (by host id)", "HostsOnSet": "matcher's read of the hosts of a set to evaluate",
	"SetVerdicts": "matcher: verdicts of a package set, no host data", "SetPackagesKeyed": "matcher: packages of a set",
	"SetPackageIDs": "matcher: package ids of a set, no host data", "PackageVerdicts": "matcher: verdicts of catalogue packages, no host data",
	"SetPackagesByBasis": "matcher: packages of a set",
	"DataDates":          "vendor data dates, no host data", "DataSnapshot": "vendor data dates and groups, no host data", "SetPolicy": "configuration", "Policy": "configuration",
	"EnqueueGroup": "matcher write", "ClaimEvalWork": "matcher: evaluation queue (group, set ids)",
	"FinishEvalWork": "matcher write", "FailEvalWork": "matcher write", "EvalQueueDepth": "counts only",
	"SetClock": "configuration", "SetStaleAfter": "configuration", "StaleAfter": "configuration",
	"AcquireLease": "jobs: leases, no host data", "ReleaseLease": "jobs: leases", "Leases": "jobs: leases",
	"GC": "admin: deletes unused rows, returns counts only", "Queue": "intake queue depth: counts only",
	"Enqueue": "intake: writes a validated report", "ClaimQueued": "intake workers: raw reports, never shown",
	"RetryQueued": "intake workers", "DropQueued": "intake workers",
	"ClaimJobRun": "jobs: runs, no host data", "FinishJobRun": "jobs: runs", "JobRuns": "jobs: runs",
	"Status":         "admin: row counts of every table (pakiti db status)",
	"CopyFromSQLite": "admin: copies a whole database (pakiti db migrate-from)",
	"FleetFacts":     "import planning: the OS groups and arches the whole fleet runs, no host named",
	"PartGroups":     "import planning: the OS groups a source part's records name (vendor data), no host data",
	"SourceIndexes":  "import state: package indexes loaded, no host data", "RecordIndex": "import write",
	"ReplaceSecurityUpdates": "import write", "UpdateCandidates": "matcher: a package set against the security suite",
	// Access control (access.go, tokens.go, audit.go): users, groups,
	// grants, tokens and the audit log name no host; writes are admin's.
	"AddSite": "admin write (pakiti sites add)", "SetGroup": "admin write", "Groups": "group names and parents, no host data",
	"AddUser": "admin write", "SetUser": "admin write", "RemoveUser": "admin write", "Grant": "admin write", "Revoke": "admin write",
	"Users": "users and grant names (admin pages), no host data", "UserByName": "login: one user", "UserByDN": "login: one user",
	"UserScope":   "builds a caller's Scope from its grants (auth), returns no host data",
	"AddAPIToken": "admin write", "APITokens": "token ids and dates, no host data", "RevokeAPIToken": "admin write",
	"UserByAPIToken": "login: the user of a token", "AddSession": "login write", "UserBySession": "login: the user of a session",
	"DeleteSession": "logout write", "AddFeedToken": "admin write", "RevokeFeedTokens": "admin write",
	"FeedTokenSite": "feed: the site of a report token",
	"MoveHost":      "admin write (pakiti sites move-host)", "SyncDirectory": "admin write (pakiti sites import-gocdb)",
	"SyncUser": "login write: an OIDC user from its claims",
	"Audit":    "admin write: the audit log", "AuditLog": "the audit log (admin only), no host data",
	"AddFeedCert": "admin write (pakiti sites cert add)", "RemoveFeedCert": "admin write (pakiti sites cert remove)",
	"FeedCerts": "the certificates registered for sites (admin pages, CLI), no host data",
	"CertSites": "feed: the sites of a client certificate", "SetUserDisabled": "admin write (pakiti users disable)",
	"UserDisabled": "login: whether one user is disabled", "DisabledUsers": "user names (admin pages), no host data",
	// The dashboard (dashboard.go, sitesinfo.go).
	"SnapshotExposure":             "job: writes the daily snapshot of every site; its reads (Dashboard, ExposureHistory) are scoped",
	"FoldFleetCells":               "job: folds the logged changes of the host counts per cell; its reads (fleetView) are scoped",
	"FleetCellsForTest":            "test helper (export_test.go): every cell, compared with a recount",
	"RecountFleetCellsForTest":     "test helper (export_test.go): every host counted",
	"PurgeHostForTest":             "test helper (export_test.go): deletes a host row",
	"ExposureCountsForTest":        "test helper (export_test.go): every newly exposed count, compared with a recount",
	"NewlyExposedRecountForTest":   "test helper (export_test.go): the newly exposed hosts counted host by host",
	"ReportCountsForTest":          "test helper (export_test.go): every site's report counts, compared with a recount",
	"DataCVEsRecountForTest":       "test helper (export_test.go): the instance's CVEs, not per site",
	"WarmTargetCVEs":               "fills a cache, returns how many targets it read: no host data",
	"SiteHistoryHostByHostForTest": "test helper (export_test.go): a site's history, compared with FindingHistory",
	"SetSiteInfo":                  "admin write (a site's contact, URL and note)",
}

// scopeHelpers take a Scope without reading hosts: they work on the scope
// itself, with their own tests.
var scopeHelpers = map[string]string{
	"ResolveScope": "resolves site names to ids once per request (scope_ids_test.go)",
	"DeleteHost":   "a write within the scope: TestDeleteHostScope",
}

// TestScopeTableComplete checks that every exported Store method that takes
// a Scope is exercised by TestScopeOnEveryRead, and that every other one is
// listed in unscoped with its reason.
func TestScopeTableComplete(t *testing.T) {
	tested := map[string]bool{}
	for _, rd := range scopeReads {
		tested[rd.method] = true
	}
	scopeType := reflect.TypeFor[store.Scope]()
	typ := reflect.TypeFor[*store.Store]()
	for i := range typ.NumMethod() {
		m := typ.Method(i)
		takesScope := false
		for j := range m.Type.NumIn() {
			takesScope = takesScope || m.Type.In(j) == scopeType
		}
		switch {
		case takesScope && scopeHelpers[m.Name] != "":
			// not a read: tested where it is defined
		case takesScope && !tested[m.Name]:
			t.Errorf("Store.%s takes a Scope but has no case in scopeReads", m.Name)
		case takesScope && unscoped[m.Name] != "":
			t.Errorf("Store.%s takes a Scope: remove it from unscoped", m.Name)
		case !takesScope && tested[m.Name]:
			t.Errorf("Store.%s is in scopeReads but takes no Scope", m.Name)
		case !takesScope && unscoped[m.Name] == "":
			t.Errorf("Store.%s takes no Scope: if it returns hosts or what derives from them, give it one "+
				"and a case in scopeReads; otherwise list it in unscoped with the reason", m.Name)
		}
	}
	for name := range unscoped {
		if _, ok := typ.MethodByName(name); !ok {
			t.Errorf("unscoped lists Store.%s, which does not exist", name)
		}
	}
}
