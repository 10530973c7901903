// Command fleet measures the fleet engine: it loads real vendor data (the
// Debian DSA and DLA lists as of 1 January 2023 and the bullseye Packages
// indexes, the AlmaLinux OSV database) into a fresh database, stores N
// synthetic hosts of real packages (fleet.go: most share one base set per
// distro, a share drift by a few versions, a few run an old kernel),
// evaluates them all, imports the full DSA list (a real data update) and
// re-evaluates, stores and evaluates one new report, then times the host
// page and API and the hosts listing filtered by CVE over loopback HTTP.
// It prints a table, or one JSON object with -json.
//
// Usage: go run ./bench/fleet [-hosts 1000] [-variants 200] [-own-share 0] [-db postgres://...] [-json] [-shared ../shared] [-timeout 30m]
//
// -variants sets how many drifted variants the drifting 28 % share (200:
// the fleet of the figures before the flag); -own-share gives that share
// of the hosts a set of their own (fleet.go; counts in drift.go).
//
// With -db postgres://..., it creates a database of its own on that server
// and drops it at the end; without, a SQLite file in a temporary folder.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"text/tabwriter"
	"time"

	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/alma"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
)

// Result is what -json prints.
type Result struct {
	Hosts              int     `json:"hosts"`
	Engine             string  `json:"engine"`
	DistinctPackages   int     `json:"distinct_packages"`
	PackageSets        int     `json:"package_sets"`
	Findings           int     `json:"findings"` // rows of target_findings: findings stored once per shared target
	Targets            int     `json:"targets"`
	Epochs             int     `json:"epochs"`          // host_targets rows: hosts' history
	UpdateFindings     int     `json:"update_findings"` // "update available" rows of the targets (target_updates)
	ImportS            float64 `json:"import_s"`
	IntakeReportsPerS  float64 `json:"intake_reports_per_s"`
	FullEvalS          float64 `json:"full_eval_s"`
	IncrementalEvalS   float64 `json:"incremental_eval_s"`
	IncrementalHosts   int     `json:"incremental_hosts"`
	ReevalAllS         float64 `json:"reeval_all_s"` // pakiti evaluate --all on the loaded fleet
	ReportEvalMs       float64 `json:"report_eval_ms"`
	HostPageP99Ms      float64 `json:"host_page_p99_ms"`
	HostAPIP99Ms       float64 `json:"host_api_p99_ms"`
	CVEFilterP99Ms     float64 `json:"cve_filter_p99_ms"`
	MetricsScrapeP99Ms float64 `json:"metrics_scrape_p99_ms"`
	VulnsP99Ms         float64 `json:"vulns_p99_ms"`
	PackageSearchP99Ms float64 `json:"package_search_p99_ms"`
	HostsByOSP99Ms     float64 `json:"hosts_by_os_p99_ms"`
	HostsBySiteP99Ms   float64 `json:"hosts_by_site_p99_ms"`
	// HostsByReportsP99Ms: the hosts page sorted by #reports, most first
	// (every host's count read: reports_before and its last record).
	HostsByReportsP99Ms float64 `json:"hosts_by_reports_p99_ms"`
	HostsDeepPageP99Ms  float64 `json:"hosts_deep_page_p99_ms"`
	DBBytes             int64   `json:"db_bytes"`
	PeakRSSMB           float64 `json:"peak_rss_mb"`
	TotalS              float64 `json:"total_s"`
	GOMAXPROCS          int     `json:"gomaxprocs"`
	UpdateChangedKeys   int     `json:"update_changed_keys"`
	FirstHostOpenCVEs   int     `json:"first_host_open_cves"`
	Drift                       // distinct sets and targets (drift.go)
}

