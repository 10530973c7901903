package ubuntu

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
)

// BenchmarkParseSnapshot parses the whole 2020 tracker snapshot (10 MB
// gzip, 33,126 CVE files), gunzip included, as an import does.
func BenchmarkParseSnapshot(b *testing.B) {
	data, err := os.ReadFile(snapshotPath(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		if _, err := ParseTar(context.Background(), zr, func(model.Advisory) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n), "records")
	}
}
