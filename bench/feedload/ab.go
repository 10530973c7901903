package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver: a fresh schema per run (-ab-db postgres://)
)

// abBinary is one server build of an A/B comparison (-ab): a label, the
// pakiti binary, and SQLite options added to its database (e.g.
// synchronous=normal; session 1's binaries take none).
type abBinary struct {
	Label   string `json:"label"`
	Binary  string `json:"binary"`
	DBQuery string `json:"db_query,omitempty"`
}

// parseAB reads -ab: LABEL=BINARY[?SQLITEOPTS], comma-separated.
func parseAB(list string) ([]abBinary, error) {
	var out []abBinary
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		label, rest, ok := strings.Cut(item, "=")
		if !ok || label == "" || rest == "" {
			return nil, fmt.Errorf("-ab %q: want LABEL=BINARY[?SQLITEOPTS]", item)
		}
		bin, q, _ := strings.Cut(rest, "?")
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("-ab %s: %v", label, err)
		}
		out = append(out, abBinary{Label: label, Binary: bin, DBQuery: q})
	}
	if len(out) < 1 {
		return nil, fmt.Errorf("-ab names no binary")
	}
	return out, nil
}

// abConfig says how to run an A/B comparison.
type abConfig struct {
	Binaries []abBinary
	Rounds   int
	// DB is "sqlite" (a fresh file per run) or a PostgreSQL DSN (a fresh
	// schema per run, dropped after).
	DB string
	// Import are Debian security files each run's binary imports into
	// its fresh database before it serves (-ab-import): intake then
	// evaluates against data.
	Import    []string
	ServeArgs []string
	Load      loadConfig // Targets set per run
}

// ABRun is one server run: one binary, one round, the three phases, with
// the server's CPU time per phase.
type ABRun struct {
	Label  string    `json:"label"`
	Round  int       `json:"round"`
	Phases []ABPhase `json:"phases"`
	// LoadStart and LoadEnd are /proc/loadavg's 1-minute figures when the
	// run began and ended (the machine may be shared).
	LoadStart float64 `json:"load1_start"`
	LoadEnd   float64 `json:"load1_end"`
}

// ABPhase is one phase of a run: its figures and the server process's
// CPU time (user + system, /proc/PID/stat) over the phase.
type ABPhase struct {
	PhaseFigures
	CPUSeconds   float64 `json:"server_cpu_s"`
	CPUmsPerRept float64 `json:"server_cpu_ms_per_report"`
}

// ABResult is what -ab prints (-json: this object).
type ABResult struct {
	Mode     string     `json:"mode"` // "ab"
	DB       string     `json:"db"`
	Binaries []abBinary `json:"binaries"`
	Rounds   int        `json:"rounds"`
	Clients  int        `json:"clients"`
	N        int        `json:"max_reports_per_phase,omitempty"`
	Packages int        `json:"packages_per_report"`
	CPUs     int        `json:"cpus"`
	Runs     []ABRun    `json:"runs"`
}

// runAB runs each binary in turn, Rounds times (A, B, A, B: the machine's
// load drifts over all of them alike), each on a fresh database, with the
// same report stream.
func runAB(ctx context.Context, c abConfig, client *http.Client, b *bodies, npkg int) (*ABResult, error) {
	res := &ABResult{Mode: "ab", DB: c.DB, Binaries: c.Binaries, Rounds: c.Rounds, Clients: c.Load.Clients,
		N: c.Load.N, Packages: npkg, CPUs: runtime.NumCPU()}
	if c.DB != "sqlite" {
		res.DB = redactURL(c.DB)
	}
	dir, err := os.MkdirTemp("", "feedload-ab")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	for round := 1; round <= c.Rounds; round++ {
		for i, bin := range c.Binaries {
			run, err := abRun(ctx, c, client, b, bin, round, filepath.Join(dir, fmt.Sprintf("r%d-%d", round, i)))
			if err != nil {
				return res, fmt.Errorf("%s, round %d: %w", bin.Label, round, err)
			}
			res.Runs = append(res.Runs, run)
		}
	}
	return res, nil
}

