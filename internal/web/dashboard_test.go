package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// The dashboard's fleet, on DSA-5343-1 (testdata): "[bullseye] - openssl
// 1.1.1n-0+deb11u4" for CVE-2022-2097 CVE-2022-4304 CVE-2022-4450
// CVE-2023-0215 CVE-2023-0286, with no severity word (so every exposed
// host is in the "other" severity bucket), and no record for bookworm.
var (
	dsa5343CVEs = []string{"CVE-2022-2097", "CVE-2022-4304", "CVE-2022-4450", "CVE-2023-0215", "CVE-2023-0286"}
	// old: openssl below the fix, 5 open CVEs.
	repOld = "#\nhost: old.example.org\nkernel: 5.10.0-20-amd64\nsite: SITE-B\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u3\tamd64\n#\n"
	// old, updated to the fixed version: its 5 findings resolve.
	repOldFixed = "#\nhost: old.example.org\nkernel: 5.10.0-20-amd64\nsite: SITE-B\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u4\tamd64\n#\n"
	// two (protocol 6): openssl and libssl1.1 of source openssl below the
	// fix, 10 findings of the same 5 CVEs: one host per CVE.
	repTwo = "#\nhost: two.example.org\nsite: SITE-B\nsystem: Debian GNU/Linux 11\n#\n" +
		"openssl\t1.1.1n-0+deb11u3\tamd64\topenssl\t1.1.1n-0+deb11u3\nlibssl1.1\t1.1.1n-0+deb11u3\tamd64\topenssl\t1.1.1n-0+deb11u3\n#\n"
	// fixed: at the fixed version, clean.
	repFixed = "#\nhost: fixed.example.org\nsite: SITE-A\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u4\tamd64\n#\n"
	// wn1: Debian 12, no data: not evaluated.
	repWN1 = "#\nhost: wn1.example.org\nsite: SITE-A\nsystem: Debian GNU/Linux 12\n#\nbash\t5.2.15-2+b7\tamd64\n#\n"
	// A hostile host in a hostile site: not evaluated (no OS group).
	hostileSite = `"><script>alert(1)</script>`
	repHostile  = "#\nhost: " + hostile + "\nsite: " + hostileSite + "\nsystem: <b>OS</b>\n#\n<img src=x>\t1\tx\n#\n"
)

