package alma_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/alma"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

// readInventory reads a protocol-5 inventory of the shared data.
func readInventory(tb testing.TB, rel string) *report.Report {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.SharedDir(tb), "data/inventories", rel))
	if err != nil {
		tb.Fatal(err)
	}
	r, err := report.Parse(raw, report.Protocol5, report.DefaultLimits)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// BenchmarkEvaluateHost is the evaluation time of one AlmaLinux 9 host
// against the whole AlmaLinux OSV database (the shared tarball, imported
// once into a SQLite store as pakiti import does), with no verdict cached
// (each round forgets every evaluation first, as pakiti evaluate --all):
// the key of every installed package, the records filed under it, the
// driver's verdicts, the host's findings written.
//
//   - real: the alma-9 inventory (vuls-alma9, 590 packages);
//   - 1000: that inventory plus the packages of the alma-8 inventory
//     (vuls-alma8) it lacks, in their alma-8 versions, relabelled
//     AlmaLinux 9 (constructed: no real RPM inventory of 1,000 packages
//     is in the shared data; the host is a workload, its findings are not
//     checked here).
//
// go test -run '^$' -bench EvaluateHost -benchtime 20x ./internal/source/alma/
func BenchmarkEvaluateHost(b *testing.B) {
	ctx := context.Background()
	st := testdb.Open(b)
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := drivers.Registry()
	st.SetSeverity(reg.Severity)
	m := match.New(st, reg, lg)
	im := &source.Importer{Store: st, Sources: source.NewRegistry(alma.New()), Fetcher: source.NewFetcher(), Eval: m, Log: lg, Now: time.Now}
	tarball := filepath.Join(testenv.SharedDir(b), "data/feeds/alma/almalinux-osv-database-advisories.tar.gz")
	if _, err := im.Import(ctx, "alma", []string{tarball}, false); err != nil {
		b.Fatal(err)
	}
	nine := readInventory(b, "alma-9/vuls-alma9/vuls-alma9.pakiti5.txt")
	eight := readInventory(b, "alma-8/vuls-alma8/vuls-alma8.pakiti5.txt")
	big := append([]model.Package(nil), nine.Packages...)
	have := map[string]bool{}
	for _, p := range nine.Packages {
		have[p.Name] = true
	}
	for _, p := range eight.Packages {
		if !have[p.Name] {
			big = append(big, p)
		}
	}
	big = report.SortPackages(big)
	for _, tc := range []struct {
		name string
		pkgs []model.Package
	}{{"real", nine.Packages}, {"1000", big}} {
		host := "bench-" + tc.name + ".example.org"
		in := store.Incoming{Host: model.Host{Hostname: host, Site: "BENCH", OS: "AlmaLinux release 9.0 (Emerald Puma)",
			OSGroup: "alma:9", Protocol: 5, Kernel: nine.Header.Kernel, Arch: "x86_64"}, Packages: tc.pkgs,
			SetHash: report.PackageSetHash(tc.pkgs), HeaderHash: host, ReceivedAt: time.Now()}
		if _, err := st.SaveReport(ctx, in); err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				if err := st.ForgetEvaluations(ctx); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := m.EvaluateHosts(ctx, []string{host}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(tc.pkgs)), "packages")
		})
	}
}
