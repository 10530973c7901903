// Command feedload measures report intake. It sends reports built from a
// real inventory from concurrent clients, in three phases, and prints per
// phase the reports sent, acknowledged (HTTP 200, body starting with OK)
// and failed (by kind), acknowledged reports/s and latency percentiles:
//
//	new-set   a new host whose package set no host had before
//	known-set a new host whose package set is already stored
//	unchanged a host re-sending its previous (known-set) report
//
// Without -url it starts pakiti's feed and store in-process on a loopback
// port with a fresh SQLite file. With -url it spreads the reports over the
// given running servers, round-robin or at random (-pick), and prints
// figures per server too:
//
//	go run ./bench/feedload [-n 2000] [-c 8] [-packages 1500]
//	go run ./bench/feedload -url URL[,URL...] -clients N -duration D [-json] [-acked FILE] [-check URL]
//
// In-process, -db postgres://... runs the server on a fresh schema of
// that PostgreSQL database (dropped after) instead of a SQLite file, and
// -phase-profiles DIR writes a CPU profile of each phase (PHASE.pprof:
// the server and the senders, one process) to see where a kind of report
// spends its time.
//
// Each phase stops after -n reports or -duration, whichever comes first
// (with -duration alone, only the time bounds it). -acked FILE writes one
// JSON line per acknowledged report: host, site, server and the package
// set it carried (count and hash, as the server computes them). -check URL
// then verifies against that server's API that every acknowledged host is
// stored with the set of its last acknowledged report; alone (without
// -url) it checks an -acked file written earlier. The exit status is 1
// when a report failed or the check found a host missing or mismatched.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errFailed means the run completed but a report or the check failed.
var errFailed = errors.New("failed")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := runErr(ctx, args, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 2
	case !errors.Is(err, errFailed):
		fmt.Fprintln(stderr, "feedload:", err)
	}
	return 1
}

