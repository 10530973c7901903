package ubuntu

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// The seeds are the real files of testdata/uct, whole.
func addSeeds(f *testing.F) {
	f.Helper()
	paths, err := filepath.Glob("testdata/uct/*/*")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func checkFuzzStats(t *testing.T, st Stats, emitted int, err error) {
	t.Helper()
	sourcetest.Fuzzed(t, st.Records, emitted, st.Skipped, err)
}

func FuzzParseCVEFile(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		st, err := ParseCVEFile(bytes.NewReader(data), func(a model.Advisory) error {
			checkAdvisory(t, a)
			n++
			return nil
		})
		checkFuzzStats(t, st, n, err)
	})
}

// FuzzParseTar feeds arbitrary bytes as a tarball, seeded with a tarball of
// testdata/uct cut short at several points.
func FuzzParseTar(f *testing.F) {
	whole := tarOf(f, "testdata/uct", "")
	for _, n := range []int{len(whole), len(whole) / 2, 1024, 600} {
		f.Add(whole[:n])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		st, err := ParseTar(context.Background(), bytes.NewReader(data), func(a model.Advisory) error {
			checkAdvisory(t, a)
			n++
			return nil
		})
		checkFuzzStats(t, st, n, err)
	})
}