// newStoreServer is a server with no authentication on an empty store
// holding DSA-5343-1 and applying the CVE tags in force, and the store.
func newStoreServer(t *testing.T) (*httptest.Server, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// The CVE tags and exceptions in force as pakiti serve applies them
	// (read again at every write here): the hosts' tag counters follow.
	st.SetPolicy(store.NewLivePolicy(st, 0, nil, nil))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := New(Config{Store: st, Feed: intake.New(st, match.New(st, drivers.Registry(), log), log), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(),
		Eval: match.New(st, drivers.Registry(), log), Log: log, Now: time.Now}
	if _, err := im.Import(context.Background(), "debian", []string{"testdata/DSA-5343-1.txt"}, false); err != nil {
		t.Fatal(err)
	}
	return srv, st
}

func getDashboard(t *testing.T, url string) Dashboard {
	t.Helper()
	code, _, body := get(t, url+"/api/v1/dashboard")
	if code != 200 {
		t.Fatalf("dashboard: %d %s", code, body)
	}
	var d Dashboard
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// TestDashboard follows the fleet above through two snapshots and a fix,
// each number written by hand from the reports and DSA-5343-1.
func TestDashboard(t *testing.T) {
	srv, st := newStoreServer(t)
	ctx := context.Background()
	// A CSIRT's tag (constructed: a decision, not vendor data) on one of
	// the five CVEs.
	if err := st.PutTag(ctx, store.CVETag{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Enabled: true, Author: "csirt", ModifiedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{repOld, repFixed, repWN1, repHostile} {
		post(t, srv.URL, "5", r)
	}
	now := time.Now()
	d := getDashboard(t, srv.URL)
	// 4 hosts: old exposed, fixed without open CVE, wn1 and the hostile
	// one not evaluated (no bookworm data, no OS group); debian:11 has
	// only a DSA (partial data), so fixed is not called clean.
	wantTotals := store.FleetTotals{Hosts: 4, Evaluated: 2, NotEvaluated: 2, Exposed: 1, Clean: 0,
		DataStates: map[string]int{"complete": 0, "partial": 2, "stale": 0, "none": 2}}
	if diff := cmp.Diff(wantTotals, d.Totals); diff != "" {
		t.Errorf("totals before any snapshot (-want +got):\n%s", diff)
	}
	// debian:11 declared complete: fixed is clean.
	declareComplete(t, st, "debian:11")
	d = getDashboard(t, srv.URL)
	wantTotals.Clean, wantTotals.DataStates = 1, map[string]int{"complete": 2, "partial": 0, "stale": 0, "none": 2}
	if diff := cmp.Diff(wantTotals, d.Totals); diff != "" {
		t.Errorf("totals with complete data (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"critical": 0, "high": 0, "medium": 0, "low": 0, "other": 1}, d.BySeverity); diff != "" {
		t.Errorf("by severity (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"EGI-Critical": 1}, d.ByTag); diff != "" {
		t.Errorf("by tag (-want +got):\n%s", diff)
	}
	if !d.SnapshotAt.IsZero() || len(d.TopCVEs) != 0 || len(d.History.Days) != 0 || d.Loaded {
		t.Errorf("no snapshot taken, no KEV data, yet: %+v", d)
	}

	// Day 1 (three days ago): old is exposed.
	t1 := now.Add(-72 * time.Hour)
	res, err := st.SnapshotExposure(ctx, t1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Hosts != 4 || res.Exposed != 1 || res.Reads != 1 {
		t.Errorf("snapshot 1: %+v, want 4 hosts, 1 exposed, 1 finding read", res)
	}
	// Day 2 (an hour ago): two is exposed too, by two packages.
	post(t, srv.URL, "6", repTwo)
	t2 := now.Add(-time.Hour)
	if _, err := st.SnapshotExposure(ctx, t2); err != nil {
		t.Fatal(err)
	}
	d = getDashboard(t, srv.URL)
	if d.Totals.Hosts != 5 || d.Totals.Exposed != 2 || d.Totals.Clean != 1 {
		t.Errorf("totals: %+v, want 5 hosts, 2 exposed, 1 clean", d.Totals)
	}
	// Each CVE on 2 hosts: two counted once for its two packages.
	var want []store.CVEHosts
	for _, c := range dsa5343CVEs {
		want = append(want, store.CVEHosts{CVE: c, Hosts: 2})
	}
	if diff := cmp.Diff(want, d.TopCVEs); diff != "" {
		t.Errorf("top CVEs (-want +got):\n%s", diff)
	}
	// two became exposed within 24 h, old within 7 days.
	if d.NewlyExposed24h != 1 || d.NewlyExposed7d != 2 {
		t.Errorf("newly exposed %d in 24 h, %d in 7 days; want 1, 2", d.NewlyExposed24h, d.NewlyExposed7d)
	}
	wantHist := ExposureHistory{Days: []string{day(t1), day(t2)}, Exposed: []int{1, 2},
		ByTag: map[string][]int{"EGI-Critical": {1, 2}}, BySite: map[string][]int{"SITE-B": {1, 2}},
		BySeverity: map[string][]int{"critical": {0, 0}, "high": {0, 0}, "medium": {0, 0}, "low": {0, 0}, "other": {1, 2}}}
	if diff := cmp.Diff(wantHist, d.History); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	if !d.SnapshotAt.Equal(t2.UTC().Truncate(time.Microsecond)) && d.SnapshotAt.Sub(t2).Abs() > time.Millisecond {
		t.Errorf("snapshot at %v, want %v", d.SnapshotAt, t2)
	}

	// old is fixed: it leaves the live counts, and the day's snapshot
	// taken again replaces the day's values.
	post(t, srv.URL, "5", repOldFixed)
	if _, err := st.SnapshotExposure(ctx, now); err != nil {
		t.Fatal(err)
	}
	d = getDashboard(t, srv.URL)
	if d.Totals.Exposed != 1 || d.Totals.Clean != 2 || d.NewlyExposed24h != 1 || d.NewlyExposed7d != 1 {
		t.Errorf("after the fix: %+v, newly %d/%d; want 1 exposed, 2 clean, newly exposed 1 and 1",
			d.Totals, d.NewlyExposed24h, d.NewlyExposed7d)
	}
	if len(d.TopCVEs) != 5 || d.TopCVEs[0].Hosts != 1 {
		t.Errorf("top CVEs after the fix: %+v, want the 5 on 1 host", d.TopCVEs)
	}
	want2 := []int{1, 1}
	if day(t2) != day(now) { // an hour ago was yesterday: three days
		want2 = []int{1, 2, 1}
	}
	if diff := cmp.Diff(want2, d.History.Exposed); diff != "" {
		t.Errorf("exposed per day after the fix (-want +got):\n%s", diff)
	}

	// The page: numbers link to the hosts listing, the plots are there,
	// the hostile site is escaped, no KEV panel is made up.
	code, _, body := get(t, srv.URL+"/")
	for _, s := range []string{
		`<a href="/hosts?status=exposed"><span class="n">1</span> <span class="label">Exposed</span></a>`,
		`<a href="/hosts?status=not-evaluated"><span class="n">2</span> <span class="label">Not evaluated</span></a>`,
		`<a href="/hosts?cve=CVE-2022-2097">1</a>`,
		`<a href="/cves/CVE-2022-2097">CVE-2022-2097</a>`,
		`No known-exploited data loaded`,
		`<td>EGI-Critical</td><td class="num"><a href="/hosts?cve_tag=EGI-Critical">1</a></td>`,
		`<figure class="plot" id="plot-exposed">`, `<figure class="plot" id="plot-sites">`,
		`<title id="plot-exposed-t">Exposed hosts</title>`, `<summary>Data table</summary>`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("dashboard page (%d) lacks %s", code, s)
		}
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "<svg>.evil") {
		t.Error("dashboard page holds unescaped markup")
	}
	if code, _, body := get(t, srv.URL+"/api/v1/dashboard?days=0"); code != 400 {
		t.Errorf("days=0: %d %s", code, body)
	}
}

// TestDashboardPlotsSites: the per-site plot of the dashboard stacks the
// sites' exposed hosts and escapes a hostile site's name.
func TestDashboardPlotsSites(t *testing.T) {
	srv, st := newStoreServer(t)
	hostileRep := strings.Replace(repOld, "host: old.example.org\n", "host: evil.example.org\n", 1)
	hostileRep = strings.Replace(hostileRep, "site: SITE-B", "site: "+hostileSite, 1)
	for _, r := range []string{repOld, hostileRep} {
		post(t, srv.URL, "5", r)
	}
	if _, err := st.SnapshotExposure(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	_, _, body := get(t, srv.URL+"/")
	esc := `&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;`
	if !strings.Contains(body, `<g class="bar s0"><title>`+esc+`</title>`) && !strings.Contains(body, `<g class="bar s1"><title>`+esc+`</title>`) {
		t.Errorf("no bar of the hostile site, escaped:\n%s", body)
	}
	if strings.Contains(body, "<script>") {
		t.Error("unescaped site name")
	}
}

// TestDashboardCache: with a cache, a second view within its time shows
// the first view's counts (and says when they were read); a view after it
// still shows them while they are read again in the background, and the
// next view the new ones.
func TestDashboardCache(t *testing.T) {
	_, st := newStoreServer(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var mu sync.Mutex
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	h, err := New(Config{Store: st, Feed: intake.New(st, match.New(st, drivers.Registry(), log), log), Log: log,
		Now: clock, DashboardCache: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	post(t, srv.URL, "5", repOld)
	first := clock()
	if d := getDashboard(t, srv.URL); d.Totals.Exposed != 1 || !d.ComputedAt.Equal(first) {
		t.Fatalf("first view: %+v at %v", d.Totals, d.ComputedAt)
	}
	post(t, srv.URL, "6", repTwo)
	advance(59 * time.Second)
	if d := getDashboard(t, srv.URL); d.Totals.Exposed != 1 || !d.ComputedAt.Equal(first) {
		t.Errorf("within the minute: %+v at %v, want the first view's", d.Totals, d.ComputedAt)
	}
	advance(time.Second)
	if d := getDashboard(t, srv.URL); d.Totals.Exposed != 1 || !d.ComputedAt.Equal(first) {
		t.Errorf("the view that starts the refresh: %+v at %v, want the kept counts", d.Totals, d.ComputedAt)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		d := getDashboard(t, srv.URL)
		if d.Totals.Exposed == 2 && d.ComputedAt.Equal(first.Add(time.Minute)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never refreshed: %+v at %v", d.Totals, d.ComputedAt)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
