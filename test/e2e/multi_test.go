package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// instance is one pakiti serve process of several on one database.
type instance struct {
	base string
	cmd  *exec.Cmd
	log  string // its log file (JSON lines)
	dead bool   // killed by the test
}

// startInstance starts pakiti serve on db and waits for /healthz.
func startInstance(t *testing.T, db string, extra ...string) *instance {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	in := &instance{base: "http://" + addr, log: filepath.Join(t.TempDir(), "serve.log")}
	logf, err := os.Create(in.log)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "--listen", addr, "--db", db, "--log-format", "json"}, extra...)
	in.cmd = exec.Command(bins.server, args...)
	in.cmd.Stdout, in.cmd.Stderr = logf, logf
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !in.dead {
			in.cmd.Process.Signal(syscall.SIGTERM)
		}
		in.cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(in.log)
			t.Logf("log of %s:\n%s", in.base, tail(string(b), 25))
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(in.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return in
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer /healthz within 30 s: %v", in.base, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var (
	feedloadOnce sync.Once
	feedloadBin  string
	feedloadErr  error
)

// feedload builds bench/feedload once.
func feedload(t *testing.T) string {
	t.Helper()
	feedloadOnce.Do(func() {
		feedloadBin = filepath.Join(filepath.Dir(bins.server), "feedload")
		cmd := exec.Command("go", "build", "-o", feedloadBin, "../../bench/feedload")
		if b, err := cmd.CombinedOutput(); err != nil {
			feedloadErr = fmt.Errorf("build feedload: %v\n%s", err, b)
		}
	})
	if feedloadErr != nil {
		t.Fatal(feedloadErr)
	}
	return feedloadBin
}

// holderPid is the process id in a lease holder's id (host:pid:random).
func holderPid(holder string) int {
	f := strings.Split(holder, ":")
	if len(f) < 3 {
		return 0
	}
	pid, _ := strconv.Atoi(f[len(f)-2])
	return pid
}

// loadResult is the part of feedload -json the test reads.
type loadResult struct {
	Phases []struct {
		Phase   string `json:"phase"`
		OK      int    `json:"ok"`
		Errors  int    `json:"errors"`
		Servers []struct {
			URL    string `json:"url"`
			OK     int    `json:"ok"`
			Errors int    `json:"errors"`
		} `json:"servers"`
	} `json:"phases"`
	Check *struct {
		Hosts      int `json:"hosts"`
		Present    int `json:"present"`
		Missing    int `json:"missing"`
		Mismatched int `json:"mismatched"`
	} `json:"check"`
}