func main() {
	nHosts := flag.Int("hosts", 1000, "hosts in the fleet")
	nReq := flag.Int("requests", 500, "requests per page measured")
	dsn := flag.String("db", "", "database (postgres://...: a database of its own is created there and dropped); default a temporary SQLite file")
	asJSON := flag.Bool("json", false, "print one JSON object")
	shared := flag.String("shared", "../shared", "the shared data folder")
	timeout := flag.Duration("timeout", 30*time.Minute, "give up after this long")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the full evaluation to this file")
	keep := flag.Bool("keep", false, "keep the fleet's database afterwards (the temporary directory holding the SQLite file, or the PostgreSQL schema) and print its DSN, for bench/hostreads or EXPLAIN")
	flag.IntVar(&driftFlags.variants, "variants", 200, "drifted variants shared by 28 % of the hosts")
	flag.Float64Var(&driftFlags.ownShare, "own-share", 0, "share of the hosts with a package set of their own")
	flag.Parse()
	profile = *cpuProfile
	if env := os.Getenv("PAKITI_SHARED"); env != "" && *shared == "../shared" {
		*shared = env
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	start := time.Now()
	dir, err := os.MkdirTemp("", "fleet")
	if err != nil {
		log.Fatal(err)
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	db, cleanup, err := openDB(ctx, *dsn, dir, *keep)
	if err != nil {
		log.Fatal(err)
	}
	defer cleanup()
	st, err := store.Open(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if err := run(ctx, st, *shared, dir, *nHosts, *nReq, *asJSON, start, db); err != nil {
		st.Close()
		cleanup()
		log.Fatal(err)
	}
}

func run(ctx context.Context, st *store.Store, shared, dir string, nHosts, nReq int, asJSON bool, start time.Time, db string) error {
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := drivers.Registry()
	st.SetSeverity(reg.Severity)
	m := match.New(st, reg, lg)
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New(), alma.New()), Fetcher: source.NewFetcher(),
		Eval: m, Log: lg, Now: time.Now}
	feeds := filepath.Join(shared, "data/feeds")
	res := Result{Hosts: nHosts, GOMAXPROCS: runtime.GOMAXPROCS(0)}
	var rows [][2]string
	add := func(what, v string) { rows = append(rows, [2]string{what, v}) }

	// Data: the DSA list cut at 1 January 2023 (the update brings the rest).
	cut := filepath.Join(dir, "DSA-list.txt")
	if err := cutDSAList(filepath.Join(feeds, "debian/DSA-list.txt.gz"), cut, time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		return err
	}
	t := time.Now()
	if _, err := im.Import(ctx, "debian", []string{cut, filepath.Join(feeds, "debian/DLA-list.txt.gz"),
		filepath.Join(feeds, "debian/apt-bullseye/bullseye_main_binary-amd64_Packages.gz"),
		filepath.Join(feeds, "debian/apt-bullseye/bullseye-security_main_binary-amd64_Packages.gz")}, false); err != nil {
		return fmt.Errorf("import debian: %w", err)
	}
	if _, err := im.Import(ctx, "alma", []string{filepath.Join(feeds, "alma/almalinux-osv-database-advisories.tar.gz")}, false); err != nil {
		return fmt.Errorf("import alma: %w", err)
	}
	res.ImportS = time.Since(t).Seconds()
	add("import DSA list (to 2023-01-01), DLA list, bullseye indexes, AlmaLinux OSV (empty fleet)", secs(res.ImportS))

	openAdvisories = almaVersionsFrom(st)
	fl, err := newFleet(ctx, shared)
	if err != nil {
		return err
	}
	fl.variants, fl.ownShare = driftFlags.variants, driftFlags.ownShare
	t = time.Now()
	for i := range nHosts {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := st.SaveReport(ctx, fl.incoming(i, time.Now())); err != nil {
			return fmt.Errorf("store host %d: %w", i, err)
		}
	}
	d := time.Since(t)
	res.IntakeReportsPerS = float64(nHosts) / d.Seconds()
	add(fmt.Sprintf("store %d hosts (store.SaveReport, no HTTP, no evaluation)", nHosts), fmt.Sprintf("%s, %.0f reports/s", d.Round(time.Millisecond), res.IntakeReportsPerS))

	stop, err := startProfile()
	if err != nil {
		return err
	}
	t = time.Now()
	if _, err := m.EvaluateHosts(ctx, nil); err != nil {
		return err
	}
	res.FullEvalS = time.Since(t).Seconds()
	stop()
	add("full evaluation, nothing cached (every finding written)", secs(res.FullEvalS))

	t = time.Now()
	up, err := im.Import(ctx, "debian", []string{filepath.Join(feeds, "debian/DSA-list.txt.gz"), filepath.Join(feeds, "debian/DLA-list.txt.gz"),
		filepath.Join(feeds, "debian/apt-bullseye/bullseye_main_binary-amd64_Packages.gz"),
		filepath.Join(feeds, "debian/apt-bullseye/bullseye-security_main_binary-amd64_Packages.gz")}, false)
	if err != nil {
		return fmt.Errorf("update debian: %w", err)
	}
	res.IncrementalEvalS, res.IncrementalHosts, res.UpdateChangedKeys = time.Since(t).Seconds(), up.Hosts, up.Changed
	add("data update: full DSA list (import + incremental re-evaluation)", fmt.Sprintf("%s, %d changed keys, %d hosts refreshed", secs(res.IncrementalEvalS), up.Changed, up.Hosts))

	var lat []time.Duration
	for i := range 21 {
		in := fl.incoming(nHosts+i, time.Now())
		t := time.Now()
		if _, err := st.SaveReport(ctx, in); err != nil {
			return err
		}
		if err := m.AfterReport(ctx, in.Host.Hostname, in.Host.OSGroup, nil); err != nil {
			return err
		}
		lat = append(lat, time.Since(t))
	}
	res.ReportEvalMs = ms(pct(lat[1:], .5))
	add("one new report stored and evaluated (p50 of 20)", fmt.Sprintf("%.1f ms", res.ReportEvalMs))
	if err := measureNewSets(ctx, st, m, fl, nHosts+21, &res, add); err != nil {
		return err
	}

	t = time.Now()
	if err := st.ForgetEvaluations(ctx); err != nil {
		return err
	}
	if _, err := m.EvaluateHosts(ctx, nil); err != nil {
		return err
	}
	res.ReevalAllS = time.Since(t).Seconds()
	add("pakiti evaluate --all (verdicts recomputed, unchanged findings skipped)", secs(res.ReevalAllS))

	// The pages are measured as a server serves them: its fleet-cells job
	// (every minute) has folded the host counts' changes (PostgreSQL logs
	// one per host write; nothing to fold on SQLite).
	t = time.Now()
	folded, err := st.FoldFleetCells(ctx)
	if err != nil {
		return err
	}
	add("fleet cells folded (serve's job, every minute; PostgreSQL)", fmt.Sprintf("%d changes, %s", folded, time.Since(t).Round(time.Millisecond)))

	if err := measurePages(ctx, st, m, lg, fl, nHosts, nReq, &res, add); err != nil {
		return err
	}
	if err := measureDB(ctx, st, db, &res); err != nil {
		return err
	}
	if err := measureDrift(ctx, db, &res, add); err != nil {
		return err
	}
	res.PeakRSSMB = peakRSSMB()
	res.TotalS = time.Since(start).Seconds()
	add("catalogue packages / package sets / findings", fmt.Sprintf("%d / %d / %d", res.DistinctPackages, res.PackageSets, res.Findings))
	add("database size / peak RSS", fmt.Sprintf("%.1f MB / %.0f MB", float64(res.DBBytes)/1e6, res.PeakRSSMB))
	add("total", secs(res.TotalS))
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		return enc.Encode(res)
	}
	fmt.Printf("fleet: %d hosts, %s, GOMAXPROCS %d\n", nHosts, res.Engine, res.GOMAXPROCS)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", r[0], r[1])
	}
	return tw.Flush()
}

// profile names the CPU profile file of the full evaluation ("" for none).
var profile string

func startProfile() (func(), error) {
	if profile == "" {
		return func() {}, nil
	}
	f, err := os.Create(profile)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func secs(s float64) string { return fmt.Sprintf("%.2f s", s) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
