package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/metrics"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// BenchmarkDashboardFleet times the dashboard, sites and stats pages and
// the exposure snapshot on a fleet of PAKITI_BENCH_HOSTS hosts (default
// 2,000) in 20 sites, on DSA-5343-1 with two of its CVEs tagged: 60 % run
// openssl 1.1.1n-0+deb11u3 (5 open CVEs), 30 % the fixed u4, 10 % are
// Debian 12 (not evaluated). The hosts share three package sets, which
// flatters the snapshot's finding reads (one per site and set) but not the
// pages, which read the hosts' counters and the tagged findings.
//
//	PAKITI_BENCH_HOSTS=100000 [PAKITI_BENCH_DB=/tmp/fleet.db] go test ./internal/web -run '^$' -bench DashboardFleet -benchtime 50x
func BenchmarkDashboardFleet(b *testing.B) {
	st := benchFleet(b)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// As pakiti serve runs (--dashboard-cache 30s), and with every view
	// reading the store (the first view of a scope, or --dashboard-cache 0).
	for _, c := range []struct {
		name string
		ttl  time.Duration
	}{{"cached", 30 * time.Second}, {"uncached", 0}} {
		h, err := New(Config{Store: st, Log: log, Feed: http.NotFoundHandler(), DashboardCache: c.ttl})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		for _, path := range []string{"/", "/api/v1/dashboard", "/sites", "/sites/SITE-07", "/stats"} {
			b.Run(c.name+path, func(b *testing.B) {
				var ds []time.Duration
				for b.Loop() {
					t := time.Now()
					resp, err := http.Get(srv.URL + path)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Fatalf("%s: %d", path, resp.StatusCode)
					}
					ds = append(ds, time.Since(t))
				}
				sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
				b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
}

// benchFleet builds the fleet of BenchmarkDashboardFleet and takes its
// exposure snapshot.
func benchFleet(b *testing.B) *store.Store {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("PAKITI_BENCH_HOSTS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	// PAKITI_BENCH_DB keeps the fleet in that SQLite file, built once.
	dsn, keep := testdb.DSN(b), os.Getenv("PAKITI_BENCH_DB")
	if keep != "" {
		dsn = "sqlite:" + keep
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	st.SetPolicy(store.NewLivePolicy(st, time.Minute, nil, nil)) // the tags in force, as pakiti serve applies them
	if keep != "" {
		if _, total, err := st.ListHosts(ctx, store.AllSites(), store.HostFilter{Limit: 1}); err == nil && total > 0 {
			b.Logf("%d hosts in %s", total, keep)
			return st
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := match.New(st, drivers.Registry(), log)
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(), Eval: m, Log: log, Now: time.Now}
	if _, err := im.Import(ctx, "debian", []string{"testdata/DSA-5343-1.txt"}, false); err != nil {
		b.Fatal(err)
	}
	// Constructed tags (a CSIRT's decision, not vendor data) on two real CVEs.
	for cve, tag := range map[string]string{"CVE-2023-0286": "EGI-Critical", "CVE-2022-4450": "EGI-High"} {
		if err := st.PutTag(ctx, store.CVETag{CVE: cve, Tag: tag, Enabled: true, Author: "bench", ModifiedAt: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	sets := []struct {
		os   string
		pkgs []model.Package
	}{
		{"Debian GNU/Linux 11", []model.Package{{Name: "openssl", Version: "1.1.1n-0+deb11u3", Arch: "amd64", SourceName: "openssl", SourceVersion: "1.1.1n-0+deb11u3"}}},
		{"Debian GNU/Linux 11", []model.Package{{Name: "openssl", Version: "1.1.1n-0+deb11u4", Arch: "amd64", SourceName: "openssl", SourceVersion: "1.1.1n-0+deb11u4"}}},
		{"Debian GNU/Linux 12", []model.Package{{Name: "bash", Version: "5.2.15-2+b7", Arch: "amd64", SourceName: "bash", SourceVersion: "5.2.15-2"}}},
	}
	t0 := time.Now()
	now := time.Now().Add(-time.Hour)
	for i := range n {
		k := 0
		switch {
		case i%10 >= 9:
			k = 2
		case i%10 >= 6:
			k = 1
		}
		s := sets[k]
		group := "debian:11"
		if k == 2 {
			group = "debian:12"
		}
		name := fmt.Sprintf("wn%06d.example.org", i)
		in := store.Incoming{Host: model.Host{Hostname: name, Site: fmt.Sprintf("SITE-%02d", i%20), OS: s.os, Arch: "x86_64",
			Kernel: "5.10.0-20-amd64", Packager: "dpkg", ReporterAddr: "192.0.2.1", Protocol: 6, OSGroup: group},
			Packages: s.pkgs, SetHash: report.PackageSetHash(s.pkgs), HeaderHash: name, ReceivedAt: now}
		if _, err := st.SaveReport(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	stored := time.Since(t0)
	t0 = time.Now()
	if _, err := m.EvaluateHosts(ctx, nil); err != nil {
		b.Fatal(err)
	}
	evaluated := time.Since(t0)
	t0 = time.Now()
	res, err := st.SnapshotExposure(ctx, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d hosts (%s, stored in %s, evaluated in %s); snapshot %s: %+v", n, st.Engine(), stored.Round(time.Millisecond),
		evaluated.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond), res)
	return st
}

// BenchmarkPagesFleet times the pages a security team opens every day on
// the fleet of BenchmarkDashboardFleet, every view reading the store
// (--dashboard-cache 0): p50 and p99 per page.
//
//	PAKITI_BENCH_HOSTS=100000 PAKITI_BENCH_DB=/tmp/uifleet.db go test ./internal/web -run '^$' -bench PagesFleet -benchtime 50x
func BenchmarkPagesFleet(b *testing.B) {
	st := benchFleet(b)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// /metrics read at every scrape (no cache), as the first scrape
	// after the cache's expiry.
	met := metrics.New(metrics.Config{Store: st, Log: log, CacheTTL: -1})
	h, err := New(Config{Store: st, Log: log, Feed: http.NotFoundHandler(), Metrics: met})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	paths := []string{"/hosts", "/hosts?sort=-cves", "/hosts?sort=site&offset=4900", "/hosts?offset=4900",
		"/hosts?site=SITE-07", "/hosts?status=exposed", "/hosts?status=not-evaluated", "/hosts?cve=CVE-2023-0286",
		"/hosts/wn000007.example.org", "/", "/api/v1/dashboard", "/sites", "/sites/SITE-07", "/cves", "/oses", "/stats", "/metrics"}
	// PAKITI_BENCH_PATHS (comma-separated) times those pages instead: a
	// fleet built by bench/fleet has other names.
	if v := os.Getenv("PAKITI_BENCH_PATHS"); v != "" {
		paths = strings.Split(v, ",")
	}
	for _, path := range paths {
		b.Run(path, func(b *testing.B) {
			var ds []time.Duration
			cpu0 := cpuTime()
			for b.Loop() {
				t := time.Now()
				resp, err := http.Get(srv.URL + path)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("%s: %d", path, resp.StatusCode)
				}
				ds = append(ds, time.Since(t))
			}
			// The CPU the process spent (server and client): what a page
			// costs whatever else the machine runs.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(len(ds)), "cpu-ms/op")
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
