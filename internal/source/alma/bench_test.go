package alma

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

// BenchmarkParse reads the whole AlmaLinux OSV database tarball (5680
// records) as an import does: fetch (hash) and un-gzip, then Parse.
func BenchmarkParse(b *testing.B) {
	path := filepath.Join(testenv.SharedDir(b), "data/feeds/alma/almalinux-osv-database-advisories.tar.gz")
	src := New()
	for b.Loop() {
		f, err := source.NewFetcher().Fetch(context.Background(), path, source.Previous{})
		if err != nil {
			b.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		if err := src.Parse(context.Background(), source.Document{Name: f.Name, Body: rc}, func(model.Advisory) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		rc.Close()
		b.ReportMetric(float64(n), "records")
	}
}