func runErr(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("feedload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 2000, "reports per phase at most (with -duration and no -n, only the time bounds a phase)")
	var clients int
	fs.IntVar(&clients, "clients", 8, "concurrent clients")
	fs.IntVar(&clients, "c", 8, "same as -clients")
	fs.IntVar(&clients, "senders", 8, "same as -clients")
	soakMode := fs.Bool("soak", false, "soak: start `pakiti serve` (built from ./cmd/pakiti, or -pakiti) on loopback, send from -senders for -duration, kill -9 it every -kill-every and restart it on the same database, then check that every acknowledged report is stored")
	killEvery := fs.Duration("kill-every", 0, "soak: kill -9 the server this often and restart it (0: never)")
	soakDB := fs.String("db", "", "soak: the server's database (default: a fresh SQLite file); in-process: sqlite (a fresh file, the default) or a PostgreSQL DSN (a fresh schema, dropped after)")
	serveArgs := fs.String("serve-args", "", `soak: more arguments of pakiti serve, space-separated (e.g. "--intake async": the check then waits for the queue to empty)`)
	pakitiBin := fs.String("pakiti", "", "soak: the pakiti binary (default: go build ./cmd/pakiti)")
	duration := fs.Duration("duration", 0, "time per phase at most")
	npkg := fs.Int("packages", 1500, "packages per report")
	inv := fs.String("inventory", "../shared/data/inventories/debian-12/ci-debian12/ci-debian12.pakiti5.txt", "real report the package lists are built from")
	urls := fs.String("url", "", "comma-separated servers (root or feed URL of each); default: start one in-process")
	pick := fs.String("pick", "rr", "how a report picks its server: rr (round-robin) or random")
	only := fs.String("only", "", "run only this phase (unchanged also runs known-set)")
	data := fs.String("data", "", "in-process only: import these Debian security files first (comma-separated, e.g. the DSA and DLA lists), so that intake also evaluates")
	system := fs.String("system", "Debian GNU/Linux 12", "the system: line of the reports (its OS group decides what data applies)")
	site := fs.String("site", "BENCH", "the site: line of the reports")
	timeout := fs.Duration("timeout", 30*time.Second, "time limit of one request")
	asJSON := fs.Bool("json", false, "print one JSON object instead of tables")
	ackedFile := fs.String("acked", "", "write every acknowledged report to this file (JSON lines); with -check and no -url, read it")
	checkURL := fs.String("check", "", "verify on this server that every acknowledged host has the package set of its last acknowledged report")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole run")
	phaseProfiles := fs.String("phase-profiles", "", "in-process only: write a CPU profile of each phase to this folder (PHASE.pprof)")
	synchronous := fs.String("synchronous", "", "in-process only: SQLite synchronous setting, full or normal (default: the store's default, full)")
	abList := fs.String("ab", "", "A/B: start each of these pakiti binaries in turn (LABEL=BINARY[?SQLITEOPTS], comma-separated; e.g. old=/tmp/old,new=/tmp/new?synchronous=normal), -rounds times, each on a fresh database, send the phases and print reports/s and the server's CPU ms per report")
	rounds := fs.Int("rounds", 2, "A/B: rounds (each runs every -ab binary once, in order)")
	abDB := fs.String("ab-db", "sqlite", "A/B: sqlite (a fresh file per run) or a PostgreSQL DSN (a fresh schema per run)")
	abImport := fs.String("ab-import", "", "A/B: import these Debian security files (comma-separated, e.g. the DSA and DLA lists) into each run's database with the binary's own `pakiti import --source debian` before it serves, so that intake also evaluates (use a -system the files have data for)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	nSet := false
	fs.Visit(func(f *flag.Flag) { nSet = nSet || f.Name == "n" })
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	case clients < 1 || clients > 1024:
		return fmt.Errorf("-clients must be 1 to 1024")
	case *n < 0 || *duration < 0 || *duration > time.Hour:
		return fmt.Errorf("-n must be >= 0 and -duration at most 1h")
	case *n == 0 && *duration == 0:
		return fmt.Errorf("give -n or -duration: a phase needs a bound")
	case *timeout <= 0 || *timeout > 10*time.Minute:
		return fmt.Errorf("-timeout must be above 0 and at most 10m")
	case *pick != "rr" && *pick != "random":
		return fmt.Errorf("-pick must be rr or random")
	case *only != "" && !contains(phaseNames, *only):
		return fmt.Errorf("-only must be one of %s", strings.Join(phaseNames, ", "))
	case *data != "" && *urls != "":
		return fmt.Errorf("-data imports into the in-process server: not with -url")
	case *synchronous != "" && *urls != "":
		return fmt.Errorf("-synchronous sets the in-process server's SQLite: not with -url")
	case *checkURL != "" && *ackedFile == "":
		return fmt.Errorf("-check needs -acked FILE")
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, nil)))
	if *soakMode {
		if *urls != "" || *checkURL != "" || *data != "" || *only != "" || *synchronous != "" || *duration <= 0 || nSet || *killEvery < 0 {
			return fmt.Errorf("%w; it needs -duration and takes no -url, -check, -data, -only, -synchronous or -n", errSoakFlags)
		}
		return runSoak(ctx, soakConfig{Binary: *pakitiBin, DB: *soakDB, Senders: clients, Duration: *duration,
			KillEvery: *killEvery, Site: *site, Run: strconv.FormatInt(time.Now().UnixNano(), 36), ServeArgs: strings.Fields(*serveArgs)},
			*inv, *npkg, *system, *asJSON, stdout)
	}
	if *abList != "" {
		if *urls != "" || *checkURL != "" || *data != "" || *synchronous != "" || *ackedFile != "" || *rounds < 1 || *rounds > 100 {
			return fmt.Errorf("-ab takes no -url, -check, -data, -synchronous or -acked, and 1 to 100 -rounds")
		}
		var imports []string
		if *abImport != "" {
			imports = strings.Split(*abImport, ",")
		}
		return runABFlags(ctx, *abList, *abDB, imports, *rounds, strings.Fields(*serveArgs), loadConfig{Clients: clients, N: *n, Duration: *duration,
			Only: *only, Run: strconv.FormatInt(time.Now().UnixNano(), 36)}, nSet, *inv, *npkg, header{System: *system, Site: *site}, *timeout, *asJSON, stdout)
	}
	if *killEvery != 0 || *pakitiBin != "" || *serveArgs != "" {
		return fmt.Errorf("-kill-every, -pakiti and -serve-args go with -soak")
	}
	if *urls != "" && (*soakDB != "" || *phaseProfiles != "") {
		return fmt.Errorf("-db and -phase-profiles go with the in-process server (or -db with -soak): not with -url")
	}
	client := &http.Client{Timeout: *timeout, Transport: &http.Transport{MaxIdleConnsPerHost: clients * 2}}
	defer client.CloseIdleConnections()

	if *checkURL != "" && *urls == "" {
		res, err := checkFile(ctx, client, *checkURL, *ackedFile)
		if err != nil {
			return err
		}
		return printResult(stdout, &Result{Mode: "check", Check: res}, *asJSON)
	}

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	base, err := basePackages(*inv, *npkg)
	if err != nil {
		return err
	}
	hd := header{System: *system, Site: *site}
	b, err := newBodies(base, hd)
	if err != nil {
		return err
	}
	res := &Result{Mode: "remote", Pick: *pick, Clients: clients, DurationS: duration.Seconds(),
		Packages: len(base), ReportBytes: len(b.body("x", -1)), GOMAXPROCS: runtime.GOMAXPROCS(0), Acked: *ackedFile}
	var targets []target
	if *urls == "" {
		feed, stop, err := startServer(ctx, *soakDB, *data, *synchronous)
		if err != nil {
			return err
		}
		defer stop()
		res.Mode = "in-process"
		targets = []target{{Feed: feed, Base: strings.TrimSuffix(feed, "/feed/")}}
	} else if targets, err = parseTargets(*urls); err != nil {
		return err
	}
	for _, t := range targets {
		res.Servers = append(res.Servers, t.Feed)
	}
	c := loadConfig{Targets: targets, Clients: clients, N: *n, Duration: *duration, Random: *pick == "random",
		Only: *only, Run: strconv.FormatInt(time.Now().UnixNano(), 36)}
	var prof *phaseProfiler
	if *phaseProfiles != "" {
		if *cpuprofile != "" {
			return fmt.Errorf("-cpuprofile and -phase-profiles: one profile at a time")
		}
		prof = &phaseProfiler{dir: *phaseProfiles}
		c.OnStart = prof.start
		defer prof.stop()
	}
	if *duration > 0 && !nSet {
		c.N = 0
	}
	res.MaxReports = c.N

	var acked io.Writer
	if *ackedFile != "" {
		f, err := os.Create(*ackedFile)
		if err != nil {
			return err
		}
		defer f.Close()
		acked = f
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "feedload: %s, %d clients, %s per phase, %d packages per report (%d bytes), GOMAXPROCS %d, pick %s, %s\n",
			res.Mode, clients, bound(c), len(base), res.ReportBytes, res.GOMAXPROCS, *pick, strings.Join(res.Servers, " "))
	}
	var ackedAll []Acked
	_, err = runPhases(ctx, c, client, b, func(r phaseRun) error {
		if err := prof.stop(); err != nil {
			return err
		}
		res.Phases = append(res.Phases, phaseFigures(r, targets))
		if acked == nil {
			return nil
		}
		recs := ackedRecords(r, targets, base, *site)
		if *checkURL != "" {
			ackedAll = append(ackedAll, recs...)
		}
		return writeAcked(acked, recs)
	})
	if err != nil {
		// Show what was measured before the phase that could not run.
		printResult(stdout, res, *asJSON)
		return err
	}
	if f, ok := acked.(*os.File); ok {
		if err := f.Close(); err != nil {
			return err
		}
	}
	if *checkURL != "" {
		base, err := checkBase(*checkURL)
		if err != nil {
			return err
		}
		if res.Check, err = check(ctx, client, base, ackedAll); err != nil {
			return err
		}
	}
	return printResult(stdout, res, *asJSON)
}

