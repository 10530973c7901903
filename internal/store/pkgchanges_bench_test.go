package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// BenchmarkPackageChanges measures what recording a changed report's
// package changes adds to its save (recordPackageChanges, in a
// transaction rolled back): the diff of two 1,500-package sets that
// differ by n updated packages, and the rows written. Compare with
// BenchmarkSaveReport/new-set, a whole changed report.
func BenchmarkPackageChanges(b *testing.B) {
	ctx := context.Background()
	base := benchPackages(b)
	for _, n := range []int{0, 1, 50, 1500} {
		b.Run(fmt.Sprintf("updated=%d", n), func(b *testing.B) {
			s := openTest(b)
			from, err := s.SaveReport(ctx, benchIncoming("a", base, t0))
			if err != nil {
				b.Fatal(err)
			}
			pkgs := append([]model.Package(nil), base...)
			for i := range n {
				pkgs[i*len(pkgs)/n].Version += "+deb1"
			}
			if n == 0 { // the transaction alone: no diff, no row
				pkgs = base
			}
			to, err := s.SaveReport(ctx, benchIncoming("b", pkgs, t0))
			if err != nil {
				b.Fatal(err)
			}
			in := benchIncoming("a", pkgs, t0)
			b.ResetTimer()
			defer cpuPerOp(b)()
			for range b.N {
				tx, err := s.w.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				if err := s.recordPackageChanges(ctx, tx, from.HostID, hostBefore{setID: from.PackageSetID}, to.PackageSetID, in); err != nil {
					b.Fatal(err)
				}
				tx.Rollback()
			}
		})
	}
}

// BenchmarkHostChanges measures the host page's read of a host's changes
// (HostChanges, the last 5): a 1,500-package host whose 30 successive
// reports each updated 50 packages (no finding data: the epochs' replay
// is the findings history's).
func BenchmarkHostChanges(b *testing.B) {
	ctx := context.Background()
	base := benchPackages(b)
	s := openTest(b)
	for r := range 31 {
		pkgs := append([]model.Package(nil), base...)
		for i := range 50 {
			pkgs[i*len(pkgs)/50].Version += fmt.Sprintf("+r%d", r)
		}
		if _, err := s.SaveReport(ctx, benchIncoming("a", pkgs, t0.Add(time.Duration(r)*time.Hour))); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	defer cpuPerOp(b)()
	for range b.N {
		ch, err := s.HostChanges(ctx, AllSites(), "a", 0, 5)
		if err != nil || ch.Total != 30 {
			b.Fatalf("%d changes (%v), want 30", ch.Total, err)
		}
	}
}
