package ubuntu

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/testenv"
)

// TestExcerptsAreReal checks every file of testdata/uct, testdata/uct-cvss,
// testdata/uct-later and testdata/matcher against its origin in testdata/PROVENANCE.tsv: byte for
// byte the shared excerpt, or the member of the 2020 snapshot.
func TestExcerptsAreReal(t *testing.T) {
	shared := testenv.SharedDir(t)
	prov, err := os.ReadFile("testdata/PROVENANCE.tsv")
	if err != nil {
		t.Fatal(err)
	}
	members := map[string][]byte{} // snapshot member -> the testdata copy
	rows := strings.Split(strings.TrimSpace(string(prov)), "\n")[1:]
	for _, row := range rows {
		f := strings.Split(row, "\t")
		if len(f) != 6 {
			t.Fatalf("PROVENANCE.tsv row %q: %d fields", row, len(f))
		}
		local, err := os.ReadFile(filepath.Join("testdata", f[0]))
		if err != nil {
			t.Fatal(err)
		}
		if m, ok := strings.CutPrefix(f[3], "member "); ok {
			members[m] = local
			continue
		}
		want, err := os.ReadFile(filepath.Join(shared, "data", strings.TrimPrefix(f[1], "shared/data/")))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(local, want) {
			t.Errorf("testdata/%s is not a copy of %s", f[0], f[1])
		}
	}
	files, _ := filepath.Glob("testdata/uct/*/*")
	more, _ := filepath.Glob("testdata/matcher/*/*")
	osvFiles, _ := filepath.Glob("testdata/osv/*")
	binFiles, _ := filepath.Glob("testdata/osv-binaries/*")
	cvss, _ := filepath.Glob("testdata/uct-cvss/*/*")
	later, _ := filepath.Glob("testdata/uct-later/*")
	more = append(append(append(append(more, osvFiles...), binFiles...), cvss...), later...)
	if len(files)+len(more) != len(rows) {
		t.Errorf("%d files in testdata/uct, testdata/matcher, testdata/uct-cvss, testdata/osv and testdata/osv-binaries, %d rows in PROVENANCE.tsv", len(files)+len(more), len(rows))
	}
	fh, err := os.Open(snapshotPath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		local, ok := members[h.Name]
		if !ok {
			continue
		}
		delete(members, h.Name)
		if data, err := io.ReadAll(tr); err != nil || !bytes.Equal(data, local) {
			t.Errorf("testdata copy of %s differs from the snapshot member (%v)", h.Name, err)
		}
	}
	for m := range members {
		t.Errorf("%s is not in the snapshot", m)
	}
}
