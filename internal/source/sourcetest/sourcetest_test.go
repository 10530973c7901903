package sourcetest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
)

// recorder is a testing.TB that keeps the errors it is given.
type recorder struct {
	*testing.T
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestGoldenPath(t *testing.T) {
	for name, want := range map[string]string{
		"DSA-list.excerpt.txt": filepath.Join("testdata", "DSA-list.excerpt.golden.json"),
		"RLSA-2021_3891.json":  filepath.Join("testdata", "RLSA-2021_3891.golden.json"),
	} {
		if got := GoldenPath(name); got != want {
			t.Errorf("GoldenPath(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestGoldenComparesThroughJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.golden.json")
	// The file as -update writes it: indented, "<" not escaped, a final newline.
	if err := os.WriteFile(path, []byte("{\n  \"stats\": 1,\n  \"records\": [\n    {\n      \"source\": \"a<b\"\n    }\n  ]\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	type doc struct {
		Stats   int `json:"stats"`
		Records []struct {
			Source string `json:"source"`
		} `json:"records"`
	}
	var same, other doc
	same.Stats, other.Stats = 1, 2
	same.Records = append(same.Records, struct {
		Source string `json:"source"`
	}{"a<b"})
	r := &recorder{T: t}
	Golden(r, path, same)
	if len(r.errs) != 0 {
		t.Errorf("equal value: %v", r.errs)
	}
	Golden(r, path, other)
	if len(r.errs) != 1 {
		t.Errorf("different value: %d errors, want 1", len(r.errs))
	}
}

func TestOpenDecompresses(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("hello\n"))
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "a.gz"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Read(t, filepath.Join(dir, "a.gz")); string(got) != "hello\n" {
		t.Errorf("Read of a.gz = %q", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Read(t, filepath.Join(dir, "a.txt")); !bytes.Equal(got, buf.Bytes()) {
		t.Errorf("Read of a.txt changed the bytes")
	}
}

func TestRecordsCountsAndChecks(t *testing.T) {
	recs := []model.Advisory{{Package: "a"}, {Package: "b"}}
	checked := 0
	r := &recorder{T: t}
	g := Records(r, func(emit func(model.Advisory) error) (int, error) {
		for _, a := range recs {
			if err := emit(a); err != nil {
				return 0, err
			}
		}
		return 3, nil // one more than emitted
	}, func(testing.TB, model.Advisory) { checked++ }, func(n int) int { return n })
	if checked != 2 || len(g.Records) != 2 || g.Stats != 3 {
		t.Errorf("checked %d, result %+v", checked, g)
	}
	if len(r.errs) != 1 {
		t.Errorf("a count that is not the number emitted: %d errors, want 1", len(r.errs))
	}
}
