package suse

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// BenchmarkParse parses the real SUSE files held in memory: the openSUSE
// Leap 15.2 OVAL excerpt and the largest real document at hand, the CSAF
// VEX of CVE-2023-5568 (520 kB, 1,153 not-affected product ids).
func BenchmarkParse(b *testing.B) {
	b.Run("oval", func(b *testing.B) {
		data := sourcetest.Read(b, filepath.Join("testdata", "opensuse.leap.15.2.excerpt.xml.gz"))
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseOVAL(context.Background(), bytes.NewReader(data), ParseOptions{}, func(model.Advisory) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("vex", func(b *testing.B) {
		data := sourcetest.Read(b, filepath.Join("testdata", "cve-2023-5568.json.gz"))
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseVEX(bytes.NewReader(data), func(model.Advisory) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
}