func abRun(ctx context.Context, c abConfig, client *http.Client, b *bodies, bin abBinary, round int, dir string) (ABRun, error) {
	run := ABRun{Label: bin.Label, Round: round, LoadStart: load1()}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return run, err
	}
	db, drop, err := freshDB(ctx, c.DB, dir, bin.DBQuery)
	if err != nil {
		return run, err
	}
	defer drop()
	if len(c.Import) > 0 {
		cmd := exec.CommandContext(ctx, bin.Binary, append([]string{"--db", db, "import", "--source", "debian"}, c.Import...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return run, fmt.Errorf("import: %v: %s", err, lastLines(out, 5))
		}
	}
	addr, err := freeAddr()
	if err != nil {
		return run, err
	}
	srv := &server{bin: bin.Binary, db: db, addr: addr, log: filepath.Join(dir, "server.log"), args: c.ServeArgs}
	if err := srv.start(ctx); err != nil {
		return run, err
	}
	defer srv.stop()
	pid := srv.cmd.Process.Pid
	lc := c.Load
	lc.Targets = []target{{Feed: srv.base() + "/feed/", Base: srv.base()}}
	lc.Run = fmt.Sprintf("%s-%s-r%d", lc.Run, bin.Label, round)
	var cpu0 float64
	lc.OnStart = func(string) {
		cpu0, err = procCPU(pid)
	}
	_, perr := runPhases(ctx, lc, client, b, func(r phaseRun) error {
		if err != nil {
			return err
		}
		cpu1, err := procCPU(pid)
		if err != nil {
			return err
		}
		p := ABPhase{PhaseFigures: phaseFigures(r, lc.Targets), CPUSeconds: cpu1 - cpu0}
		p.Servers = nil
		if p.OK > 0 {
			p.CPUmsPerRept = p.CPUSeconds * 1000 / float64(p.OK)
		}
		run.Phases = append(run.Phases, p)
		return nil
	})
	run.LoadEnd = load1()
	return run, perr
}

// freshDB returns the database of one run: a new SQLite file in dir (with
// query, e.g. synchronous=normal), or a new schema in the PostgreSQL
// database of dsn, dropped by drop.
func freshDB(ctx context.Context, dsn, dir, query string) (string, func(), error) {
	if dsn == "sqlite" {
		db := "sqlite:" + filepath.Join(dir, "ab.db")
		if query != "" {
			db += "?" + query
		}
		return db, func() {}, nil
	}
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, fmt.Errorf("-ab-db: want sqlite or postgres://USER:PASSWORD@HOST:PORT/DB")
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, err
	}
	rb := make([]byte, 5)
	rand.Read(rb)
	name := "feedload_ab_" + hex.EncodeToString(rb)
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		admin.ExecContext(ctx, `DROP SCHEMA `+name+` CASCADE`)
		admin.Close()
	}, nil
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on
// every Linux architecture Go runs on (the kernel's ABI, whatever HZ is).
const clockTicks = 100

// procCPU returns the user + system CPU seconds process pid has used.
func procCPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// fields are counted after its closing parenthesis.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q stime %q", pid, f[11], f[12])
	}
	return float64(ut+st) / clockTicks, nil
}

func load1() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

func redactURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// printAB prints every run's phases (reports/s and server CPU ms per
// report), then per binary and phase the range over the rounds.
func printAB(w io.Writer, r *ABResult, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprintf(w, "feedload -ab: %s, %d rounds, %d clients, %d packages per report, %d CPUs\n", r.DB, r.Rounds, r.Clients, r.Packages, r.CPUs)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "binary\tround\tphase\tok\terrors\treports/s\tcpu ms/report\tp50 ms\tp99 ms\tload1 start-end\t")
	for _, run := range r.Runs {
		for _, p := range run.Phases {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%.0f\t%.3f\t%.2f\t%.2f\t%.2f-%.2f\t\n", run.Label, run.Round, p.Phase, p.OK, p.Errors,
				p.PerSecond, p.CPUmsPerRept, p.P50ms, p.P99ms, run.LoadStart, run.LoadEnd)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nsummary (min-max over the rounds)")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "binary\tphase\treports/s\tcpu ms/report\t")
	for _, bin := range r.Binaries {
		for _, phase := range phaseNames {
			var rate, cpu []float64
			for _, run := range r.Runs {
				for _, p := range run.Phases {
					if run.Label == bin.Label && p.Phase == phase {
						rate, cpu = append(rate, p.PerSecond), append(cpu, p.CPUmsPerRept)
					}
				}
			}
			if len(rate) == 0 {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%.0f-%.0f\t%.3f-%.3f\t\n", bin.Label, phase, slices.Min(rate), slices.Max(rate), slices.Min(cpu), slices.Max(cpu))
		}
	}
	return tw.Flush()
}

// lastLines returns the last n lines of out (a command's output, for an
// error).
func lastLines(out []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
