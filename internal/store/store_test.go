package store

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/testdb/testdsn"
)

func init() {
	testdsn.SetTemplate(MigrationsDigest(), func(path string) error {
		s, err := Open(context.Background(), "sqlite:"+path)
		if err != nil {
			return err
		}
		return s.Close()
	})
}

// openTest opens a store on a fresh database: SQLite (a copy of a migrated
// file), or PostgreSQL when PAKITI_TEST_POSTGRES is set (see package testdsn).
func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), testdsn.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// incoming builds a stored-report input from a real report file.
func incoming(t testing.TB, file, hostname, site string, at time.Time) Incoming {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.Parse(raw, report.Protocol5, report.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return Incoming{
		Host: model.Host{Hostname: hostname, Site: site, OS: r.Header.System, Arch: r.Header.Arch,
			Kernel: r.Header.Kernel, Packager: r.Header.Packager, ReporterAddr: "192.0.2.1", Protocol: 5},
		Packages:   r.Packages,
		SetHash:    report.PackageSetHash(r.Packages),
		HeaderHash: r.Header.HeaderHash() + site,
		ReceivedAt: at,
	}
}

var t0 = time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)

func TestSaveReportLifecycle(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	alpine := incoming(t, "testdata/vaultwarden.pakiti5.txt", "a.example.org", "SITE-A", t0)

	steps := []struct {
		name       string
		in         Incoming
		wantChange Change
		wantNewSet bool
		wantHist   int // history records of a.example.org after the step
		wantCount  int // count of the newest record
	}{
		{"first report", alpine, HostNew, true, 1, 1},
		{"same again", func() Incoming { c := alpine; c.ReceivedAt = t0.Add(time.Hour); return c }(), HostUnchanged, false, 1, 2},
		{"packages changed", func() Incoming {
			c := incoming(t, "testdata/fanal-testdata-dpkg.pakiti5.txt", "a.example.org", "SITE-A", t0.Add(2*time.Hour))
			return c
		}(), HostChanged, true, 2, 1},
		{"back to the first set", func() Incoming { c := alpine; c.ReceivedAt = t0.Add(3 * time.Hour); return c }(), HostChanged, false, 3, 1},
	}
	for _, st := range steps {
		got, err := s.SaveReport(ctx, st.in)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got.Change != st.wantChange || got.NewSet != st.wantNewSet {
			t.Errorf("%s: change %v newSet %v, want %v %v", st.name, got.Change, got.NewSet, st.wantChange, st.wantNewSet)
		}
		hist, err := s.HostReports(ctx, AllSites(), "a.example.org", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != st.wantHist || hist[0].Count != st.wantCount {
			t.Errorf("%s: %d history records, newest count %d; want %d, %d", st.name, len(hist), hist[0].Count, st.wantHist, st.wantCount)
		}
		pkgs, err := s.HostPackages(ctx, AllSites(), "a.example.org")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(sortedByName(st.in.Packages), pkgs); diff != "" {
			t.Errorf("%s: stored packages differ (-sent +stored):\n%s", st.name, diff)
		}
		h, err := s.Host(ctx, AllSites(), "a.example.org")
		if err != nil {
			t.Fatal(err)
		}
		if h.Packages != len(st.in.Packages) || !h.LastReport.Equal(st.in.ReceivedAt) || !h.FirstReport.Equal(t0) {
			t.Errorf("%s: host %+v", st.name, h)
		}
	}
}

func sortedByName(p []model.Package) []model.Package {
	out := append([]model.Package(nil), p...)
	report.SortPackages(out)
	// The store orders by name, version, arch (SQL order), the wire by line.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && (out[j].Name < out[j-1].Name ||
			out[j].Name == out[j-1].Name && out[j].Version < out[j-1].Version); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func TestIdenticalHostsShareOneSet(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for i, name := range []string{"n1", "n2", "n3"} {
		got, err := s.SaveReport(ctx, incoming(t, "testdata/vaultwarden.pakiti5.txt", name, "S", t0))
		if err != nil {
			t.Fatal(err)
		}
		if got.NewSet != (i == 0) {
			t.Errorf("%s: NewSet = %v", name, got.NewSet)
		}
	}
	var sets, members int
	s.r.QueryRow(`SELECT COUNT(*) FROM package_sets`).Scan(&sets)
	s.r.QueryRow(`SELECT COUNT(*) FROM package_set_members`).Scan(&members)
	if sets != 1 || members != 26 {
		t.Errorf("%d sets with %d members, want 1 with 26", sets, members)
	}
}

func TestScopeAndFilters(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, h := range []struct{ name, site string }{{"wn1.a.org", "A"}, {"wn2.a.org", "A"}, {"db_1.b.org", "B"}, {"x.c.org", ""}} {
		in := incoming(t, "testdata/vaultwarden.pakiti5.txt", h.name, h.site, t0)
		if h.name == "wn2.a.org" {
			in.Host.Kernel = "6.6.31-0-lts" // constructed: the report has no kernel line
			in.Host.Tag = "worker"          // constructed: nor a tag line
			in.HeaderHash += in.Host.Kernel + in.Host.Tag
		}
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		scope     Scope
		f         HostFilter
		want      []string
		wantTotal int
	}{
		{"all", AllSites(), HostFilter{}, []string{"db_1.b.org", "wn1.a.org", "wn2.a.org", "x.c.org"}, 4},
		{"site", AllSites(), HostFilter{Site: "A"}, []string{"wn1.a.org", "wn2.a.org"}, 2},
		{"no site is N/A", AllSites(), HostFilter{Site: "N/A"}, []string{"x.c.org"}, 1},
		{"query", AllSites(), HostFilter{Query: "WN"}, []string{"wn1.a.org", "wn2.a.org"}, 2},
		{"query matches the OS", AllSites(), HostFilter{Query: "alpine LINUX 3.20"}, []string{"db_1.b.org", "wn1.a.org", "wn2.a.org", "x.c.org"}, 4},
		{"tag", AllSites(), HostFilter{Tag: "worker"}, []string{"wn2.a.org"}, 1},
		{"tag is exact", AllSites(), HostFilter{Tag: "work"}, []string{}, 0},
		{"query matches the kernel", AllSites(), HostFilter{Query: "0-LTS"}, []string{"wn2.a.org"}, 1},
		{"underscore is literal", AllSites(), HostFilter{Query: "wn_"}, []string{}, 0},
		{"underscore matches itself", AllSites(), HostFilter{Query: "b_1"}, []string{"db_1.b.org"}, 1},
		{"page", AllSites(), HostFilter{Limit: 1, Offset: 1}, []string{"wn1.a.org"}, 4},
		{"scope", SitesScope("B"), HostFilter{}, []string{"db_1.b.org"}, 1},
		{"scope and other site", SitesScope("B"), HostFilter{Site: "A"}, []string{}, 0},
		{"empty scope", Scope{}, HostFilter{}, []string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hosts, total, err := s.ListHosts(ctx, tt.scope, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, h := range hosts {
				got = append(got, h.Hostname)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || total != tt.wantTotal {
				t.Errorf("total %d want %d; (-want +got):\n%s", total, tt.wantTotal, diff)
			}
		})
	}
	if _, err := s.Host(ctx, SitesScope("A"), "db_1.b.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("host outside scope: err = %v, want ErrNotFound", err)
	}
	if p, _ := s.HostPackages(ctx, SitesScope("A"), "db_1.b.org"); len(p) != 0 {
		t.Errorf("packages outside scope: %d", len(p))
	}
	sites, _ := s.Sites(ctx, AllSites())
	if diff := cmp.Diff([]SiteCount{{"A", 2, 0}, {"B", 1, 0}, {"N/A", 1, 0}}, sites); diff != "" {
		t.Errorf("sites (-want +got):\n%s", diff)
	}
}

func TestSaveReportIsAtomic(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	in := incoming(t, "testdata/vaultwarden.pakiti5.txt", "h1", "S", t0)
	// A report whose last package cannot be stored (NUL bytes break nothing
	// in SQL, so use a cancelled context half-way through the catalogue).
	cctx, cancel := context.WithCancel(ctx)
	testHookAfterCatalogue = func() { cancel() }
	defer func() { testHookAfterCatalogue = nil }()
	if _, err := s.SaveReport(cctx, in); err == nil {
		t.Fatal("SaveReport succeeded with a cancelled context")
	}
	testHookAfterCatalogue = nil
	var n int
	for _, table := range []string{"hosts", "package_sets", "package_set_members", "packages", "reports", "sites"} {
		s.r.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n)
		if n != 0 {
			t.Errorf("%s has %d rows after a failed report", table, n)
		}
	}
	// The cache must not remember ids of the rolled-back catalogue rows.
	if _, err := s.SaveReport(ctx, in); err != nil {
		t.Fatal(err)
	}
	pkgs, _ := s.HostPackages(ctx, AllSites(), "h1")
	if len(pkgs) != len(in.Packages) {
		t.Errorf("after retry: %d packages, want %d", len(pkgs), len(in.Packages))
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	dsn := testdsn.DSN(t)
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveReport(ctx, incoming(t, "testdata/vaultwarden.pakiti5.txt", "h1", "S", t0)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if f, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		dsn = f // a bare file name is SQLite
	}
	s, err = Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, _ := s.SchemaVersion(ctx)
	if ms, _ := engineMigrations(s.engine); v != ms[len(ms)-1].version || v < 4 {
		t.Errorf("schema version %d", v)
	}
	got, err := s.SaveReport(ctx, incoming(t, "testdata/vaultwarden.pakiti5.txt", "h1", "S", t0.Add(time.Hour)))
	if err != nil || got.Change != HostUnchanged {
		t.Errorf("after reopen: %v %v, want unchanged", got.Change, err)
	}
}

// TestSetEvaluatedMark: the mark that lets known sets skip the search for
// unevaluated packages is written only when every package is evaluated,
// and an invalidation of a package of the set, in the group of its host,
// removes it.
func TestSetEvaluatedMark(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	const g = "alpine:3.20"
	in := incoming(t, "testdata/vaultwarden.pakiti5.txt", "h1", "S", t0)
	in.Host.OSGroup = g
	saved, err := s.SaveReport(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	pending, marked, err := s.Unevaluated(ctx, g, saved.PackageSetID)
	if err != nil || marked || len(pending) != 26 {
		t.Fatalf("fresh set: %d pending, marked %v, %v", len(pending), marked, err)
	}
	// Evaluate all but one package: no mark.
	var evs []Evaluation
	for _, p := range pending[1:] {
		evs = append(evs, Evaluation{PackageID: p.ID, SourceName: p.Name, SourceVersion: p.Version, Basis: "binary-name"})
	}
	if err := s.SaveEvaluations(ctx, g, evs); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSetEvaluated(ctx, g, saved.PackageSetID); err != nil {
		t.Fatal(err)
	}
	if p, m, _ := s.Unevaluated(ctx, g, saved.PackageSetID); m || len(p) != 1 {
		t.Fatalf("one package left: %d pending, marked %v", len(p), m)
	}
	p0 := pending[0]
	s.SaveEvaluations(ctx, g, []Evaluation{{PackageID: p0.ID, SourceName: p0.Name, SourceVersion: p0.Version, Basis: "binary-name"}})
	s.MarkSetEvaluated(ctx, g, saved.PackageSetID)
	if p, m, _ := s.Unevaluated(ctx, g, saved.PackageSetID); !m || len(p) != 0 {
		t.Fatalf("all evaluated: %d pending, marked %v", len(p), m)
	}
	if _, _, err := s.Invalidate(ctx, []AdvisoryKey{{OSGroup: g, Package: p0.Name}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if p, m, _ := s.Unevaluated(ctx, g, saved.PackageSetID); m || len(p) != 1 || p[0].ID != p0.ID {
		t.Fatalf("after invalidating %s: %d pending, marked %v", p0.Name, len(p), m)
	}
}