// TestSeveralInstances: three servers on one PostgreSQL database take
// reports from the load tool while one of them, the holder of a job's
// lease, is killed with SIGKILL. Every report answered OK is stored (as
// both survivors show it), the job ran at most once per period and
// throughout but for the lease's expiry, and another server took the
// lease over.
func TestSeveralInstances(t *testing.T) {
	db := testdb.PostgresDSN(t)
	shared := sharedDir(t)
	fl := feedload(t)
	const ttl, renew = 3 * time.Second, 500 * time.Millisecond
	flags := []string{"--update-every", "0", "--test-job-every", "1s",
		"--job-ttl", ttl.String(), "--job-renew", renew.String()}
	var ins []*instance
	for range 3 {
		ins = append(ins, startInstance(t, db, flags...))
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	// The load: three phases of 3 s over the three servers.
	acked := filepath.Join(t.TempDir(), "acked.jsonl")
	urls := []string{ins[0].base, ins[1].base, ins[2].base}
	load := exec.Command(fl, "-url", strings.Join(urls, ","), "-clients", "6", "-duration", "3s", "-json",
		"-packages", "300", "-acked", acked, "-site", "MULTI",
		"-inventory", filepath.Join(shared, "data/inventories/debian-12/ci-debian12/ci-debian12.pakiti5.txt"))
	var loadOut strings.Builder
	load.Stdout = &loadOut
	load.Stderr = os.Stderr
	if err := load.Start(); err != nil {
		t.Fatal(err)
	}

	// Mid-run, kill the server that holds the job's lease.
	time.Sleep(2 * time.Second)
	var victim *instance
	var victimHolder string
	for deadline := time.Now().Add(10 * time.Second); victim == nil; {
		ls, err := st.Leases(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			for _, in := range ins {
				if l.Name == "test-tick" && holderPid(l.Holder) == in.cmd.Process.Pid {
					victim, victimHolder = in, l.Holder
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no server holds the lease of test-tick: %+v", ls)
		}
		time.Sleep(100 * time.Millisecond)
	}
	killed := time.Now()
	victim.dead = true
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := load.Wait(); err != nil {
		t.Logf("feedload: %v (reports to the killed server fail)", err)
	}
	var res loadResult
	if err := json.Unmarshal([]byte(loadOut.String()), &res); err != nil {
		t.Fatalf("feedload -json: %v\n%s", err, loadOut.String())
	}
	okBy := map[string]int{}
	for _, p := range res.Phases {
		if p.OK == 0 {
			t.Errorf("phase %s: no report acknowledged", p.Phase)
		}
		for _, s := range p.Servers {
			okBy[strings.TrimSuffix(s.URL, "/feed/")] += s.OK
			if s.Errors > 0 && !strings.HasPrefix(s.URL, victim.base) {
				t.Errorf("phase %s: %d errors from %s, which stayed up", p.Phase, s.Errors, s.URL)
			}
		}
	}
	for _, in := range ins {
		if okBy[in.base] == 0 {
			t.Errorf("%s acknowledged no report", in.base)
		}
	}

	// Every acknowledged report is stored, and each survivor sees the
	// hosts the others took (GET /api/v1/hosts?site=MULTI).
	for _, in := range ins {
		if in.dead {
			continue
		}
		out, _ := exec.Command(fl, "-check", in.base, "-acked", acked, "-json").CombinedOutput()
		var c loadResult
		if err := json.Unmarshal(out, &c); err != nil || c.Check == nil {
			t.Fatalf("feedload -check %s: %v\n%s", in.base, err, out)
		}
		if c.Check.Hosts == 0 || c.Check.Present != c.Check.Hosts || c.Check.Missing+c.Check.Mismatched > 0 {
			t.Errorf("check on %s: %+v", in.base, *c.Check)
		}
	}

	// The lease is taken over after its expiry, and the job runs again.
	var runs []store.JobRun
	for deadline := time.Now().Add(ttl + 15*time.Second); ; {
		if runs, err = st.JobRuns(ctx, "test-tick"); err != nil {
			t.Fatal(err)
		}
		after := 0
		for _, r := range runs {
			if r.Period.After(killed) && r.Holder != victimHolder {
				after++
			}
		}
		if after >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no other server ran the job after the holder was killed: %+v", runs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	ls, err := st.Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// (Other jobs, such as gc every --gc-every, hold leases of their own.)
	tick := slices.IndexFunc(ls, func(l store.Lease) bool { return l.Name == "test-tick" })
	if tick < 0 || ls[tick].Holder == victimHolder {
		t.Errorf("leases %+v: want test-tick held by a survivor", ls)
	}
	checkRuns(t, runs, ins, killed, ttl, renew)

	// Each survivor took its share of the runs' logs: count the runs the
	// servers logged, per period (a killed server may have died before
	// logging its last run, never logged one twice).
	logged := map[int64][]string{}
	for _, in := range ins {
		f, err := os.Open(in.log)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var l struct {
				Msg, Job, Period string
			}
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "job run" && l.Job == "test-tick" {
				p, _ := time.Parse(time.RFC3339Nano, l.Period)
				logged[p.UnixMilli()] = append(logged[p.UnixMilli()], in.base)
			}
		}
		f.Close()
	}
	for p, by := range logged {
		if len(by) > 1 {
			t.Errorf("period %s run by %v", time.UnixMilli(p).UTC().Format(time.TimeOnly), by)
		}
	}
	if len(logged) < len(runs)-1 {
		t.Errorf("%d runs logged, %d recorded", len(logged), len(runs))
	}
}

// checkRuns: one run per period (the table's key promises it; the rows
// show it), periods following each other but for the lease's expiry after
// the kill, and runs by another holder after it.
func checkRuns(t *testing.T, runs []store.JobRun, ins []*instance, killed time.Time, ttl, renew time.Duration) {
	t.Helper()
	if len(runs) < 5 {
		t.Fatalf("%d runs of test-tick: want one a second", len(runs))
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Period.Before(runs[j].Period) })
	// Allowed gap between periods: one period, or, once, the expiry of
	// the killed holder's lease plus a renewal (and slack for a loaded
	// machine).
	handover := 0
	for i := 1; i < len(runs); i++ {
		if runs[i].Period.Equal(runs[i-1].Period) {
			t.Errorf("period %s ran twice: %+v %+v", runs[i].Period, runs[i-1], runs[i])
		}
		gap := runs[i].Period.Sub(runs[i-1].Period)
		switch {
		case gap <= 2*time.Second: // a period may pass unnoticed on a busy machine
		case gap <= ttl+renew+4*time.Second && !runs[i-1].Period.After(killed) && runs[i].Period.After(killed):
			handover++
		default:
			t.Errorf("periods %s to %s: a gap of %s", runs[i-1].Period.Format(time.TimeOnly), runs[i].Period.Format(time.TimeOnly), gap)
		}
		if runs[i].Holder != runs[i-1].Holder && !(runs[i].Period.After(killed) && !runs[i-1].Period.After(killed)) {
			t.Logf("holder changed from %s to %s at %s (not at the kill)", runs[i-1].Holder, runs[i].Holder, runs[i].Period.Format(time.TimeOnly))
		}
	}
	if handover > 1 {
		t.Errorf("%d long gaps, want one at most (the kill)", handover)
	}
	pids := map[int]bool{}
	for _, in := range ins {
		pids[in.cmd.Process.Pid] = true
	}
	for _, r := range runs {
		if !pids[holderPid(r.Holder)] {
			t.Errorf("run by %s, not one of the servers", r.Holder)
		}
		if r.Period.Before(killed.Add(-2*time.Second)) && r.Outcome != "ok" {
			t.Errorf("run %+v: want ok", r)
		}
	}
}

// TestMigrateFromSQLite: a report stored by a server on SQLite, the
// database copied with pakiti db migrate-from, and a server on the
// PostgreSQL copy shows the host; db status shows the rows.
func TestMigrateFromSQLite(t *testing.T) {
	pg := testdb.PostgresDSN(t)
	shared := sharedDir(t)
	file := filepath.Join(t.TempDir(), "pakiti.db")
	src := startInstance(t, "sqlite:"+file, "--update-every", "0")
	inv := filepath.Join(shared, "data/inventories/debian-12/ci-debian12/ci-debian12.pakiti5.txt")
	hdr, want := readReport(t, inv)
	name := strings.Fields(hdr["host"])[0]
	runClient(t, "--url", src.base+"/feed/", "--input", inv, "--site", "OLD-SITE")
	src.cmd.Process.Signal(syscall.SIGTERM)
	src.cmd.Wait()
	src.dead = true

	out := runPakiti(t, pg, "db", "migrate-from", "sqlite:"+file)
	if !strings.Contains(out, "row counts verified") {
		t.Errorf("migrate-from said:\n%s", out)
	}
	var status store.Status
	if err := json.Unmarshal([]byte(runPakiti(t, pg, "db", "status", "--format", "json")), &status); err != nil {
		t.Fatal(err)
	}
	rows := map[string]int64{}
	for _, c := range status.Tables {
		rows[c.Table] = c.Rows
	}
	if status.Engine != "postgres" || rows["hosts"] != 1 || rows["sites"] != 1 || rows["reports"] != 1 ||
		rows["packages"] != int64(len(want)) || rows["package_set_members"] != int64(len(want)) {
		t.Errorf("db status after the copy: %+v", status)
	}
	// A second copy into the now full database is refused.
	cmd := exec.Command(bins.server, "db", "migrate-from", "sqlite:"+file, "--db", pg)
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "not empty") {
		t.Errorf("second migrate-from: %v\n%s", err, b)
	}
	dst := startInstance(t, pg, "--update-every", "0")
	h := (&server{base: dst.base}).host(t, name)
	if h.Host.Site != "OLD-SITE" || h.Host.Packages != len(want) {
		t.Errorf("host on the PostgreSQL copy: %+v", h.Host)
	}
	// The copy takes new rows (ids after the copied ones): a new host in a
	// new site, with packages the catalogue lacks.
	inv2 := filepath.Join(shared, "data/inventories/debian-12/langflow-backend-image/langflow-backend-image.pakiti5.txt")
	hdr2, want2 := readReport(t, inv2)
	runClient(t, "--url", dst.base+"/feed/", "--input", inv2, "--site", "NEW-SITE")
	if h := (&server{base: dst.base}).host(t, strings.Fields(hdr2["host"])[0]); h.Host.Site != "NEW-SITE" || h.Host.Packages != len(want2) {
		t.Errorf("new host on the copy: %+v", h.Host)
	}
}
