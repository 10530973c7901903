package ubuntu

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

func TestBinaryIndexGroup(t *testing.T) {
	pkgs := []byte("Package: libssl1.1\nSource: openssl\n")
	for _, tc := range []struct {
		loc       string
		head      []byte
		group     string
		isIndex   bool
		wantError bool
	}{
		{"mirror/dists/bionic-security/main/binary-amd64/Packages.gz", pkgs, "ubuntu:18.04", true, false},
		{"jammy-updates_main_binary-amd64_Packages", pkgs, "ubuntu:22.04", true, false},
		{"mirror/Packages", pkgs, "", true, true},
		{"uct-2020-04-active-retired-ignored.tar.gz", tarOf(t, "testdata/uct/active", "active/")[:512], "", false, false},
		{"bionic/CVE-2020-1938", []byte("Candidate: CVE-2020-1938\n"), "", false, false},
	} {
		g, ok, err := New().BinaryIndexGroup(tc.loc, tc.head)
		if g != tc.group || ok != tc.isIndex || (err != nil) != tc.wantError {
			t.Errorf("%s: got (%q, %v, %v)", tc.loc, g, ok, err)
		}
	}
}

// TestParseBinaries reads a real Ubuntu 18.04 dpkg status file, whose
// stanzas have the Packages index's fields: "Package: libssl1.1",
// "Source: openssl", "Version: 1.1.1-1ubuntu2.1~18.04.5", "Architecture: amd64".
func TestParseBinaries(t *testing.T) {
	f, err := os.Open(filepath.Join(testenv.SharedDir(t), "data/inventories/ubuntu-18.04/claircore-texlive/status"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := map[string]source.Binary{}
	if err := New().ParseBinaries(context.Background(), source.Document{Name: "status", Body: f}, func(b source.Binary) error {
		got[b.Name] = b
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := source.Binary{Name: "libssl1.1", Version: "1.1.1-1ubuntu2.1~18.04.5", Arch: "amd64", SourceName: "openssl", SourceVersion: "1.1.1-1ubuntu2.1~18.04.5"}
	if got["libssl1.1"] != want || len(got) != 357 {
		t.Errorf("libssl1.1: %+v; %d binaries", got["libssl1.1"], len(got))
	}
}

// TestSourceParseCVSSFirst: a CVE file whose first field is its CVSS
// block (8 files of the 2020 snapshot; retired/CVE-2005-0109, testdata
// in testdata/uct-cvss) is a tracker file, read one by one as a directory
// import hands it over: lines 17-19 "dapper_kfreebsd-5: released (5.4-12)",
// "edgy_...", "feisty_..." give one fixed record each.
func TestSourceParseCVSSFirst(t *testing.T) {
	body, err := os.ReadFile("testdata/uct-cvss/retired/CVE-2005-0109")
	if err != nil {
		t.Fatal(err)
	}
	var got []model.Advisory
	err = New().Parse(context.Background(), source.Document{Name: "CVE-2005-0109", Body: bytes.NewReader(body)}, func(a model.Advisory) error {
		got = append(got, a)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	type rec struct{ Group, Package, CVE, Fixed string }
	var short []rec
	for _, a := range got {
		short = append(short, rec{a.OSGroup, a.Package, a.CVE, a.FixedVersion})
	}
	want := []rec{{"ubuntu:6.06", "kfreebsd-5", "CVE-2005-0109", "5.4-12"}, {"ubuntu:6.10", "kfreebsd-5", "CVE-2005-0109", "5.4-12"},
		{"ubuntu:7.04", "kfreebsd-5", "CVE-2005-0109", "5.4-12"}}
	if diff := cmp.Diff(want, short); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
