package demo

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/alpine"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/source/ubuntu"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// TestLoad loads the bundle as pakiti serve --demo does and checks that the
// demo shows real findings, a host without data as not evaluated, and
// that loading twice is harmless.
func TestLoad(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.SetCoverage(store.CoverageConfig{NeedsSourceMap: func(g string) bool {
		d, ok := drivers.Registry().For(g)
		return ok && d.LearnsSources()
	}})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := match.New(st, drivers.Registry(), log)
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New(), ubuntu.New(), alpine.New()), Fetcher: source.NewFetcher(),
		Eval: m, Log: log, Now: time.Now}
	for range 2 {
		if err := Load(ctx, im, intake.New(st, m, log)); err != nil {
			t.Fatal(err)
		}
	}
	hosts, total, err := st.ListHosts(ctx, store.AllSites(), store.HostFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if total != len(reports) {
		t.Fatalf("%d hosts, want %d", total, len(reports))
	}
	type counts struct {
		Evaluated                       bool
		Vulnerable, CVEs, AdvisoryFinds int
		DataState                       string
	}
	got := map[string]counts{}
	for _, h := range hosts {
		got[h.Hostname] = counts{h.Evaluated, h.VulnerablePackages, h.CVEs, h.AdvisoryFindings, h.DataState}
		// The demo is honest: a host is shown evaluated with complete
		// data only where the bundle holds its release's whole data
		// (Ubuntu 18.04, Alpine 3.10); the Debian hosts are partial and
		// say why.
		if (h.DataState == "complete") != (h.OSGroup == "ubuntu:18.04" || h.OSGroup == "alpine:3.10") ||
			(h.DataState != "complete" && h.DataReason == "") {
			t.Errorf("%s (%s): data %q (%s)", h.Hostname, h.OSGroup, h.DataState, h.DataReason)
		}
	}
	// Counted from the bundled DSA/DLA lists by hand: see test/e2e/debian_test.go
	// for the per-CVE derivation of both Debian 11 hosts.
	want := map[string]counts{
		"inv-debian11-a.example.org": {true, 9, 10, 0, "partial"}, // krb5 x4, libksba8, libgnutls30, libssl1.1, openssl, libxml2
		// 389-ds-base, atomicparsley, running kernel, wordpress; DSA-5279-2
		// wordpress (no CVE line) [bullseye] - wordpress 5.7.8+dfsg1-0+deb11u2
		// is an advisory finding, not a CVE.
		"bullseye-p6.example.org": {true, 4, 19, 1, "partial"},
		// Debian 12 has two tracker JSON excerpt entries: partial, never clean.
		"inv-debian12-a.example.org":   {true, 0, 0, 0, "partial"},
		"inv-ubuntu2204-a.example.org": {false, 0, 0, 0, "none"}, // no Ubuntu 22.04 data: not evaluated
		// fanal-testdata-dpkg against the bionic tracker: 48 packages, 82
		// CVEs, over protocol 6 and over protocol 5 through the map
		// protocol 6 taught. These are not counted by hand: they are the
		// figures of the whole 2020 snapshot for this inventory (session
		// 6, TestUbuntuSnapshot), and TestBundleIsSnapshot checks that the
		// bundle's bionic records are the snapshot's; the hand-written
		// expectations of these hosts are in test/e2e/ubuntu_test.go.
		"bionic-p6.example.org":        {true, 48, 82, 0, "complete"},
		"inv-ubuntu1804-a.example.org": {true, 48, 82, 0, "complete"},
		// Alpine 3.10.9 (the branch's last point release, 2020) against
		// v3.10's secdb of 2020: every secfix is at or below the installed
		// versions, e.g. busybox 1.30.1-r5 (secfixes 1.30.1-r5:
		// CVE-2021-28831 is not in the 2020 file; 1.30.1-r3 CVE-2019-5747):
		// none open, complete, so clean.
		"inv-alpine310-a.example.org": {true, 0, 0, 0, "complete"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("demo hosts (-want +got):\n%s", diff)
	}
}
