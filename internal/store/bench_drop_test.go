package store

import (
	"context"
	"os"
	"strings"
	"testing"
)

// benchDrop runs the ;-separated SQL of PAKITI_BENCH_DROP on a
// benchmark's store before it starts: what an index or trigger costs the
// intake is measured by dropping it, e.g.
//
//	PAKITI_BENCH_DROP='DROP INDEX hosts_listing;DROP TRIGGER fleet_cells_insert' \
//	  go test ./internal/store -run '^$' -bench 'SaveReport$/known'
func benchDrop(b *testing.B, s *Store) {
	b.Helper()
	for _, q := range strings.Split(os.Getenv("PAKITI_BENCH_DROP"), ";") {
		if strings.TrimSpace(q) == "" {
			continue
		}
		if _, err := s.w.ExecContext(context.Background(), q); err != nil {
			b.Fatalf("PAKITI_BENCH_DROP %q: %v", q, err)
		}
	}
}
