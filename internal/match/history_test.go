package match_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestFindingHistory follows a host through DSA-5343-1 (five CVEs, fix
// 1.1.1n-0+deb11u4, testdata/DSA-list.excerpt.txt): openssl and libssl1.1
// at 1.1.1n-0+deb11u3 open ten findings at t0; the fixed version, reported
// 50 hours later, resolves them as package-updated, a time to patch of 50
// hours each. A second host keeps the vulnerable version, then is
// deleted: its ten findings resolve as host-removed, which is no patch.
func TestFindingHistory(t *testing.T) {
	f := newFixture(t)
	f.importDebian(testdata(t, "DSA-list.excerpt.txt"))
	f.report("h1.example.org", "5.10.0-19-amd64", openssl("1.1.1n-0+deb11u3"))
	f.report("h2.example.org", "5.10.0-19-amd64", openssl("1.1.1n-0+deb11u3"))
	f.now = t0.Add(50 * time.Hour)
	f.report("h1.example.org", "5.10.0-19-amd64", openssl("1.1.1n-0+deb11u4"))
	if _, err := f.s.DeleteHost(f.ctx, store.AllSites(), "h2.example.org", t0.Add(51*time.Hour)); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(52 * time.Hour)
	since := t0.Add(-24 * time.Hour)
	day := func(d time.Time) string { return d.Format(time.DateOnly) }

	h, err := f.s.FindingHistory(f.ctx, store.AllSites(), "h1.example.org", "", since, now)
	if err != nil {
		t.Fatal(err)
	}
	want := store.History{Since: since.Truncate(24 * time.Hour),
		Days: []store.HistoryDay{{Day: day(since)}, {Day: day(t0), Opened: 10}, {Day: day(t0.Add(24 * time.Hour))},
			{Day: day(t0.Add(48 * time.Hour)), Closed: 10}},
		Last24h:     store.HistoryChange{Closed: 10, ByReason: map[string]int{store.ResolvedPackageUpdated: 10}},
		Last7d:      store.HistoryChange{Opened: 10, Closed: 10, ByReason: map[string]int{store.ResolvedPackageUpdated: 10}},
		TimeToPatch: map[string]store.TTP{"all": {Findings: 10, MedianHours: 50, P90Hours: 50}}}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("h1 history (-want +got):\n%s", diff)
	}

	site, err := f.s.FindingHistory(f.ctx, store.AllSites(), "", "SITE-A", since, now)
	if err != nil {
		t.Fatal(err)
	}
	want.Days[1].Opened, want.Days[3].Closed = 20, 20
	want.Last24h = store.HistoryChange{Closed: 20, ByReason: map[string]int{store.ResolvedPackageUpdated: 10, store.ResolvedHostRemoved: 10}}
	want.Last7d = store.HistoryChange{Opened: 20, Closed: 20, ByReason: want.Last24h.ByReason}
	if diff := cmp.Diff(want, site); diff != "" {
		t.Errorf("site history (-want +got):\n%s", diff)
	}
}

// TestDeletedHostComesBack: a deleted host that sends the same report
// again is listed again, its findings re-opened (first seen kept) and
// counted.
func TestDeletedHostComesBack(t *testing.T) {
	f := newFixture(t)
	f.importDebian(testdata(t, "DSA-list.excerpt.txt"))
	f.report("h1.example.org", "5.10.0-19-amd64", openssl("1.1.1n-0+deb11u3"))
	if _, err := f.s.DeleteHost(f.ctx, store.AllSites(), "h1.example.org", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	f.now = t0.Add(2 * time.Hour)
	// The intake evaluates changed reports only: the same report must count
	// as changed after a delete.
	if saved := f.report("h1.example.org", "5.10.0-19-amd64", openssl("1.1.1n-0+deb11u3")); saved.Change != store.HostChanged {
		t.Errorf("the same report after a delete: %v, want changed", saved.Change)
	}
	if h := f.host("h1.example.org"); h.CVEs != 5 || h.VulnerablePackages != 2 {
		t.Errorf("back: %d CVEs, %d packages; want 5, 2", h.CVEs, h.VulnerablePackages)
	}
	if diff := cmp.Diff(dsa5343Findings("report", t0, nil, false), f.findings("h1.example.org", true), cmpOpts...); diff != "" {
		t.Errorf("back: findings (-want +got):\n%s", diff)
	}
}

// TestHistoryKeepsCloseOfReopened: a finding that resolves and re-opens
// counts both events. openssl at 1.1.1n-0+deb11u3 opens DSA-5343-1's ten
// findings at t0 (two binaries, five CVEs); the fix 1.1.1n-0+deb11u4 a day
// later resolves them as package-updated; going back to the vulnerable
// version a day after that opens them again. The close of the second day
// stays counted (one row per finding used to lose it when it re-opened).
func TestHistoryKeepsCloseOfReopened(t *testing.T) {
	f := newFixture(t)
	f.importDebian(testdata(t, "DSA-list.excerpt.txt"))
	f.report("h1.example.org", "5.10.0-19-amd64", openssl("1.1.1n-0+deb11u3"))
	f.now = t0.Add(24 * time.Hour)
	f.report("h1.example.org", "5.10.0-19-amd64", openssl("1.1.1n-0+deb11u4"))
	f.now = t0.Add(48 * time.Hour)
	f.report("h1.example.org", "5.10.0-19-amd64", openssl("1.1.1n-0+deb11u3"))
	now := t0.Add(50 * time.Hour)
	h, err := f.s.FindingHistory(f.ctx, store.AllSites(), "h1.example.org", "", t0, now)
	if err != nil {
		t.Fatal(err)
	}
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	want := store.History{Open: 5, Since: t0.Truncate(24 * time.Hour),
		Days: []store.HistoryDay{{Day: day(t0), Opened: 10}, {Day: day(t0.Add(24 * time.Hour)), Closed: 10},
			{Day: day(t0.Add(48 * time.Hour)), Opened: 10}},
		Last24h:     store.HistoryChange{Opened: 10, ByReason: map[string]int{}},
		Last7d:      store.HistoryChange{Opened: 20, Closed: 10, ByReason: map[string]int{store.ResolvedPackageUpdated: 10}},
		TimeToPatch: map[string]store.TTP{"all": {Findings: 10, MedianHours: 24, P90Hours: 24}}}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	// The host page reads both from one replay: the same answers.
	for _, v := range []store.FindingsView{store.FindingsOpen, store.FindingsAll} {
		fs, both, err := f.s.HostFindingsHistory(f.ctx, store.AllSites(), "h1.example.org", v, t0, now)
		if err != nil {
			t.Fatal(err)
		}
		alone, err := f.s.HostFindingsView(f.ctx, store.AllSites(), "h1.example.org", v)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, both); diff != "" {
			t.Errorf("view %d: HostFindingsHistory's history (-want +got):\n%s", v, diff)
		}
		if diff := cmp.Diff(alone, fs); diff != "" || len(fs) != 10 {
			t.Errorf("view %d: %d findings, HostFindingsHistory's against HostFindingsView's (-alone +both):\n%s", v, len(fs), diff)
		}
	}
	// The findings keep their first sighting.
	if diff := cmp.Diff(dsa5343Findings("report", t0, nil, false), f.findings("h1.example.org", true), cmpOpts...); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}
