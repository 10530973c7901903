package sourcetest

import (
	"compress/bzip2"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/testenv"
)

// Testdata returns the bytes of testdata/name as they are on disk.
func Testdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Open opens the file at path for the rest of the test, decompressed by
// its suffix (.gz, .bz2).
func Open(t testing.TB, path string) io.Reader {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	switch {
	case strings.HasSuffix(path, ".bz2"):
		return bzip2.NewReader(f)
	case strings.HasSuffix(path, ".gz"):
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		return zr
	}
	return f
}

// Read returns the content of the file at path, decompressed by its
// suffix as Open does.
func Read(t testing.TB, path string) []byte {
	t.Helper()
	return ReadAll(t, Open(t, path))
}

// ReadAll reads r to its end.
func ReadAll(t testing.TB, r io.Reader) []byte {
	t.Helper()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Shared is the path of rel (slash-separated) below the shared data
// folder, data/ of testenv.SharedDir: the test skips (fails under CI=true)
// when there is no shared data.
func Shared(t testing.TB, rel string) string {
	t.Helper()
	return filepath.Join(testenv.SharedDir(t), "data", filepath.FromSlash(rel))
}
