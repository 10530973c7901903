package oracle

import (
	"bytes"
	"context"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// BenchmarkParse parses the real ELSA excerpt held in memory.
func BenchmarkParse(b *testing.B) {
	data := sourcetest.Read(b, "testdata/com.oracle.elsa-all.excerpt.xml.bz2")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseOVAL(context.Background(), bytes.NewReader(data), "", func(model.Advisory) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
