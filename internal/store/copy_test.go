package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// view is what the scoped reads show of a store's hosts.
type view struct {
	Hosts    []model.Host
	Packages map[string][]model.Package
	Findings map[string][]model.Finding
	Reports  map[string][]model.ReportRecord
	CVE      store.CVEInfo
	Sites    []store.SiteCount
}

func readView(t *testing.T, s *store.Store) view {
	t.Helper()
	ctx := context.Background()
	hosts, _, err := s.ListHosts(ctx, store.AllSites(), store.HostFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	v := view{Hosts: hosts, Packages: map[string][]model.Package{}, Findings: map[string][]model.Finding{},
		Reports: map[string][]model.ReportRecord{}}
	for _, h := range hosts {
		if v.Packages[h.Hostname], err = s.HostPackages(ctx, store.AllSites(), h.Hostname); err != nil {
			t.Fatal(err)
		}
		if v.Findings[h.Hostname], err = s.HostFindings(ctx, store.AllSites(), h.Hostname, true); err != nil {
			t.Fatal(err)
		}
		if v.Reports[h.Hostname], err = s.HostReports(ctx, store.AllSites(), h.Hostname, 10); err != nil {
			t.Fatal(err)
		}
	}
	// DSA-5343-1 openssl: CVE-2023-0286 is one of its CVEs.
	if v.CVE, err = s.CVE(ctx, store.AllSites(), "CVE-2023-0286"); err != nil {
		t.Fatal(err)
	}
	if v.Sites, err = s.Sites(ctx, store.AllSites()); err != nil {
		t.Fatal(err)
	}
	return v
}

// sameInstant compares times by instant (SQLite reads them back in UTC,
// PostgreSQL in the session's zone).
var sameInstant = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

// TestCopyFromSQLite copies a seeded SQLite database (real DSA records,
// hosts of two sites evaluated by the matcher, a job run) into an empty
// PostgreSQL database: every table's rows, the same view through the
// store's reads, new rows after the copied ids; a second copy is refused.
func TestCopyFromSQLite(t *testing.T) {
	dsn := testdb.PostgresDSN(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "src.db")
	src, err := store.Open(ctx, "sqlite:"+file)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	seedScopeOn(t, src)
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	id, _, err := src.ClaimJobRun(ctx, "source-update", at, "host:1:ab", at)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.FinishJobRun(ctx, id, at.Add(time.Second), "ok", ""); err != nil {
		t.Fatal(err)
	}
	want, err := src.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantView := readView(t, src)

	dst, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	progress := map[string]int64{}
	batches := 0
	res, err := dst.CopyFromSQLite(ctx, file, store.CopyOptions{Batch: 3, Progress: func(table string, done, total int64) {
		batches++
		if done > total {
			t.Errorf("progress of %s: %d of %d", table, done, total)
		}
		progress[table] = done
	}})
	if err != nil {
		t.Fatal(err)
	}
	var wantTables []store.TableCount
	for _, c := range want.Tables {
		if c.Table != "schema_migrations" {
			wantTables = append(wantTables, c)
			if progress[c.Table] != c.Rows {
				t.Errorf("progress of %s ended at %d, want %d", c.Table, progress[c.Table], c.Rows)
			}
		}
	}
	if d := cmp.Diff(wantTables, res.Tables); d != "" {
		t.Errorf("copied rows (-source +target):\n%s", d)
	}
	if batches < 10 {
		t.Errorf("%d batches of 3 rows: want many", batches)
	}
	got, err := dst.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Engine != "postgres" || got.SchemaVersion != want.SchemaVersion {
		t.Errorf("target status %s v%d, want postgres v%d", got.Engine, got.SchemaVersion, want.SchemaVersion)
	}
	if d := cmp.Diff(readView(t, src), readView(t, dst), sameInstant); d != "" {
		t.Errorf("the target reads differently (-source +target):\n%s", d)
	}
	if d := cmp.Diff(wantView, readView(t, src), sameInstant); d != "" {
		t.Errorf("the source changed (-before +after):\n%s", d)
	}
	runs, err := dst.JobRuns(ctx, "source-update")
	if err != nil || len(runs) != 1 || runs[0].ID != id || runs[0].Outcome != "ok" || !runs[0].Period.Equal(at) {
		t.Errorf("job runs on the target: %+v %v", runs, err)
	}

	// New rows take ids after the copied ones (the identities restarted):
	// a new host in a new site with a new package set.
	pkgs := []model.Package{{Name: "bash", Version: "5.1-2+deb11u1", Arch: "amd64", SourceName: "bash", SourceVersion: "5.1-2+deb11u1"}}
	in := store.Incoming{Host: model.Host{Hostname: "new.example.org", Site: "SITE-NEW", OS: "Debian GNU/Linux 11", Protocol: 6},
		Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: "new", ReceivedAt: at}
	if _, err := dst.SaveReport(ctx, in); err != nil {
		t.Fatalf("a new report after the copy: %v", err)
	}

	// The target is no longer empty: a second copy is refused.
	if _, err := dst.CopyFromSQLite(ctx, file, store.CopyOptions{}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("copy into a non-empty database: %v, want refused", err)
	}
	// A SQLite target is refused.
	if _, err := src.CopyFromSQLite(ctx, file, store.CopyOptions{}); err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Errorf("copy into SQLite: %v, want refused", err)
	}
}

// TestCopyFromSQLiteRefuses: a missing file, and a source at another
// schema version, are refused before anything is written.
func TestCopyFromSQLiteRefuses(t *testing.T) {
	dsn := testdb.PostgresDSN(t)
	ctx := context.Background()
	dst, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if _, err := dst.CopyFromSQLite(ctx, filepath.Join(t.TempDir(), "none.db"), store.CopyOptions{}); err == nil {
		t.Error("a missing source file: no error")
	}
	file := filepath.Join(t.TempDir(), "old.db")
	src, err := store.Open(ctx, "sqlite:"+file)
	if err != nil {
		t.Fatal(err)
	}
	src.Close()
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := dst.CopyFromSQLite(ctx, file, store.CopyOptions{}); err == nil || !strings.Contains(err.Error(), "schema version") {
		t.Errorf("a source at an older schema version: %v, want refused", err)
	}
}
