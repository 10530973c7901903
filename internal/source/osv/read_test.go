package osv

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

var rockyFiles = []string{"RLSA-2021_3891.json", "RXSA-2023_0101.json", "RLSA-2025_8056.json"}

// ids reads data as Read does and returns the record ids in order.
func ids(t *testing.T, data []byte, name string) ([]string, Stats) {
	t.Helper()
	var st Stats
	var got []string
	err := Read(context.Background(), bytes.NewReader(data), name, &st, func(v *Vuln) error {
		got = append(got, v.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, st
}

func tarOf(t *testing.T, gz bool, files map[string][]byte, order []string) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w = &buf
	var zw *gzip.Writer
	tw := tar.NewWriter(w)
	if gz {
		zw = gzip.NewWriter(w)
		tw = tar.NewWriter(zw)
	}
	tw.WriteHeader(&tar.Header{Name: "advisories/", Typeflag: tar.TypeDir, Mode: 0o755})
	for _, n := range order {
		if err := tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(files[n]))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(files[n])
	}
	tw.Close()
	if zw != nil {
		zw.Close()
	}
	return buf.Bytes()
}

func TestReadForms(t *testing.T) {
	files := map[string][]byte{}
	var order []string
	var lines, array bytes.Buffer
	array.WriteString("[\n")
	for i, f := range rockyFiles {
		data := sourcetest.Testdata(t, f)
		n := "advisories/rocky/" + f
		files[n] = data
		order = append(order, n)
		var compact bytes.Buffer
		if err := compactJSON(&compact, data); err != nil {
			t.Fatal(err)
		}
		lines.Write(compact.Bytes())
		lines.WriteString("\n")
		if i > 0 {
			array.WriteString(",\n")
		}
		array.Write(data)
	}
	array.WriteString("]\n")
	files["advisories/README.md"] = []byte("# not a record\n")
	order = append(order, "advisories/README.md")

	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for _, n := range order {
		w, _ := zw.Create(n)
		w.Write(files[n])
	}
	zw.Close()

	want := []string{"RLSA-2021:3891", "RXSA-2023:0101", "RLSA-2025:8056"}
	for _, tc := range []struct {
		name    string
		data    []byte
		files   int
		notJSON int
	}{
		{"tar", tarOf(t, false, files, order), 3, 1},
		{"tar.gz", tarOf(t, true, files, order), 3, 1},
		{"zip", zbuf.Bytes(), 3, 1},
		{"JSON lines", lines.Bytes(), 1, 0},
		{"JSON array", array.Bytes(), 1, 0},
		{"BOM and blanks", append([]byte("\ufeff \n"), lines.Bytes()...), 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, st := ids(t, tc.data, tc.name)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if st.Files != tc.files || st.Vulns != 3 || st.Skipped[SkipNotJSON] != tc.notJSON {
				t.Errorf("stats %+v", st)
			}
		})
	}

	t.Run("directory tree", func(t *testing.T) {
		dir := t.TempDir()
		for _, n := range order {
			p := filepath.Join(dir, n)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, files[n], 0o644); err != nil {
				t.Fatal(err)
			}
		}
		os.WriteFile(filepath.Join(dir, "all.zip"), zbuf.Bytes(), 0o644)
		var got []string
		var st Stats
		if err := ReadPath(context.Background(), dir, &st, func(v *Vuln) error { got = append(got, v.ID); return nil }); err != nil {
			t.Fatal(err)
		}
		// Lexical walk: advisories/rocky/RLSA-2021..., RLSA-2025..., RXSA..., then all.zip.
		wantDir := []string{"RLSA-2021:3891", "RLSA-2025:8056", "RXSA-2023:0101", "RLSA-2021:3891", "RXSA-2023:0101", "RLSA-2025:8056"}
		if diff := cmp.Diff(wantDir, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

func TestReadErrors(t *testing.T) {
	for _, tc := range []struct{ name, doc, err string }{
		{"empty", "  \n", "empty document"},
		{"not OSV", "<?xml version=\"1.0\"?><updates/>", "not an OSV document"},
		{"broken JSON", `{"id":"RLSA-2023:0005","affected":[}`, "broken JSON"},
		{"truncated", `{"id":"RLSA-2023:0005","affected":[`, "truncated"},
		{"array then junk", `[{"id":"RLSA-2023:0005"}] x`, "data after the array"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Read(context.Background(), strings.NewReader(tc.doc), tc.name, nil, func(*Vuln) error { return nil })
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.name) && !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %q names neither the file nor %q", err, tc.err)
			}
		})
	}
	t.Run("record of the wrong shape is skipped", func(t *testing.T) {
		var st Stats
		n := 0
		err := Read(context.Background(), strings.NewReader(`{"id":"A","affected":"x"}`+"\n"+`{"id":"B"}`), "x.json", &st, func(*Vuln) error { n++; return nil })
		if err != nil || n != 1 || st.Skipped[SkipBadRecord] != 1 {
			t.Errorf("err %v, %d records, stats %+v", err, n, st)
		}
	})
	t.Run("emit error is returned as is", func(t *testing.T) {
		stop := errors.New("stop")
		err := Read(context.Background(), bytes.NewReader(sourcetest.Testdata(t, "RLSA-2021_3891.json")), "x", nil, func(*Vuln) error { return stop })
		if err != stop {
			t.Errorf("error %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		data := tarOf(t, false, map[string][]byte{"a.json": sourcetest.Testdata(t, "RLSA-2021_3891.json")}, []string{"a.json"})
		if err := Read(ctx, bytes.NewReader(data), "x.tar", nil, func(*Vuln) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("error %v", err)
		}
	})
}
