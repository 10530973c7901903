package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/buildinfo"
	"github.com/pakiti-go/pakiti/internal/demo"
	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/heapfloor"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/jobs"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/metrics"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/osgroup"
	"github.com/pakiti-go/pakiti/internal/osrules"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/web"
)

// HeapFloor is the server's least heap goal (heapfloor.Start): a server
// holding a few megabytes collected every few dozen reports. The
// environment's GOGC, when set, turns it off.
const HeapFloor = 64 << 20

func newServe(g *globals) *cobra.Command {
	var listen, cert, key string
	var reportKeys []string
	var maxReport, intakeMemory int64
	var maxInFlight, maxConns, queueWorkers, metricsMaxSites int
	var metricsCache time.Duration
	var intakeMode, osRules, tagsFrom string
	var savedFilters, instanceName string
	var tagsEvery time.Duration
	var tagsRemove bool
	var demoMode bool
	var snapshotEvery, dashboardCache time.Duration
	var every, gcEvery, jobTTL, jobRenew, testJobEvery, osRulesCheck, evalEvery, staleAfter time.Duration
	keep := newRetention(DefaultReportHistory)
	archiveKeep := newRetention(DefaultArchiveRetention)
	var archiveReports bool
	var access accessFlags
	var gocdbJob gocdbFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the feed (/feed/), the web UI, the API and /healthz",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (cert == "") != (key == "") {
				return errors.New("--tls-cert and --tls-key go together")
			}
			if savedFilters != "" {
				if err := web.CheckSavedFilters(savedFilters); err != nil {
					return fmt.Errorf("--saved-filters %s: %w", savedFilters, err)
				}
			}
			log, err := g.logger()
			if err != nil {
				return err
			}
			defer heapfloor.Start(HeapFloor)()
			ctx := cmd.Context()
			banner := ""
			if demoMode {
				if !cmd.Flags().Changed("db") && os.Getenv("PAKITI_DB") == "" {
					dir, err := os.MkdirTemp("", "pakiti-demo-db")
					if err != nil {
						return err
					}
					defer os.RemoveAll(dir)
					g.db = "sqlite:" + filepath.Join(dir, "demo.db")
				}
				banner, every = demo.Banner, 0
			}
			if listen == "" {
				listen = access.listenDefault()
			}
			st, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			authn, guard, err := access.build(ctx, st, listen, log)
			if err != nil {
				return err
			}
			st.SetStaleAfter(staleAfter)
			matcher := match.New(st, drivers.Registry(), log)
			feed := intake.New(st, matcher, log)
			if metricsMaxSites < 1 {
				return errors.New("--metrics-max-sites must be at least 1")
			}
			met := metrics.New(metrics.Config{Store: st, Log: log, MaxSites: metricsMaxSites, CacheTTL: metricsCache})
			feed.Observe = met.Report
			feed.Eval = timedEvaluator{Evaluator: matcher, m: met}
			fileRules, err := osgroup.LoadFile(osRules)
			if err != nil {
				return fmt.Errorf("--os-rules: %w", err)
			}
			if osRules != "" {
				log.Info("OS group rules loaded", "file", osRules, "rules", len(fileRules))
			}
			// The database's rules, then the file's, then the built-in
			// ones, re-read when another server changes them.
			rules := osrules.New(st, fileRules, osRules, matcher, log)
			rules.CheckEvery = osRulesCheck
			feed.Rules = rules
			feed.Guard = guard
			if maxReport > 0 {
				feed.Limits.MaxBytes = maxReport
			}
			feed.Archive = archiveReports
			for _, path := range reportKeys {
				k, err := intake.LoadReportKey(path)
				if err != nil {
					return fmt.Errorf("--report-key: %w", err)
				}
				feed.Keys = append(feed.Keys, k)
				log.Info("report key loaded", "file", path, "certificate", k.Cert != nil)
			}
			// A report holds its body and, while parsed, one copy of it.
			if intakeMemory < 2*feed.Limits.MaxBytes+2 {
				return fmt.Errorf("--intake-memory %d is too small for --max-report-bytes %d: give it at least twice as much",
					intakeMemory, feed.Limits.MaxBytes)
			}
			if maxInFlight < 1 {
				return errors.New("--max-in-flight must be at least 1")
			}
			feed.Admission = intake.NewAdmission(maxInFlight, intakeMemory, intake.DefaultAdmitWait)
			switch intakeMode {
			case "sync":
			case "async":
				if queueWorkers < 1 {
					return errors.New("--queue-workers must be at least 1 with --intake async")
				}
				feed.EnableQueue(st)
			default:
				return fmt.Errorf("--intake must be sync or async, not %q", intakeMode)
			}
			im, err := newImporter(g, st)
			if err != nil {
				return err
			}
			im.Progress = nil // the server logs its progress
			if demoMode {
				t := time.Now()
				if err := demo.Load(ctx, im, feed); err != nil {
					return fmt.Errorf("demo: %w", err)
				}
				log.Info("demo data loaded", "db", g.db, "duration", time.Since(t).Round(time.Millisecond))
			}
			// Background jobs run under leases in the database: with
			// several servers on one database, one of them runs each.
			sched := jobs.New(st, log)
			sched.TTL, sched.Renew = jobTTL, jobRenew
			if jobRenew <= 0 || jobTTL <= jobRenew {
				return errors.New("--job-ttl must be longer than --job-renew, and both above 0")
			}
			var wg sync.WaitGroup
			defer wg.Wait() // leases released before the store closes
			if every > 0 {
				wg.Go(func() {
					sched.Run(ctx, "source-update", every, func(ctx context.Context) error { return updateSources(ctx, im, log) })
				})
			}
			if gcEvery > 0 {
				wg.Go(func() {
					sched.Run(ctx, "gc", gcEvery, func(ctx context.Context) error { return collect(ctx, st, log, keep, archiveKeep) })
				})
			}
			if snapshotEvery > 0 {
				wg.Go(func() {
					sched.Run(ctx, "exposure-snapshot", snapshotEvery, func(ctx context.Context) error { return snapshotExposure(ctx, st, log) })
				})
			}
			// This server's cache of the targets' CVEs (store/vulncache.go)
			// filled at start and after evaluations move hosts onto new
			// targets: no view of /cves waits for them.
			wg.Go(func() { warmVulns(ctx, st, log) })
			// The host counts per cell (store/fleetcells.go): PostgreSQL's
			// triggers log changes that this folds (nothing on SQLite).
			wg.Go(func() {
				sched.Run(ctx, "fleet-cells", time.Minute, func(ctx context.Context) error {
					n, err := st.FoldFleetCells(ctx)
					if n > 0 {
						log.Debug("fleet cells folded", "deltas", n)
					}
					return err
				})
			})
			if tagsFrom != "" && tagsEvery > 0 {
				wg.Go(func() {
					sched.Run(ctx, "tags-import", tagsEvery, func(ctx context.Context) error {
						return importTagsJob(ctx, st, log, tagsFrom, tagsRemove)
					})
				})
			}
			importGOCDB, err := gocdbJob.job(st, log)
			if err != nil {
				return err
			}
			if importGOCDB != nil {
				wg.Go(func() { sched.Run(ctx, "gocdb-import", gocdbJob.every, importGOCDB) })
			}
			matcher.Holder = sched.Holder
			if evalEvery > 0 {
				// The evaluation queue (sets an import changed) is drained
				// after each import; this job drains what a server that
				// died mid-way left, under its lease.
				// It also writes every host again when the CVE tags or
				// exceptions changed (or one expired): their findings'
				// status, tags and the counters follow.
				lastPolicy := "unset" // a first pass at start: hosts written under an older policy
				wg.Go(func() {
					sched.Run(ctx, "evaluate", evalEvery, func(ctx context.Context) error {
						t := time.Now()
						n, err := matcher.Drain(ctx)
						if n > 0 {
							met.Evaluation("queue", time.Since(t))
							log.Info("evaluation queue drained", "hosts", n)
						}
						if err != nil {
							return err
						}
						if gen := st.Policy().Generation(); gen != lastPolicy {
							t := time.Now()
							n, err := matcher.EvaluateHosts(ctx, nil)
							if err != nil {
								return err
							}
							met.Evaluation("policy", time.Since(t))
							lastPolicy = gen
							log.Info("tags or exceptions changed: hosts written again", "hosts", n)
						}
						return nil
					})
				})
			}
			if testJobEvery > 0 {
				wg.Go(func() {
					sched.Run(ctx, "test-tick", testJobEvery, func(context.Context) error { return nil })
				})
			}
			if feed.Queue != nil {
				// Workers run on every server: claims, not the lease,
				// share the queue out.
				wg.Go(func() { feed.Work(ctx, sched.Holder, queueWorkers) })
				wg.Go(func() { feed.LogQueue(ctx, time.Minute) })
				d, err := st.Queue(ctx)
				if err != nil {
					return err
				}
				log.Info("intake queue", "workers", queueWorkers, "reports", d.Reports)
			}
			log.Info("jobs", "holder", sched.Holder, "lease_ttl", sched.TTL.String(), "lease_renew", sched.Renew.String())
			// A tag or exception changed on the admin pages is read at once;
			// the evaluate job then writes the hosts again.
			policyChanged := func(context.Context) {
				if lp, ok := st.Policy().(*store.LivePolicy); ok {
					lp.Refresh()
				}
			}
			h, err := web.New(web.Config{Store: st, Feed: feed, Log: log, Banner: banner, Auth: authn, OSRules: rules, Metrics: met,
				PolicyChanged: policyChanged, DashboardCache: dashboardCache,
				SavedFilters: savedFilters, InstanceName: instanceName})
			if err != nil {
				return err
			}
			tlsConf, err := access.tlsConfig(cert)
			if err != nil {
				return err
			}
			srv := &http.Server{
				TLSConfig:         tlsConf,
				Handler:           h,
				ReadHeaderTimeout: 10 * time.Second,
				ReadTimeout:       2 * time.Minute,
				WriteTimeout:      2 * time.Minute,
				IdleTimeout:       2 * time.Minute,
				MaxHeaderBytes:    64 << 10,
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			nofile := web.OpenFileLimit()
			conns := web.ConnectionLimit(maxConns, nofile)
			if maxConns > 0 && conns < maxConns {
				log.Warn("connection cap lowered below the open-file limit", "asked", maxConns, "cap", conns, "nofile", nofile)
			}
			ln = web.LimitListener(ln, conns)
			scheme := "http"
			if cert != "" {
				scheme = "https"
			}
			log.Info("serving", "addr", ln.Addr().String(), "scheme", scheme, "db", st.Engine(), "version", buildinfo.Get().Version, "commit", buildinfo.Get().Commit,
				"max_connections", conns, "max_in_flight", maxInFlight, "intake_memory", intakeMemory)
			errc := make(chan error, 1)
			go func() {
				if cert != "" {
					errc <- srv.ServeTLS(ln, cert, key)
				} else {
					errc <- srv.Serve(ln)
				}
			}()
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
			}
			log.Info("shutting down")
			sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				return fmt.Errorf("shutdown: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "address to listen on (default 127.0.0.1:8080 with --auth none, else :8080)")
	access.register(cmd)
	gocdbJob.register(cmd)
	cmd.Flags().StringVar(&osRules, "os-rules", "", "file of OS group rules (REGEXP => GROUP a line, see pakiti os-rules list) tried before the built-in ones")
	cmd.Flags().DurationVar(&osRulesCheck, "os-rules-check-every", osrules.DefaultCheckEvery, "how often, at most, to look for OS group rule changes made by another server or pakiti os-rules (one small read; 0: at every report)")
	cmd.Flags().StringVar(&savedFilters, "saved-filters", "", `JSON file of named host views shown as links on the hosts page: [{"name": "EGI-Critical, reported today", "query": "cve_tag=EGI-Critical&activity=24h"}]; read again when it changes`)
	cmd.Flags().StringVar(&instanceName, "instance-name", "", "this server's name, written as the modifier of the tags and exceptions XML exports (Pakiti 3's api/exportCvesTags.php; default: each record's author)")
	cmd.Flags().StringVar(&cert, "tls-cert", "", "TLS certificate file (PEM); serves HTTPS with --tls-key")
	cmd.Flags().StringVar(&key, "tls-key", "", "TLS private key file (PEM)")
	cmd.Flags().StringArrayVar(&reportKeys, "report-key", nil, "PEM RSA private key (with its certificate, optionally) that decrypts S/MIME-encrypted reports (pakiti-client --encrypt CERT); repeat for key rotation")
	cmd.Flags().Int64Var(&maxReport, "max-report-bytes", 0, "largest report accepted (default 32 MiB)")
	cmd.Flags().Int64Var(&intakeMemory, "intake-memory", intake.DefaultMemoryBudget, "bytes of report bodies all reports in progress may hold together; more wait briefly, then get 503")
	cmd.Flags().IntVar(&maxInFlight, "max-in-flight", intake.DefaultMaxInFlight, "reports read and stored at once; more wait briefly, then get 503 with Retry-After")
	cmd.Flags().StringVar(&intakeMode, "intake", "sync", "sync: /feed/ stores a report before it answers; async: it validates the report, enqueues it in the database and answers once that is durable, and workers store it (report-only stays synchronous)")
	cmd.Flags().IntVar(&queueWorkers, "queue-workers", 2, "with --intake async: workers storing queued reports on this server")
	cmd.Flags().IntVar(&maxConns, "max-connections", 0, fmt.Sprintf("connections held open at once (default %d, and always below the open-file limit)", web.DefaultMaxConnections))
	cmd.Flags().IntVar(&metricsMaxSites, "metrics-max-sites", metrics.DefaultMaxSites, "/metrics: per-site series kept (the sites with the most exposed hosts); the others are summed under site=\"other\"")
	cmd.Flags().DurationVar(&metricsCache, "metrics-cache", metrics.DefaultCacheTTL, "/metrics: how long one read of the fleet figures from the database serves scrapes")
	cmd.Flags().BoolVar(&demoMode, "demo", false, "load bundled real demo data (Debian DSA/DLA lists of April 2023, real host inventories) into a temporary database, offline")
	g.sources.addFlags(cmd.Flags())
	cmd.Flags().DurationVar(&evalEvery, "evaluate-every", time.Minute, "drain the evaluation queue (package sets an import changed and a dead server left) once per period, on one server (0: only after imports)")
	cmd.Flags().DurationVar(&staleAfter, "stale-after", store.DefaultStaleAfter, "a host that did not report for this long is stale")
	cmd.Flags().DurationVar(&every, "update-every", 6*time.Hour, "import every source from its vendor URL once per period of this length, aligned to midnight UTC, by one of the servers on the database (0: never)")
	cmd.Flags().DurationVar(&dashboardCache, "dashboard-cache", 30*time.Second, "keep the dashboard's counts per set of sites this long (0: count at every view); the page says when they were counted")
	cmd.Flags().DurationVar(&snapshotEvery, "snapshot-every", 24*time.Hour, "take the dashboard's exposure snapshot (plots, top CVEs, newly exposed hosts) once per period of this length, by one of the servers on the database (0: never; pakiti dashboard snapshot takes one on demand)")
	cmd.Flags().DurationVar(&gcEvery, "gc-every", time.Hour, "delete unused package sets and catalogue packages, and report history older than --report-history, once per period of this length, by one of the servers on the database (0: never)")
	cmd.Flags().BoolVar(&archiveReports, "archive-reports", false, "keep every stored report as received (after decryption), compressed, in the database, for forensics (pakiti archive list|show); the gc job deletes them after --archive-retention")
	cmd.Flags().Var(archiveKeep, "archive-retention", "keep archived raw reports this long (30d, 720h; 0: for ever)")
	cmd.Flags().StringVar(&tagsFrom, "tags-from", "", "import CVE tags from this URL or file (Pakiti 3's XML or JSON, as pakiti tags import) once per --tags-every, by one of the servers on the database")
	cmd.Flags().DurationVar(&tagsEvery, "tags-every", 24*time.Hour, "with --tags-from: how often, aligned to midnight UTC (0: never)")
	cmd.Flags().BoolVar(&tagsRemove, "tags-remove", false, "with --tags-from: delete the local tags absent from the import (follow the publisher's list exactly)")
	cmd.Flags().Var(keep, "report-history", "keep report history this long (400d, 720h; 0: for ever); each host's latest record is always kept")
	cmd.Flags().DurationVar(&jobTTL, "job-ttl", jobs.DefaultTTL, "how long a background job's lease outlives its holder")
	cmd.Flags().DurationVar(&jobRenew, "job-renew", jobs.DefaultRenew, "how often a server renews or asks for a job's lease")
	cmd.Flags().DurationVar(&testJobEvery, "test-job-every", 0, "tests: run a job that does nothing (test-tick) this often, recorded in job_runs")
	for _, f := range []string{"job-ttl", "job-renew", "test-job-every"} {
		cmd.Flags().MarkHidden(f)
	}
	return cmd
}

