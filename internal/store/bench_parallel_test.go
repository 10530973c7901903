package store

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// BenchmarkSaveReportParallel measures 1,500-package reports sent by 8
// concurrent senders (as a loaded server's intake does): on PostgreSQL
// writers run side by side, on SQLite they queue for the one writer.
func BenchmarkSaveReportParallel(b *testing.B) {
	ctx := context.Background()
	base := benchPackages(b)
	var n atomic.Int64
	run := func(b *testing.B, s *Store, in func(i int64) Incoming) {
		b.SetParallelism(4) // 8 senders on 2 cores
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.SaveReport(ctx, in(n.Add(1))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.Run("new-set", func(b *testing.B) {
		s := openTest(b)
		s.SaveReport(ctx, benchIncoming("warm", base, t0))
		run(b, s, func(i int64) Incoming {
			pkgs := append([]model.Package(nil), base...)
			pkgs[i%int64(len(pkgs))].Version += fmt.Sprintf("+b%d", i)
			return benchIncoming(fmt.Sprintf("h%d", i), pkgs, t0)
		})
	})
	b.Run("known-set", func(b *testing.B) {
		s := openTest(b)
		s.SaveReport(ctx, benchIncoming("warm", base, t0))
		run(b, s, func(i int64) Incoming { return benchIncoming(fmt.Sprintf("h%d", i), base, t0) })
	})
	b.Run("unchanged", func(b *testing.B) {
		s := openTest(b)
		for h := range 64 {
			s.SaveReport(ctx, benchIncoming(fmt.Sprintf("h%d", h), base, t0))
		}
		run(b, s, func(i int64) Incoming {
			return benchIncoming(fmt.Sprintf("h%d", i%64), base, t0.Add(time.Duration(i)*time.Second))
		})
	})
}
