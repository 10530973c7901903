//go:build unix

package alma_test

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"syscall"
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
	"github.com/pakiti-go/pakiti/internal/version"
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

// cpuTime is the process's CPU time so far (user and system): the
// figure that holds on a loaded machine, where wall time waits for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEvaluateHost is the evaluation time of one AlmaLinux 9 host
// against the whole AlmaLinux OSV database (the shared tarball, imported
// once into a SQLite store as pakiti import does), with no verdict cached
// (each round forgets every evaluation first, as pakiti evaluate --all):
// the key of every installed package, the records filed under it, the
// driver's verdicts, the host's findings written. cpu-ms/op is the CPU
// time an evaluation took (user and system, all goroutines).
//
//   - real: the alma-9 inventory (vuls-alma9, 590 packages);
//   - 1000: that inventory plus, up to 1,000 packages, the AlmaLinux 9
//     binaries the data names that it lacks, each at the oldest fixed
//     version the data gives it, in name order (constructed: no real RPM
//     inventory of 1,000 packages is in the shared data; every added
//     package has records, so this host is a heavy workload; its findings
//     are not checked here).
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
	big := append([]model.Package(nil), nine.Packages...)
	have := map[string]bool{}
	for _, p := range nine.Packages {
		have[p.Name] = true
	}
	// The AlmaLinux 9 binaries the data names that the inventory lacks, at
	// the oldest fixed version the data gives them, in name order.
	oldest := map[string]string{}
	f, err := source.NewFetcher().Fetch(ctx, tarball, source.Previous{})
	if err != nil {
		b.Fatal(err)
	}
	rc, err := f.Open()
	if err != nil {
		b.Fatal(err)
	}
	err = alma.New().Parse(ctx, source.Document{Name: f.Name, Body: rc}, func(a model.Advisory) error {
		if a.OSGroup == "alma:9" && a.FixedVersion != "" && !have[a.Package] {
			if v, ok := oldest[a.Package]; !ok || version.RPM.Compare(a.FixedVersion, v) < 0 {
				oldest[a.Package] = a.FixedVersion
			}
		}
		return nil
	})
	rc.Close()
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(oldest)) {
		if len(big) == 1000 {
			break
		}
		big = append(big, model.Package{Name: name, Version: oldest[name], Arch: "x86_64"})
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
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				if err := st.ForgetEvaluations(ctx); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				before := cpuTime()
				if _, err := m.EvaluateHosts(ctx, []string{host}); err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime() - before
			}
			b.ReportMetric(float64(len(tc.pkgs)), "packages")
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}