// runABFlags runs -ab.
func runABFlags(ctx context.Context, list, db string, imports []string, rounds int, serveArgs []string, lc loadConfig, nSet bool,
	inv string, npkg int, hd header, timeout time.Duration, asJSON bool, stdout io.Writer) error {
	bins, err := parseAB(list)
	if err != nil {
		return err
	}
	if lc.Duration > 0 && !nSet {
		lc.N = 0
	}
	base, err := basePackages(inv, npkg)
	if err != nil {
		return err
	}
	b, err := newBodies(base, hd)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{MaxIdleConnsPerHost: lc.Clients * 2}}
	defer client.CloseIdleConnections()
	res, err := runAB(ctx, abConfig{Binaries: bins, Rounds: rounds, DB: db, Import: imports, ServeArgs: serveArgs, Load: lc}, client, b, len(base))
	if res != nil {
		if perr := printAB(stdout, res, asJSON); err == nil {
			err = perr
		}
	}
	return err
}

// runSoak runs a soak in a scratch folder, removed unless the soak
// failed (the server's log is then kept and named).
func runSoak(ctx context.Context, c soakConfig, inv string, npkg int, system string, asJSON bool, stdout io.Writer) error {
	base, err := basePackages(inv, npkg)
	if err != nil {
		return err
	}
	b, err := newBodies(base, header{System: system, Site: c.Site})
	if err != nil {
		return err
	}
	if c.Dir, err = os.MkdirTemp("", "soak"); err != nil {
		return err
	}
	res, err := soak(ctx, c, base, b)
	if err == nil {
		err = printSoak(stdout, res, asJSON)
	}
	if err != nil {
		slog.Error("soak failed: its folder is kept", "dir", c.Dir, "server_log", filepath.Join(c.Dir, "server.log"))
		return err
	}
	return os.RemoveAll(c.Dir)
}

