package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/testdb/testdsn"
)

// gcReport is evHost (real bullseye versions, see evaluate_test.go) plus
// one package whose version changes at each report: the package
// "gc-probe" is constructed, as no real package changes every minute, to
// give each report a set no host had before (the re-sends with
// changing packages). With fixed true, openssl is at the version
// DSA-5343-1 fixed.
func gcReport(host string, round int, fixed bool) Incoming {
	pkgs := append([]model.Package(nil), evHost...)
	if fixed {
		for i := range pkgs[:2] {
			pkgs[i].Version, pkgs[i].SourceVersion = "1.1.1n-0+deb11u4", "1.1.1n-0+deb11u4"
		}
	}
	pkgs = append(pkgs, model.Package{Name: "gc-probe", Version: fmt.Sprintf("1.%d", round), Arch: "all"})
	pkgs = report.SortPackages(pkgs)
	return Incoming{
		Host:     model.Host{Hostname: host, Site: "SITE-GC", Kernel: "5.10.0-19-amd64", Protocol: 6, OSGroup: evGroup},
		Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: "h",
		ReceivedAt: t0.Add(time.Duration(round) * time.Minute),
	}
}

// gcEvaluate evaluates a host as the matcher would, with the real openssl
// verdict of DSA-5343-1 for versions before 1.1.1n-0+deb11u4.
func gcEvaluate(t *testing.T, s *Store, host string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	hs, err := s.HostStates(ctx, []string{host}, nil)
	if err != nil || len(hs) != 1 {
		t.Fatalf("host states: %v %v", hs, err)
	}
	pending, _, err := s.Unevaluated(ctx, evGroup, hs[0].SetID)
	if err != nil {
		t.Fatal(err)
	}
	var evs []Evaluation
	for _, p := range pending {
		e := Evaluation{PackageID: p.ID, SourceName: p.SourceName, SourceVersion: p.SourceVersion, Basis: "report"}
		if p.SourceName == "openssl" && p.Version == "1.1.1n-0+deb11u3" {
			e.Verdicts = []Verdict{evOpenSSLVerdict}
		}
		evs = append(evs, e)
	}
	if err := s.SaveEvaluations(ctx, evGroup, evs); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSetEvaluated(ctx, evGroup, hs[0].SetID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := refreshFindings(ctx, s, hs[0].ID, at); err != nil {
		t.Fatal(err)
	}
}

func countRows(t *testing.T, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.r.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

type findingRow struct {
	Host, Package, Version, CVE string
	Resolved                    bool
}

func allFindings(t *testing.T, s *Store) []findingRow {
	t.Helper()
	ctx := context.Background()
	hosts := map[int64]string{}
	rows, err := s.r.Query(`SELECT id, hostname FROM hosts`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		hosts[id] = name
	}
	rows.Close()
	var out []findingRow
	for id, name := range hosts {
		eps, err := s.hostEpochs(ctx, []int64{id})
		if err != nil {
			t.Fatal(err)
		}
		state, err := s.replay(ctx, eps[id], nil)
		if err != nil {
			t.Fatal(err)
		}
		targets := map[int64]bool{}
		for _, st := range state {
			targets[st.target] = true
		}
		for tid := range targets {
			all, err := s.decodedTarget(ctx, tid)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range all {
				if st := state[d.key]; st != nil && st.target == tid {
					f := withState(d.finding(), st)
					out = append(out, findingRow{Host: name, Package: f.Package, Version: f.Version, CVE: f.CVE,
						Resolved: f.ResolvedAt != nil})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}

// checkIntegrity: every member names a catalogue package, every host's set
// holds as many members as it says, every mark and evaluation names a
// set or package that exists.
func checkIntegrity(t *testing.T, s *Store) {
	t.Helper()
	for _, q := range []string{
		`SELECT COUNT(*) FROM package_set_members m WHERE NOT EXISTS (SELECT 1 FROM packages p WHERE p.id = m.package_id)`,
		`SELECT COUNT(*) FROM package_set_members m WHERE NOT EXISTS (SELECT 1 FROM package_sets ps WHERE ps.id = m.set_id)`,
		`SELECT COUNT(*) FROM hosts h JOIN package_sets ps ON ps.id = h.package_set_id
			WHERE ps.package_count <> (SELECT COUNT(*) FROM package_set_members m WHERE m.set_id = ps.id)`,
		`SELECT COUNT(*) FROM hosts h WHERE NOT EXISTS (SELECT 1 FROM package_sets ps WHERE ps.id = h.package_set_id)`,
		`SELECT COUNT(*) FROM set_evaluated e WHERE NOT EXISTS (SELECT 1 FROM package_sets ps WHERE ps.id = e.set_id)`,
		`SELECT COUNT(*) FROM evaluated e WHERE NOT EXISTS (SELECT 1 FROM packages p WHERE p.id = e.package_id)`,
	} {
		var n int
		if err := s.r.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d rows break: %s", n, q)
		}
	}
}

// TestGCLeavesTheUsedSets is the case: 4 hosts re-sending with
// changing packages leave one unused set per report; GC leaves only the 4
// hosts' sets, the catalogue packages they and the findings use, and
// changes no finding.
func TestGCLeavesTheUsedSets(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	hosts := []string{"a.example.org", "b.example.org", "c.example.org", "d.example.org"}
	const rounds = 30
	for r := range rounds {
		for i, h := range hosts {
			// Hosts a and b get the fixed openssl half-way: their
			// findings are resolved, and keep the old packages.
			in := gcReport(h, r*len(hosts)+i, i < 2 && r >= rounds/2)
			if _, err := s.SaveReport(ctx, in); err != nil {
				t.Fatal(err)
			}
			gcEvaluate(t, s, h, in.ReceivedAt)
		}
	}
	findings := allFindings(t, s)
	if n := countRows(t, s, "package_sets"); n != rounds*len(hosts) {
		t.Fatalf("%d sets before GC, want %d", n, rounds*len(hosts))
	}
	dry, err := s.GC(ctx, GCOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.GC(ctx, GCOptions{Batch: 50}) // small batches: several transactions
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %+v (dry run: %+v)", s.Engine(), res, dry)
	// The 4 hosts' sets (each of 6 packages), their members, their
	// packages: 5 of evHost's (old openssl for c and d, new for a and b:
	// 7 distinct) plus the 4 hosts' gc-probe versions; the old openssl
	// binaries stay for the findings of a and b anyway.
	want := map[string]int{
		"package_sets": 4, "package_set_members": 4 * 6, "set_evaluated": 4,
		"packages": 7 + 4, "evaluated": 7 + 4,
	}
	for table, n := range want {
		if got := countRows(t, s, table); got != n {
			t.Errorf("%s: %d rows after GC, want %d", table, got, n)
		}
	}
	wantRes := GCResult{Sets: int64(rounds*len(hosts) - 4), Packages: int64(rounds*len(hosts) - 4)}
	if res.Sets != wantRes.Sets || res.Packages != wantRes.Packages || res.Reports != 0 {
		t.Errorf("GC deleted %d sets and %d packages, want %d and %d", res.Sets, res.Packages, wantRes.Sets, wantRes.Packages)
	}
	if dry.Sets != res.Sets || dry.Packages != res.Packages {
		t.Errorf("dry run counted %d sets and %d packages, the run deleted %d and %d", dry.Sets, dry.Packages, res.Sets, res.Packages)
	}
	if diff := cmp.Diff(findings, allFindings(t, s)); diff != "" {
		t.Errorf("findings changed by GC (-before +after):\n%s", diff)
	}
	checkIntegrity(t, s)
	for _, h := range hosts {
		pkgs, err := s.HostPackages(ctx, AllSites(), h)
		if err != nil || len(pkgs) != 6 {
			t.Errorf("%s: %d packages after GC, %v", h, len(pkgs), err)
		}
	}
	// A report bringing back a collected package version gets it anew
	// (not the cached id of the deleted row).
	in := gcReport("a.example.org", 0, false)
	if _, err := s.SaveReport(ctx, in); err != nil {
		t.Fatalf("report with a collected package: %v", err)
	}
	checkIntegrity(t, s)
	if again, err := s.GC(ctx, GCOptions{}); err != nil || again.Sets != 1 {
		t.Errorf("second GC: %+v, %v; want the one set a left", again, err)
	}
}

// TestGCReportHistory: records older than the retention go, except each
// host's latest.
func TestGCReportHistory(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for r := range 10 {
		for _, h := range []string{"a.example.org", "b.example.org"} {
			if _, err := s.SaveReport(ctx, gcReport(h, r, false)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// b's last report is old too: its latest record stays.
	res, err := s.GC(ctx, GCOptions{ReportsBefore: t0.Add(5 * time.Minute), Batch: 20})
	if err != nil {
		t.Fatal(err)
	}
	if res.Reports != 10 { // rounds 0-4 of both hosts
		t.Errorf("deleted %d records, want 10", res.Reports)
	}
	res, err = s.GC(ctx, GCOptions{ReportsBefore: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Reports != 8 || countRows(t, s, "reports") != 2 {
		t.Errorf("deleted %d more records, %d left; want 8 and each host's latest", res.Reports, countRows(t, s, "reports"))
	}
}

// TestGCRacesIntake runs collections while hosts send reports that create
// new sets and packages, return to sets that just became unused (found by
// hash, or by their package lines as the intake's KnownSet does), and
// bring back collected package versions: no report fails, and what is
// stored stays whole on the engine under test.
func TestGCRacesIntake(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	hosts := []string{"a.example.org", "b.example.org", "c.example.org", "d.example.org"}
	for i, h := range hosts {
		in := gcReport(h, i, false)
		in.PackagesHash = in.SetHash
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	var gcs []GCResult
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			res, err := s.GC(ctx, GCOptions{Batch: 8})
			mu.Lock()
			if err != nil {
				errs = append(errs, fmt.Errorf("GC: %w", err))
			}
			gcs = append(gcs, res)
			mu.Unlock()
		}
	})
	const rounds = 60
	last := make([]Incoming, len(hosts))
	var vanished int
	var senders sync.WaitGroup
	for i, h := range hosts {
		senders.Go(func() {
			for r := range rounds {
				// Three versions in turn: sets become unused and come
				// back, by hash and by package lines.
				in := gcReport(h, (r%3)*10+i%2, false)
				in.ReceivedAt = t0.Add(time.Duration(r*len(hosts)+i) * time.Second)
				in.PackagesHash = in.SetHash // stands for the lines' hash
				if r%2 == 1 {
					if k, ok, err := s.KnownSet(ctx, in.PackagesHash); err == nil && ok {
						fast := in
						fast.Set, fast.Packages = &k, nil
						_, err := s.SaveReport(ctx, fast)
						if err == nil {
							last[i] = in
							continue
						}
						if !errors.Is(err, ErrSetVanished) {
							mu.Lock()
							errs = append(errs, fmt.Errorf("%s round %d (known set): %w", h, r, err))
							mu.Unlock()
							continue
						}
						mu.Lock()
						vanished++
						mu.Unlock()
					}
				}
				if _, err := s.SaveReport(ctx, in); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("%s round %d: %w", h, r, err))
					mu.Unlock()
					continue
				}
				last[i] = in
			}
		})
	}
	senders.Wait()
	close(stop)
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	var sets, pkgs int64
	for _, g := range gcs {
		sets, pkgs = sets+g.Sets, pkgs+g.Packages
	}
	t.Logf("%s: %d collections deleted %d sets and %d packages; %d known sets vanished", s.Engine(), len(gcs), sets, pkgs, vanished)
	if sets == 0 || pkgs == 0 {
		t.Errorf("the collections deleted %d sets and %d packages: the race was not run", sets, pkgs)
	}
	checkIntegrity(t, s)
	for i, h := range hosts {
		got, err := s.HostPackages(ctx, AllSites(), h)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range got {
			names = append(names, p.Name+" "+p.Version)
		}
		var want []string
		for _, p := range last[i].Packages {
			want = append(want, p.Name+" "+p.Version)
		}
		sort.Strings(names)
		sort.Strings(want)
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("%s: packages differ from its last report (-want +got):\n%s", h, diff)
		}
	}
	// And after one more collection, nothing but the hosts' sets is left.
	if _, err := s.GC(ctx, GCOptions{}); err != nil {
		t.Fatal(err)
	}
	checkIntegrity(t, s)
	if n := countRows(t, s, "package_sets"); n > len(hosts)+1 {
		t.Errorf("%d sets left, want at most %d (the hosts' and the highest)", n, len(hosts)+1)
	}
}

// TestGCRechecksInsideTheBatch: a set that a report takes again between
// the collection's scan and its delete, and a package that a new set takes
// meanwhile, are kept (the deletes re-check their condition).
func TestGCRechecksInsideTheBatch(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	// a sends rounds 0, 1 and 4: the sets of rounds 0 and 1 are unused;
	// the highest set and package are b's, never collected.
	for _, in := range []Incoming{gcReport("a.example.org", 0, false), gcReport("a.example.org", 1, false),
		gcReport("a.example.org", 4, false), gcReport("b.example.org", 2, false)} {
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	done := map[string]bool{}
	testHookGCBatch = func(phase string) {
		if done[phase] {
			return
		}
		done[phase] = true
		var in Incoming
		switch phase {
		case "sets": // c takes round 0's set, by its hash
			in = gcReport("c.example.org", 0, false)
		case "packages": // a new set with gc-probe 1.1, of round 1's collected set
			in = gcReport("d.example.org", 1, false)
			in.Packages = append(in.Packages, model.Package{Name: "gc-probe-2", Version: "1", Arch: "all"})
			in.Packages = report.SortPackages(in.Packages)
			in.SetHash = report.PackageSetHash(in.Packages)
		}
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	defer func() { testHookGCBatch = nil }()
	res, err := s.GC(ctx, GCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sets != 1 || res.Packages != 0 || !done["packages"] {
		t.Errorf("deleted %d sets and %d packages (package batch run: %v); want round 1's set only, round 0's was taken again before its batch and gc-probe 1.1 too",
			res.Sets, res.Packages, done["packages"])
	}
	checkIntegrity(t, s)
	for h, n := range map[string]int{"c.example.org": 6, "d.example.org": 7} {
		pkgs, err := s.HostPackages(ctx, AllSites(), h)
		if err != nil || len(pkgs) != n {
			t.Errorf("%s: %d packages, want %d (%v)", h, len(pkgs), n, err)
		}
	}
}

// TestGCInvalidatesOtherServersCaches: a collection run by another server
// (another Store on the database) empties this one's cache of catalogue
// ids, so a package it cached and the other collected is added anew.
func TestGCInvalidatesOtherServersCaches(t *testing.T) {
	ctx := context.Background()
	dsn := testdsn.DSN(t)
	a, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// a caches gc-probe 1.0 and 1.1; round 1 and b's round 2 leave round
	// 0's set and gc-probe 1.0 unused.
	for _, in := range []Incoming{gcReport("a.example.org", 0, false), gcReport("a.example.org", 1, false), gcReport("b.example.org", 2, false)} {
		if _, err := a.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	res, err := b.GC(ctx, GCOptions{})
	if err != nil || res.Packages != 1 {
		t.Fatalf("collection by the other server: %+v, %v; want gc-probe 1.0 deleted", res, err)
	}
	// A new set with gc-probe 1.0, by the server that cached it.
	in := gcReport("c.example.org", 0, false)
	in.Packages = report.SortPackages(append(in.Packages, model.Package{Name: "gc-probe-2", Version: "1", Arch: "all"}))
	in.SetHash = report.PackageSetHash(in.Packages)
	if _, err := a.SaveReport(ctx, in); err != nil {
		t.Fatalf("new set with a package collected by the other server: %v", err)
	}
	checkIntegrity(t, a)
}

// TestKnownSetRemembered: KnownSet remembers what a raw hash gave, also
// after the set was collected; the save of a report found by a collected
// set fails with ErrSetVanished and forgets it, so that the next lookup
// reads again (not found), and the set stored anew is found again, with
// the same hash and size.
func TestKnownSetRemembered(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	first := gcReport("a.example.org", 1, false)
	first.PackagesHash = "lines-1"
	if _, err := s.SaveReport(ctx, first); err != nil {
		t.Fatal(err)
	}
	want := KnownSet{Hash: first.SetHash, Packages: len(first.Packages)}
	lookup := func(step string, found bool) KnownSet {
		t.Helper()
		k, ok, err := s.KnownSet(ctx, "lines-1")
		if err != nil || ok != found {
			t.Fatalf("%s: KnownSet found %v, %v; want %v", step, ok, err, found)
		}
		if found {
			if diff := cmp.Diff(want, KnownSet{Hash: k.Hash, Packages: k.Packages}); diff != "" {
				t.Errorf("%s: KnownSet (-want +got):\n%s", step, diff)
			}
		}
		return k
	}
	k := lookup("stored", true)
	// The host moves to another set: the first one is collected.
	if _, err := s.SaveReport(ctx, gcReport("a.example.org", 2, false)); err != nil {
		t.Fatal(err)
	}
	if res, err := s.GC(ctx, GCOptions{}); err != nil || res.Sets != 1 {
		t.Fatalf("GC: %+v, %v; want 1 set collected", res, err)
	}
	lookup("collected, remembered", true)
	fast := first
	fast.Host.Hostname, fast.Set, fast.Packages = "b.example.org", &k, nil
	if _, err := s.SaveReport(ctx, fast); !errors.Is(err, ErrSetVanished) {
		t.Fatalf("save by a collected set: %v, want ErrSetVanished", err)
	}
	lookup("vanished, forgotten", false)
	again := first
	again.Host.Hostname = "b.example.org"
	if _, err := s.SaveReport(ctx, again); err != nil {
		t.Fatal(err)
	}
	lookup("stored anew", true)
}
