package store

import (
	"context"
	"fmt"
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
		s.SaveReport(ctx, benchIncoming("warm", base, t0)) // the catalogue knows the packages
		b.ResetTimer()
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
		s.SaveReport(ctx, benchIncoming("warm", base, t0))
		b.ResetTimer()
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
