package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/metrics"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/web"
)

// openDB returns the DSN to run on and what removes it: a SQLite file in
// dir, or a schema of its own in the PostgreSQL database of dsn.
func openDB(ctx context.Context, dsn, dir string, keep bool) (string, func(), error) {
	if dsn == "" || strings.HasPrefix(dsn, "sqlite:") {
		if dsn == "" {
			dsn = "sqlite:" + filepath.Join(dir, "fleet.db")
		}
		return dsn, func() {
			if keep {
				fmt.Fprintln(os.Stderr, "fleet: kept", dsn)
			}
		}, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, err
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 4)
	rand.Read(b)
	name := "fleet_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	kept := u.String()
	return kept, func() {
		if keep {
			fmt.Fprintln(os.Stderr, "fleet: kept", kept)
			db.Close()
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if _, err := db.ExecContext(ctx, `DROP SCHEMA `+name+` CASCADE`); err != nil {
			fmt.Fprintln(os.Stderr, "fleet: drop schema", name, err)
		}
		db.Close()
	}, nil
}

// measurePages times the host page, the host API and the hosts listing
// filtered by CVE, sequential GETs over loopback.
func measurePages(ctx context.Context, st *store.Store, m *match.Matcher, lg *slog.Logger, fl *fleet, nHosts, nReq int, res *Result, add func(string, string)) error {
	// Metrics uncached: every scrape measured reads the fleet figures.
	h, err := web.New(web.Config{Store: st, Feed: intake.New(st, m, lg), Log: lg,
		Metrics: metrics.New(metrics.Config{Store: st, Log: lg, CacheTTL: -1})})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	first, err := st.Host(ctx, store.AllSites(), fl.incoming(0, time.Now()).Host.Hostname)
	if err != nil {
		return err
	}
	res.FirstHostOpenCVEs = first.CVEs
	// CVEs to filter by: those of the first Debian host and the first AlmaLinux host.
	var cves []string
	for _, i := range []int{0, 3} {
		fs, err := st.HostFindings(ctx, store.AllSites(), fl.incoming(i, time.Now()).Host.Hostname, false)
		if err != nil {
			return err
		}
		for _, f := range fs {
			cves = append(cves, f.CVE)
		}
	}
	if len(cves) == 0 {
		cves = []string{"CVE-2023-0286"}
	}
	pages := []struct {
		name string
		dst  *float64
		url  func(i int) string
	}{
		{"host page", &res.HostPageP99Ms, func(i int) string {
			return base + "/hosts/" + url.PathEscape(fl.incoming(i%nHosts, time.Time{}).Host.Hostname)
		}},
		{"host API", &res.HostAPIP99Ms, func(i int) string {
			return base + "/api/v1/hosts/" + url.PathEscape(fl.incoming(i%nHosts, time.Time{}).Host.Hostname)
		}},
		{"hosts listing filtered by CVE (API, first 100)", &res.CVEFilterP99Ms, func(i int) string {
			return base + "/api/v1/hosts?cve=" + url.QueryEscape(cves[i%len(cves)])
		}},
		{"/metrics scrape, store read uncached", &res.MetricsScrapeP99Ms, func(int) string { return base + "/metrics" }},
		{"vulnerabilities listing (API, first 100)", &res.VulnsP99Ms, func(int) string { return base + "/api/v1/cves" }},
		{"hosts with package openssl (API, first 1000)", &res.PackageSearchP99Ms, func(int) string { return base + "/api/v1/packages?name=openssl" }},
		{"hosts page sorted by OS", &res.HostsByOSP99Ms, func(int) string { return base + "/hosts?sort=os" }},
		{"hosts page sorted by site", &res.HostsBySiteP99Ms, func(int) string { return base + "/hosts?sort=site" }},
		{"hosts page sorted by #reports", &res.HostsByReportsP99Ms, func(int) string { return base + "/hosts?sort=-reports" }},
		{"hosts page, a deep page (offset half the fleet)", &res.HostsDeepPageP99Ms, func(int) string {
			return base + "/hosts?offset=" + strconv.Itoa(nHosts/2)
		}},
	}
	for _, p := range pages {
		var lat []time.Duration
		for i := range nReq + 1 {
			u := p.url(i * 7919)
			t := time.Now()
			resp, err := http.Get(u)
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return fmt.Errorf("%s: %d", u, resp.StatusCode)
			}
			if i > 0 {
				lat = append(lat, time.Since(t))
			}
		}
		*p.dst = ms(pct(lat, .99))
		add(p.name+", p50 / p99 ("+strconv.Itoa(nReq)+" sequential GETs)", fmt.Sprintf("%.1f / %.1f ms", ms(pct(lat, .5)), *p.dst))
	}
	return nil
}

// measureDB fills the row counts and the database's size.
func measureDB(ctx context.Context, st *store.Store, dsn string, res *Result) error {
	s, err := st.Status(ctx)
	if err != nil {
		return err
	}
	res.Engine = s.Engine
	for _, t := range s.Tables {
		switch t.Table {
		case "packages":
			res.DistinctPackages = int(t.Rows)
		case "package_sets":
			res.PackageSets = int(t.Rows)
		case "target_findings":
			res.Findings = int(t.Rows)
		case "targets":
			res.Targets = int(t.Rows)
		case "host_targets":
			res.Epochs = int(t.Rows)
		case "target_updates":
			res.UpdateFindings = int(t.Rows)
		}
	}
	if file, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		file, _, _ = strings.Cut(file, "?")
		for _, f := range []string{file, file + "-wal"} {
			if fi, err := os.Stat(f); err == nil {
				res.DBBytes += fi.Size()
			}
		}
		return nil
	}
	u, _ := url.Parse(dsn)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	schema := u.Query().Get("search_path")
	return db.QueryRowContext(ctx, `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`, schema).Scan(&res.DBBytes)
}

// peakRSSMB is the process's peak resident set (VmHWM), in MB.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

func pct(d []time.Duration, p float64) time.Duration {
	d = append([]time.Duration(nil), d...)
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	i := int(p*float64(len(d)+1)) - 1
	return d[max(0, min(i, len(d)-1))]
}
