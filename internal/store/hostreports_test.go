package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestHostReportsCount follows one host's #reports (migration 0033)
// through every way a report is stored: a new host, re-sends touched
// within the granularity (the fresh path) and after it, a full save of
// the same report, changed reports opening new history records, and the
// history GC, which deletes old records but never lowers the count. The
// expectations are the reports the test sends, counted by hand.
func TestHostReportsCount(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	sec := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }
	save := func(file string, at time.Time, raw string) {
		t.Helper()
		in := incoming(t, file, "a.example.org", "SITE-A", at)
		in.RawHash = raw
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	touch := func(raw string, at time.Time) {
		t.Helper()
		if _, ok, err := s.TouchUnchanged(ctx, "a.example.org", raw, "192.0.2.1", at); err != nil || !ok {
			t.Fatalf("touch at %v: %v, %v", at, ok, err)
		}
	}
	const (
		fanal = "testdata/fanal-testdata-dpkg.pakiti5.txt"
		vault = "testdata/vaultwarden.pakiti5.txt"
	)
	type state struct{ Reports, Records int }
	for _, step := range []struct {
		name string
		do   func()
		want state
	}{
		{"first report", func() { save(fanal, sec(0), "raw-1") }, state{1, 1}},
		{"re-sent 10 s later (fresh touch)", func() { touch("raw-1", sec(10)) }, state{2, 1}},
		{"re-sent 20 s later (fresh touch)", func() { touch("raw-1", sec(20)) }, state{3, 1}},
		{"re-sent 2 min later (row touch)", func() { touch("raw-1", sec(120)) }, state{4, 1}},
		{"same report, other bytes (full save)", func() { save(fanal, sec(200), "raw-1b") }, state{5, 1}},
		{"changed packages", func() { save(vault, sec(300), "raw-2") }, state{6, 2}},
		{"re-sent (fresh touch)", func() { touch("raw-2", sec(310)) }, state{7, 2}},
		{"back to the first packages", func() { save(fanal, sec(400), "raw-3") }, state{8, 3}},
		{"history GC keeps the last record only", func() {
			if _, err := s.GC(ctx, GCOptions{ReportsBefore: sec(100000)}); err != nil {
				t.Fatal(err)
			}
		}, state{8, 1}},
		{"re-sent after the GC (row touch)", func() { touch("raw-3", sec(1000)) }, state{9, 1}},
		{"changed after the GC", func() { save(vault, sec(2000), "raw-4") }, state{10, 2}},
	} {
		step.do()
		h, err := s.Host(ctx, AllSites(), "a.example.org")
		if err != nil {
			t.Fatal(err)
		}
		recs, err := s.HostReports(ctx, AllSites(), "a.example.org", 100)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(step.want, state{h.Reports, len(recs)}); diff != "" {
			t.Errorf("%s (-want +got):\n%s", step.name, diff)
		}
	}
	// The listing reads and sorts the same count: b has 2 reports, c 12.
	for i := range 2 {
		if _, err := s.SaveReport(ctx, incoming(t, vault, "b.example.org", "SITE-B", sec(3000+i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 12 {
		if _, err := s.SaveReport(ctx, incoming(t, fanal, "c.example.org", "SITE-B", sec(3000+i))); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		sort string
		want []string
	}{
		{"reports", []string{"b.example.org 2", "a.example.org 10", "c.example.org 12"}},
		{"-reports", []string{"c.example.org 12", "a.example.org 10", "b.example.org 2"}},
	} {
		hosts, _, err := s.ListHosts(ctx, AllSites(), HostFilter{Sort: tc.sort})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hosts {
			got = append(got, fmt.Sprintf("%s %d", h.Hostname, h.Reports))
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("sort %s (-want +got):\n%s", tc.sort, diff)
		}
	}
}

// TestHostReportsBackfill: migration 0033 counts the reports of the
// history records a host has when it runs (its backfill statement run
// again on a host whose reports_before is cleared): records of 3, 1 and
// 1 reports make 5.
func TestHostReportsBackfill(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for i, f := range []string{"fanal", "fanal", "fanal", "vaultwarden", "fanal"} {
		file := "testdata/fanal-testdata-dpkg.pakiti5.txt"
		if f == "vaultwarden" {
			file = "testdata/vaultwarden.pakiti5.txt"
		}
		if _, err := s.SaveReport(ctx, incoming(t, file, "a.example.org", "SITE-A", t0.Add(time.Duration(i)*time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SaveReport(ctx, incoming(t, "testdata/vaultwarden.pakiti5.txt", "b.example.org", "SITE-A", t0)); err != nil {
		t.Fatal(err)
	}
	ms, err := engineMigrations(s.engine)
	if err != nil {
		t.Fatal(err)
	}
	var backfill string
	for _, m := range ms {
		if m.name == "0033_host_reports.sql" {
			_, backfill, _ = strings.Cut(m.sql, "UPDATE hosts SET reports_before")
		}
	}
	if backfill == "" {
		t.Fatal("0033 has no backfill")
	}
	if _, err := s.w.ExecContext(ctx, `UPDATE hosts SET reports_before = 0`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, "UPDATE hosts SET reports_before"+backfill); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, name := range []string{"a.example.org", "b.example.org"} {
		h, err := s.Host(ctx, AllSites(), name)
		if err != nil {
			t.Fatal(err)
		}
		got[name] = h.Reports
	}
	if diff := cmp.Diff(map[string]int{"a.example.org": 5, "b.example.org": 1}, got); diff != "" {
		t.Errorf("#reports after the backfill (-want +got):\n%s", diff)
	}
}
