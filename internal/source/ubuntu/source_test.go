package ubuntu

import (
	"context"
	"os"
	"path/filepath"
	"testing"

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
