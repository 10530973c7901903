package store

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
)

// benchPackages is a 1,500-package list grown from a real report.
func benchPackages(b *testing.B) []model.Package {
	real := incoming(b, "testdata/fanal-testdata-dpkg.pakiti5.txt", "x", "S", t0).Packages
	out := append([]model.Package(nil), real...)
	for k := 0; len(out) < 1500; k++ {
		p := real[k%len(real)]
		p.Name = fmt.Sprintf("%s-extra%d", p.Name, k/len(real))
		out = append(out, p)
	}
	return report.SortPackages(out)
}

func benchIncoming(host string, pkgs []model.Package, at time.Time) Incoming {
	return Incoming{Host: model.Host{Hostname: host, Site: "BENCH", Protocol: 5}, Packages: pkgs,
		SetHash: report.PackageSetHash(pkgs), HeaderHash: "h", ReceivedAt: at}
}

// BenchmarkSaveReport measures one 1,500-package report per operation.
func BenchmarkSaveReport(b *testing.B) {
	ctx := context.Background()
	base := benchPackages(b)
	b.Run("new-set", func(b *testing.B) {
		s := openTest(b)
		benchDrop(b, s)
		s.SaveReport(ctx, benchIncoming("warm", base, t0)) // the catalogue knows the packages
		b.ResetTimer()
		defer cpuPerOp(b)()
		for i := range b.N {
			pkgs := append([]model.Package(nil), base...)
			pkgs[i%len(pkgs)].Version += fmt.Sprintf("+b%d", i)
			if _, err := s.SaveReport(ctx, benchIncoming(fmt.Sprintf("h%d", i), pkgs, t0)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("known-set", func(b *testing.B) {
		s := openTest(b)
		benchDrop(b, s)
		s.SaveReport(ctx, benchIncoming("warm", base, t0))
		b.ResetTimer()
		defer cpuPerOp(b)()
		for i := range b.N {
			if _, err := s.SaveReport(ctx, benchIncoming(fmt.Sprintf("h%d", i), base, t0)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		s := openTest(b)
		s.SaveReport(ctx, benchIncoming("h", base, t0))
		b.ResetTimer()
		for i := range b.N {
			if _, err := s.SaveReport(ctx, benchIncoming("h", base, t0.Add(time.Duration(i)*time.Second))); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTouchUnchanged measures the unchanged fast path on 64 hosts:
// resend re-sends each a second after the last (within TouchGranularity:
// the hosts row is left alone), daily a day after (the row moves, as in a
// fleet reporting daily). cpu-ms/op is the process's CPU time per report.
func BenchmarkTouchUnchanged(b *testing.B) {
	ctx := context.Background()
	base := benchPackages(b)
	const hosts = 64
	for _, c := range []struct {
		name string
		step time.Duration
	}{{"resend", time.Second}, {"daily", 24 * time.Hour}} {
		b.Run(c.name, func(b *testing.B) {
			s := openTest(b)
			for i := range hosts {
				in := benchIncoming(fmt.Sprintf("h%d", i), base, t0)
				in.RawHash = "raw"
				if _, err := s.SaveReport(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			defer cpuPerOp(b)()
			for i := range b.N {
				at := t0.Add(time.Duration(i/hosts+1) * c.step)
				if _, ok, err := s.TouchUnchanged(ctx, fmt.Sprintf("h%d", i%hosts), "raw", "192.0.2.1", at); err != nil || !ok {
					b.Fatalf("touch: %v, %v", ok, err)
				}
			}
		})
	}
}

// cpuPerOp starts counting the process's CPU time; the function it returns
// reports it per operation as cpu-ms/op.
func cpuPerOp(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
