package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/testdb/testdsn"
)

// TestMigrationCarriesFindingsOver: a database at schema 0017 whose host
// has per-host findings (two open, one resolved, one excepted) comes out
// of 0020 with the open and excepted ones on a target of the host's own,
// first seen at its oldest finding's first sighting, its counters kept,
// and its package set queued for the evaluation that moves it to its
// shared target. The findings are constructed rows of the 0017 shape.
func TestMigrationCarriesFindingsOver(t *testing.T) {
	ctx := context.Background()
	s, ms := storeBefore(t, "0020_shared_targets.sql")
	if _, err := s.SaveReport(ctx, gcReport("a.example.org", 0, false)); err != nil {
		t.Fatal(err)
	}
	var host, set int64
	if err := s.r.QueryRow(`SELECT id, package_set_id FROM hosts`).Scan(&host, &set); err != nil {
		t.Fatal(err)
	}
	ids, err := queryIDs(ctx, s.r, `SELECT package_id FROM package_set_members WHERE set_id = $1 ORDER BY package_id`, set)
	if err != nil || len(ids) < 3 {
		t.Fatalf("members %v %v", ids, err)
	}
	first := t0.Add(-48 * time.Hour)
	for _, f := range []struct {
		pkg                int64
		cve                string
		first              time.Time
		resolved           any
		status, resolution string
	}{
		{ids[0], "CVE-2023-0286", first, nil, StatusOpen, ""},
		{ids[1], "CVE-2023-0286", t0, nil, StatusUnfixed, ""},
		{ids[2], "CVE-2022-4304", first, t0, StatusOpen, ResolvedPackageUpdated},
		{ids[2], "CVE-2023-0215", t0, t0, StatusExcepted, ResolvedExcepted},
	} {
		if _, err := s.w.Exec(`INSERT INTO findings (host_id, package_id, cve, first_seen, resolved_at, status, resolution)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, host, f.pkg, f.cve, f.first, f.resolved, f.status, f.resolution); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.w.Exec(`UPDATE hosts SET cves = 1, unfixed = 1, excepted = 1 WHERE id = $1`, host); err != nil {
		t.Fatal(err)
	}
	if err := s.applyMigrations(ctx, ms); err != nil {
		t.Fatal(err)
	}
	got, err := s.HostFindingsView(ctx, AllSites(), "a.example.org", FindingsAll)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		CVE, Status, Resolution string
		First                   time.Time
	}
	var rows []row
	for _, f := range got {
		rows = append(rows, row{f.CVE, f.Status, f.Resolution, f.FirstSeen})
	}
	// The resolved finding is not carried over.
	want := []row{{"CVE-2023-0286", StatusOpen, "", first}, {"CVE-2023-0286", StatusUnfixed, "", first},
		{"CVE-2023-0215", StatusExcepted, ResolvedExcepted, first}}
	if len(rows) != 3 {
		t.Fatalf("%d findings after the migration, want 3: %+v", len(rows), rows)
	}
	byCVEStatus := func(rs []row) map[string]row {
		m := map[string]row{}
		for _, r := range rs {
			m[r.CVE+"/"+r.Status] = r
		}
		return m
	}
	if diff := cmp.Diff(byCVEStatus(want), byCVEStatus(rows), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("findings after the migration (-want +got):\n%s", diff)
	}
	h, err := s.Host(ctx, AllSites(), "a.example.org")
	if err != nil {
		t.Fatal(err)
	}
	if h.CVEs != 1 || h.Unfixed != 1 || h.Excepted != 1 {
		t.Errorf("counters %d CVEs, %d unfixed, %d excepted; want 1, 1, 1", h.CVEs, h.Unfixed, h.Excepted)
	}
	var queued int
	if err := s.r.QueryRow(`SELECT COUNT(*) FROM eval_queue WHERE set_id = $1`, set).Scan(&queued); err != nil || queued != 1 {
		t.Errorf("the host's set queued %d times (%v), want 1", queued, err)
	}
}

// TestMigrationRederivesUpdates: at 0024 the per-host "update available"
// rows move aside (update_findings_legacy, read for first sightings), and
// the hosts that had any get their findings key cleared and their set
// queued, so the evaluation writes their updates into their targets.
// The rows are constructed (the 0012 shape) with the versions of the real
// bullseye-security stanza scope_test.go cites.
func TestMigrationRederivesUpdates(t *testing.T) {
	ctx := context.Background()
	s, ms := storeBefore(t, "0024_target_updates.sql")
	for _, h := range []string{"a.example.org", "b.example.org"} {
		if _, err := s.SaveReport(ctx, gcReport(h, 0, false)); err != nil {
			t.Fatal(err)
		}
	}
	var host, set int64
	if err := s.r.QueryRow(`SELECT id, package_set_id FROM hosts WHERE hostname = 'a.example.org'`).Scan(&host, &set); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(`UPDATE hosts SET findings_key = 'k'`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(`DELETE FROM eval_queue`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(`INSERT INTO update_findings (host_id, os_group, package, arch, installed, available, source_name,
		first_seen) VALUES ($1, $2, 'openssl', 'amd64', '1.1.1n-0+deb11u3', '1.1.1w-0+deb11u8', 'openssl', $3)`,
		host, evGroup, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.applyMigrations(ctx, ms); err != nil {
		t.Fatal(err)
	}
	var legacy, queued int
	if err := s.r.QueryRow(`SELECT COUNT(*) FROM update_findings_legacy`).Scan(&legacy); err != nil || legacy != 1 {
		t.Errorf("legacy rows %d (%v), want 1", legacy, err)
	}
	if err := s.r.QueryRow(`SELECT COUNT(*) FROM eval_queue WHERE set_id = $1`, set).Scan(&queued); err != nil || queued != 1 {
		t.Errorf("the host's set queued %d times (%v), want 1", queued, err)
	}
	rows, err := s.r.Query(`SELECT hostname, findings_key FROM hosts ORDER BY hostname`)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for rows.Next() {
		var h, k string
		if err := rows.Scan(&h, &k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, h+" "+k)
	}
	rows.Close()
	if diff := cmp.Diff([]string{"a.example.org ", "b.example.org k"}, keys); diff != "" {
		t.Errorf("findings keys (-want +got):\n%s", diff)
	}
}

// storeBefore opens the test database with the migrations before the one
// named applied, and returns them all.
func storeBefore(t *testing.T, name string) (*Store, []migration) {
	t.Helper()
	ctx := context.Background()
	eng, dsn, err := engineFor(testdsn.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	w, r, err := eng.open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	s := &Store{engine: eng, w: w, r: r, cache: newCatalogueCache(1 << 20), sites: map[string]int64{}, stmts: map[string]*sql.Stmt{}}
	t.Cleanup(func() { s.Close() })
	ms, err := engineMigrations(eng)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ms, func(m migration) bool { return m.name == name })
	if i < 0 {
		t.Fatalf("no migration %s", name)
	}
	if err := s.applyMigrations(ctx, ms[:i]); err != nil {
		t.Fatal(err)
	}
	// The intake's statements write hosts.reports_before (0033): the
	// column is added now, so that reports can be saved at the old
	// schema, and 0033 is left its backfill.
	ms = slices.Clone(ms)
	for j, m := range ms {
		if m.name != "0033_host_reports.sql" || j < i {
			continue
		}
		k := strings.Index(m.sql, "ALTER TABLE hosts ADD COLUMN reports_before")
		n := strings.Index(m.sql[max(k, 0):], ";")
		if k < 0 || n < 0 {
			t.Fatalf("0033 adds no reports_before column")
		}
		alter := m.sql[k : k+n+1]
		if _, err := s.w.ExecContext(ctx, alter); err != nil {
			t.Fatalf("add reports_before: %v", err)
		}
		ms[j].sql = strings.Replace(m.sql, alter, "", 1)
	}
	return s, ms
}
