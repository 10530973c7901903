package ubuntu

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// TestOSVBinaries: the binary -> source pairs of real Ubuntu OSV records
// (testdata/osv-binaries, PROVENANCE.tsv), written from the records.
func TestOSVBinaries(t *testing.T) {
	type pair struct{ group, binary, version, source, sourceVersion string }
	for _, tc := range []struct {
		file      string
		want      []pair // some of the pairs, each exactly once
		n         int    // pairs in all
		wantNever []string
	}{{
		// USN-6859-1.json: Ubuntu:22.04:LTS openssh, purl
		// "pkg:deb/ubuntu/openssh@1:8.9p1-3ubuntu0.10?arch=source&distro=jammy", binaries
		// openssh-client ... ssh-askpass-gnome (11 with 5 -dbgsym) at 1:8.9p1-3ubuntu0.10; the
		// same for Ubuntu:24.04:LTS at 1:9.6p1-3ubuntu13.3.
		file: "USN-6859-1.json",
		want: []pair{
			{"ubuntu:22.04", "openssh-client", "1:8.9p1-3ubuntu0.10", "openssh", "1:8.9p1-3ubuntu0.10"},
			{"ubuntu:22.04", "ssh", "1:8.9p1-3ubuntu0.10", "openssh", "1:8.9p1-3ubuntu0.10"},
			{"ubuntu:24.04", "openssh-server", "1:9.6p1-3ubuntu13.3", "openssh", "1:9.6p1-3ubuntu13.3"},
		},
		n:         12,
		wantNever: []string{"openssh-client-dbgsym"},
	}, {
		// UBUNTU-CVE-2023-4911.json: Ubuntu:22.04:LTS glibc, purl without a version
		// ("pkg:deb/ubuntu/glibc?arch=src?distro=jammy"), binaries at 2.35-0ubuntu3.4 (28, 8
		// of them -dbgsym); Ubuntu:24.04:LTS glibc (29, 9 -dbgsym).
		file: "UBUNTU-CVE-2023-4911.json",
		want: []pair{
			{"ubuntu:22.04", "libc6", "2.35-0ubuntu3.4", "glibc", "2.35-0ubuntu3.4"},
			{"ubuntu:22.04", "libc-bin", "2.35-0ubuntu3.4", "glibc", "2.35-0ubuntu3.4"},
		},
		n:         40,
		wantNever: []string{"libc6-dbgsym", "nscd-dbgsym"},
	}} {
		t.Run(tc.file, func(t *testing.T) {
			got := map[pair]int{}
			names := map[string]bool{}
			n := 0
			_, err := ParseOSVBinaries(context.Background(), sourcetest.Open(t, filepath.Join("testdata", "osv-binaries", tc.file)), tc.file,
				func(model.Advisory) error { return nil },
				func(group string, b source.Binary) error {
					got[pair{group, b.Name, b.Version, b.SourceName, b.SourceVersion}]++
					names[b.Name] = true
					n++
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if got[w] != 1 {
					t.Errorf("%+v given %d times, want once", w, got[w])
				}
			}
			for _, never := range tc.wantNever {
				if names[never] {
					t.Errorf("%s given", never)
				}
			}
			if n != tc.n {
				t.Errorf("%d pairs, want %d", n, tc.n)
			}
		})
	}
	// ParseOSV reads no binaries; the records are the same.
	var a, b []model.Advisory
	path := filepath.Join("testdata", "osv-binaries", "USN-6859-1.json")
	if _, err := ParseOSV(context.Background(), sourcetest.Open(t, path), "x", func(r model.Advisory) error { a = append(a, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseOSVBinaries(context.Background(), sourcetest.Open(t, path), "x", func(r model.Advisory) error { b = append(b, r); return nil },
		func(string, source.Binary) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" || len(a) == 0 {
		t.Errorf("records differ with binaries read (-without +with):\n%s", diff)
	}
}

// TestTarOSVBinaries: OSV records inside a tarball hand over the same
// binary -> source pairs as the same files one by one (ParseTarBinaries
// and ParseOSVBinaries share the reader), through Source.Parse too.
func TestTarOSVBinaries(t *testing.T) {
	type pair struct{ Group, Binary, Version, Source, SourceVersion string }
	collect := func(got *[]pair) func(string, source.Binary) error {
		return func(group string, b source.Binary) error {
			*got = append(*got, pair{group, b.Name, b.Version, b.SourceName, b.SourceVersion})
			return nil
		}
	}
	none := func(model.Advisory) error { return nil }
	var want []pair
	for _, f := range []string{"UBUNTU-CVE-2023-4911.json", "USN-6859-1.json"} {
		if _, err := ParseOSVBinaries(context.Background(), sourcetest.Open(t, filepath.Join("testdata", "osv-binaries", f)), f, none, collect(&want)); err != nil {
			t.Fatal(err)
		}
	}
	if len(want) != 40+12 {
		t.Fatalf("%d pairs from the files, want 52 (TestOSVBinaries)", len(want))
	}
	data := tarOf(t, "testdata/osv-binaries", "osv/")
	var got []pair
	if _, err := ParseTarBinaries(context.Background(), bytes.NewReader(data), none, collect(&got)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tarball (-files +tar):\n%s", diff)
	}
	var viaSource []pair
	doc := source.Document{Name: "osv.tar", Body: bytes.NewReader(data), Binaries: collect(&viaSource)}
	if err := New().Parse(context.Background(), doc, none); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, viaSource); diff != "" {
		t.Errorf("Source.Parse of the tarball (-files +source):\n%s", diff)
	}
}