// printResult prints res and says errFailed when a report failed or the check
// found a problem.
func printResult(w io.Writer, res *Result, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		if len(res.Phases) > 0 {
			if err := printTable(w, res.Phases); err != nil {
				return err
			}
		}
		if res.Check != nil {
			printCheck(w, res.Check)
		}
	}
	for _, p := range res.Phases {
		if p.Errors > 0 {
			return errFailed
		}
	}
	if res.Check != nil && !res.Check.OK() {
		return errFailed
	}
	return nil
}

func checkFile(ctx context.Context, client *http.Client, server, file string) (*CheckResult, error) {
	base, err := checkBase(server)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := readAcked(f)
	if err != nil {
		return nil, err
	}
	return check(ctx, client, base, recs)
}

func checkBase(server string) (string, error) {
	t, err := parseTargets(server)
	if err != nil {
		return "", err
	}
	if len(t) != 1 {
		return "", fmt.Errorf("-check takes one server")
	}
	return t[0].Base, nil
}

func bound(c loadConfig) string {
	switch {
	case c.N > 0 && c.Duration > 0:
		return fmt.Sprintf("%d reports or %s", c.N, c.Duration)
	case c.N > 0:
		return fmt.Sprintf("%d reports", c.N)
	}
	return c.Duration.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// startServer serves pakiti's feed and API on a loopback port with a fresh
// SQLite file (synchronous: its setting, "" for the default), or a fresh
// schema of the PostgreSQL database db (a postgres:// DSN), after
// importing the comma-separated Debian files in data.
func startServer(ctx context.Context, db, data, synchronous string) (string, func(), error) {
	dir, err := os.MkdirTemp("", "feedload")
	if err != nil {
		return "", nil, err
	}
	if db == "" {
		db = "sqlite"
	}
	dsn, drop, err := freshDB(ctx, db, dir, "")
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	if synchronous != "" {
		if db != "sqlite" {
			drop()
			os.RemoveAll(dir)
			return "", nil, fmt.Errorf("-synchronous is a SQLite setting")
		}
		dsn += "?synchronous=" + synchronous
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		drop()
		os.RemoveAll(dir)
		return "", nil, err
	}
	fail := func(err error) (string, func(), error) {
		st.Close()
		drop()
		os.RemoveAll(dir)
		return "", nil, err
	}
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := match.New(st, drivers.Registry(), lg)
	if data != "" {
		im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(), Eval: m, Log: lg, Now: time.Now}
		if _, err := im.Import(ctx, "debian", strings.Split(data, ","), false); err != nil {
			return fail(err)
		}
	}
	h, err := web.New(web.Config{Store: st, Feed: intake.New(st, m, lg), Log: lg})
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/feed/", func() {
		srv.Close()
		st.Close()
		drop()
		os.RemoveAll(dir)
	}, nil
}
