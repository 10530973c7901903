package suse

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// FuzzParseOVAL is seeded with the real OVAL files in testdata, whole and
// cut short; every record emitted must be one the source may emit.
func FuzzParseOVAL(f *testing.F) {
	for _, name := range ovalFiles {
		data := sourcetest.Read(f, filepath.Join("testdata", name))
		f.Add(data, name)
		f.Add(data[:len(data)*2/3], "opensuse.leap.micro.5.2.xml")
	}
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		n := 0
		st, err := ParseOVAL(context.Background(), bytes.NewReader(data), ParseOptions{Name: name, TempDir: t.TempDir()}, func(a model.Advisory) error {
			checkAdvisory(t, a)
			n++
			return nil
		})
		sourcetest.Fuzzed(t, st.Records, n, nil, err)
	})
}

// FuzzParseVEX is seeded with the real CSAF VEX documents in testdata.
func FuzzParseVEX(f *testing.F) {
	for _, name := range vexFiles {
		data := sourcetest.Read(f, filepath.Join("testdata", name))
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		st, err := ParseVEX(bytes.NewReader(data), func(a model.Advisory) error {
			checkAdvisory(t, a)
			n++
			return nil
		})
		sourcetest.Fuzzed(t, st.Records, n, nil, err)
	})
}
