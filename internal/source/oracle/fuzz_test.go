package oracle

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// FuzzParseOVAL is seeded with testdata's files, whole and cut short.
func FuzzParseOVAL(f *testing.F) {
	for _, name := range files {
		data := sourcetest.Read(f, filepath.Join("testdata", name))
		f.Add(data)
		f.Add(data[:len(data)*2/3])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		st, err := ParseOVAL(context.Background(), bytes.NewReader(data), t.TempDir(), func(a model.Advisory) error {
			checkAdvisory(t, a)
			n++
			return nil
		})
		sourcetest.Fuzzed(t, st.Records, n, nil, err)
	})
}