// updateSources imports every source from its vendor URLs, re-evaluating
// what changed (the job "source-update"); failures (no network, a vendor
// down) are logged, recorded as the run's error and retried next period.
func updateSources(ctx context.Context, im *source.Importer, log *slog.Logger) error {
	var errs []error
	for _, name := range defaultSources(im.Sources) {
		res, err := im.Import(ctx, name, nil, false)
		if err != nil {
			log.Error("source update failed", "source", name, "error", err)
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		log.Info("source updated", "source", name, "unchanged", res.Unchanged, "records", res.Records,
			"hosts", res.Hosts, "duration", res.Duration.Round(time.Millisecond))
	}
	return errors.Join(errs...)
}

// timedEvaluator records how long evaluating a host after its report
// takes (pakiti_evaluation_duration_seconds{kind="report"}).
type timedEvaluator struct {
	intake.Evaluator
	m *metrics.Metrics
}

func (t timedEvaluator) AfterReport(ctx context.Context, hostname, osGroup string, pkgs []model.Package) error {
	start := time.Now()
	err := t.Evaluator.AfterReport(ctx, hostname, osGroup, pkgs)
	t.m.Evaluation("report", time.Since(start))
	return err
}

// The matcher takes the state a save hands over, and so does its timing.
var (
	_ intake.StateEvaluator = (*match.Matcher)(nil)
	_ intake.StateEvaluator = timedEvaluator{}
)

// AfterSave times the evaluation of a host whose state its save handed
// over (intake.StateEvaluator), when the evaluator takes one.
func (t timedEvaluator) AfterSave(ctx context.Context, h store.HostState, pkgs []model.Package) error {
	start := time.Now()
	var err error
	if se, ok := t.Evaluator.(intake.StateEvaluator); ok {
		err = se.AfterSave(ctx, h, pkgs)
	} else {
		err = t.Evaluator.AfterReport(ctx, h.Hostname, h.OSGroup, pkgs)
	}
	t.m.Evaluation("report", time.Since(start))
	return err
}
