package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSitePeriods: the sites' report statistics over a period, from
// reports the test sends; every expectation is counted by hand from the
// timeline below (November 2026, UTC):
//
//	a (SITE-A, vulnerable): fanal daily at 08:00 on the 1st..10th (one
//	    history record of 10), then vaultwarden (its set now) on the
//	    11th..13th (a record of 3)
//	b (SITE-A): fanal once, the 5th at 12:00
//	c (SITE-B, vulnerable): fanal the 1st and the 20th at 08:00 (a record
//	    of 2: taken as evenly spaced, no report between)
//	d (SITE-B): fanal once, the 5th at 00:00 (on a bound)
//
// "Vulnerable" is the hosts' tagged-CVE counter, set here by hand (the
// web test gets it from real data and tags).
func TestSitePeriods(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	const (
		fanal = "testdata/fanal-testdata-dpkg.pakiti5.txt"
		vault = "testdata/vaultwarden.pakiti5.txt"
	)
	nov := func(day, hour int) time.Time { return time.Date(2026, 11, day, hour, 0, 0, 0, time.UTC) }
	save := func(file, host, site string, at time.Time) {
		t.Helper()
		if _, err := s.SaveReport(ctx, incoming(t, file, host, site, at)); err != nil {
			t.Fatal(err)
		}
	}
	for day := 1; day <= 10; day++ {
		save(fanal, "a", "SITE-A", nov(day, 8))
	}
	for day := 11; day <= 13; day++ {
		save(vault, "a", "SITE-A", nov(day, 8))
	}
	save(fanal, "b", "SITE-A", nov(5, 12))
	save(fanal, "c", "SITE-B", nov(1, 8))
	save(fanal, "c", "SITE-B", nov(20, 8))
	save(fanal, "d", "SITE-B", nov(5, 0))
	if _, err := s.w.ExecContext(ctx, `UPDATE hosts SET tagged_cves = 2 WHERE hostname IN ('a', 'c')`); err != nil {
		t.Fatal(err)
	}
	period := func(from, to string) Period {
		t.Helper()
		p, err := ParsePeriod(from, to)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	type sp = SitePeriod
	for _, tc := range []struct {
		name     string
		sc       Scope
		site     string
		from, to string
		want     map[string]SitePeriod
	}{
		{"5th to 12th", AllSites(), "", "2026-11-05", "2026-11-12", map[string]SitePeriod{
			// a: 5th..10th of the first record (6, not its set now), the
			// 11th of the second (1, vulnerable); b: 1. d at the 5th's
			// midnight: from is included.
			"SITE-A": {Hosts: 2, VulnerableHosts: 1, Reports: 8, VulnerableReports: 1},
			"SITE-B": {Hosts: 1, VulnerableHosts: 0, Reports: 1, VulnerableReports: 0},
		}},
		{"1st to 5th", AllSites(), "", "2026-11-01", "2026-11-05", map[string]SitePeriod{
			// a: 1st..4th (4); c: the 1st (its set now); d excluded (to).
			"SITE-A": {Hosts: 1, VulnerableHosts: 1, Reports: 4, VulnerableReports: 0},
			"SITE-B": {Hosts: 1, VulnerableHosts: 1, Reports: 1, VulnerableReports: 1},
		}},
		{"the 20th", AllSites(), "", "2026-11-20", "2026-11-21", map[string]SitePeriod{
			"SITE-B": {Hosts: 1, VulnerableHosts: 1, Reports: 1, VulnerableReports: 1},
		}},
		{"from the 11th", AllSites(), "", "2026-11-11", "", map[string]SitePeriod{
			"SITE-A": {Hosts: 1, VulnerableHosts: 1, Reports: 3, VulnerableReports: 3},
			"SITE-B": {Hosts: 1, VulnerableHosts: 1, Reports: 1, VulnerableReports: 1},
		}},
		{"to the 2nd", AllSites(), "", "", "2026-11-02", map[string]SitePeriod{
			"SITE-A": {Hosts: 1, VulnerableHosts: 1, Reports: 1, VulnerableReports: 0},
			"SITE-B": {Hosts: 1, VulnerableHosts: 1, Reports: 1, VulnerableReports: 1},
		}},
		{"all time", AllSites(), "", "", "", map[string]SitePeriod{
			"SITE-A": {Hosts: 2, VulnerableHosts: 1, Reports: 14, VulnerableReports: 3},
			"SITE-B": {Hosts: 2, VulnerableHosts: 1, Reports: 3, VulnerableReports: 2},
		}},
		{"empty period", AllSites(), "", "2026-11-05", "2026-11-05", map[string]SitePeriod{}},
		{"one site", AllSites(), "SITE-A", "", "", map[string]SitePeriod{
			"SITE-A": {Hosts: 2, VulnerableHosts: 1, Reports: 14, VulnerableReports: 3},
		}},
		{"scope SITE-B", SitesScope("SITE-B"), "", "", "", map[string]SitePeriod{
			"SITE-B": {Hosts: 2, VulnerableHosts: 1, Reports: 3, VulnerableReports: 2},
		}},
		{"scope SITE-B asks SITE-A", SitesScope("SITE-B"), "SITE-A", "", "", map[string]SitePeriod{}},
		{"no scope", SitesScope(), "", "", "", map[string]SitePeriod{}},
	} {
		p := period(tc.from, tc.to)
		got, err := s.SitePeriods(ctx, tc.sc, tc.site, p)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range tc.want {
			v.From, v.To = tc.from, tc.to
			tc.want[k] = v
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	// A removed host leaves the statistics.
	if _, err := s.DeleteHost(ctx, AllSites(), "b", nov(25, 0)); err != nil {
		t.Fatal(err)
	}
	got, err := s.SitePeriods(ctx, AllSites(), "SITE-A", Period{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]sp{"SITE-A": {Hosts: 1, VulnerableHosts: 1, Reports: 13, VulnerableReports: 3}}, got); diff != "" {
		t.Errorf("after b's removal (-want +got):\n%s", diff)
	}
}

// TestParsePeriod: dates are YYYY-MM-DD, from is not after to.
func TestParsePeriod(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		want     Period
		wantErr  string
	}{
		{"", "", Period{}, ""},
		{"2026-11-01", "2026-12-01", Period{time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}, ""},
		{"2026-11-01", "2026-11-01", Period{time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}, ""},
		{"2026-11-02", "2026-11-01", Period{}, "from (2026-11-02) is after to (2026-11-01)"},
		{"2026-11-1", "", Period{}, `from must be a date YYYY-MM-DD, not "2026-11-1"`},
		{"", "2026-02-30", Period{}, `to must be a date YYYY-MM-DD, not "2026-02-30"`},
		{"", "<script>", Period{}, `to must be a date YYYY-MM-DD, not "<script>"`},
	} {
		got, err := ParsePeriod(tc.from, tc.to)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if (tc.wantErr == "") != (gotErr == "") || tc.wantErr != "" && !strings.Contains(gotErr, tc.wantErr) {
			t.Errorf("ParsePeriod(%q, %q) error %q, want %q", tc.from, tc.to, gotErr, tc.wantErr)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParsePeriod(%q, %q) (-want +got):\n%s", tc.from, tc.to, diff)
		}
	}
}

// TestReportsWithin: a history record's reports in a period, the record
// taken as evenly spaced (hand-computed: 5 reports from the 1st to the
// 5th at 00:00 are one a day).
func TestReportsWithin(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		from, to time.Time
		want     int
	}{
		{time.Time{}, time.Time{}, 5},
		{day(1), day(6), 5},
		{day(2), day(4), 2},                                   // the 2nd and 3rd
		{day(2).Add(time.Millisecond), day(4), 1},             // the 3rd
		{day(2), day(4).Add(time.Millisecond), 3},             // 2nd, 3rd, 4th
		{day(5), time.Time{}, 1},                              // the last, on from
		{time.Time{}, day(5), 4},                              // the last excluded
		{day(6), time.Time{}, 0},                              //
		{time.Time{}, day(1), 0},                              // the first excluded
		{day(1).Add(-time.Hour), day(1).Add(time.Hour), 1},    //
		{day(3).Add(time.Hour), day(3).Add(2 * time.Hour), 0}, // between two
	} {
		if got := reportsWithin(day(1), day(5), 5, Period{tc.from, tc.to}); got != tc.want {
			t.Errorf("[%v, %v): %d reports, want %d", tc.from, tc.to, got, tc.want)
		}
	}
	if got := reportsWithin(day(1), day(1), 3, Period{day(1), day(2)}); got != 3 {
		t.Errorf("3 reports at one instant: %d, want 3", got)
	}
}
