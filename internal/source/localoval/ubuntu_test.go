package localoval

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/oval"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/ubuntu"
	"github.com/pakiti-go/pakiti/internal/store"
)

// parseAll reads a testdata file (decompressed as the fetcher hands it
// over) for group.
func parseAll(t *testing.T, name, group string) ([]model.Advisory, error) {
	t.Helper()
	f := open(t, name)
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var got []model.Advisory
	err = New().Parse(context.Background(), source.Document{Name: f.Name, Body: rc, Group: group}, func(a model.Advisory) error {
		got = append(got, a)
		return nil
	})
	return got, err
}

// Ubuntu's CVE OVAL. Its package tests name the binaries of one source
// package through a constant_variable ("'tor' package binaries": tor,
// tor-geoipdb); a record is filed under that source package, as Ubuntu's
// tracker files it and as the ubuntu driver keys installed packages, with
// the state's "less than" version, which Ubuntu's generator takes from the
// tracker's fix of the source. Expectations written from the files:
func TestParseUbuntuOVAL(t *testing.T) {
	// rec is a fixed record of medium severity, as both definitions say.
	rec := func(group, pkg, cve, fixed string) model.Advisory {
		return model.Advisory{Source: "oval", OSGroup: group, Package: pkg, CVE: cve, FixedVersion: fixed, Status: model.StatusFixed, Severity: "medium"}
	}
	// recs is the source's record, then the same under each binary the
	// variable lists but the one named like the source.
	recs := func(group, cve, fixed, src string, binaries ...string) []model.Advisory {
		out := []model.Advisory{rec(group, src, cve, fixed)}
		for _, b := range binaries {
			out = append(out, rec(group, b, cve, fixed))
		}
		return out
	}
	for _, tc := range []struct {
		file, group string
		want        []model.Advisory
	}{
		{"vulnerablecode_ubuntu_oval_data.xml", "ubuntu:18.04", slices.Concat(
			// oval:com.ubuntu.bionic:def:201687030000000 "CVE-2016-8703 on Ubuntu 18.04 LTS (bionic) - medium.":
			// tst:201686860000000 on var:201686860000000 "'potrace' package binaries" (libpotrace0, potrace),
			// ste:201686860000000 evr less than 1.14-2
			recs("ubuntu:18.04", "CVE-2016-8703", "1.14-2", "potrace", "libpotrace0"),
			// def:201688600000000 "CVE-2016-8860 ...": tst:201688600000000 on var:2017115650000000
			// "'tor' package binaries" (tor, tor-geoipdb), ste:201688600000000 less than 0.2.8.9-1ubuntu1
			recs("ubuntu:18.04", "CVE-2016-8860", "0.2.8.9-1ubuntu1", "tor", "tor-geoipdb"))},
		{"vuls-data-update_oci.com.ubuntu.jammy.cve.oval.xml.bz2", "ubuntu:22.04", slices.Concat(
			// oval:com.ubuntu.jammy:def:2023487950000000 "CVE-2023-48795 on Ubuntu 22.04 LTS (jammy) - medium", OR of
			// tst:2023285310000000 (var "The 'openssh' package binaries": ^openssh-client(?::\w+|)\s+(.*)$ ...,
			// ste subexpression less than 1:8.9p1-3ubuntu0.5)
			recs("ubuntu:22.04", "CVE-2023-48795", "1:8.9p1-3ubuntu0.5", "openssh",
				"openssh-client", "openssh-server", "openssh-sftp-server", "openssh-tests", "ssh", "ssh-askpass-gnome"),
			// and tst:2023487950000000 (var "The 'libssh' package binaries": libssh-4, libssh-gcrypt-4;
			// less than 0:0.9.6-2ubuntu0.22.04.2)
			recs("ubuntu:22.04", "CVE-2023-48795", "0:0.9.6-2ubuntu0.22.04.2", "libssh", "libssh-4", "libssh-gcrypt-4"))},
	} {
		got, err := parseAll(t, tc.file, tc.group)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(model.Advisory{}, "Description", "Published")); diff != "" {
			t.Errorf("%s: records (-want +got):\n%s", tc.file, diff)
		}
	}
}

// Ubuntu's USN OVAL (OCI variant) names its binaries in a variable whose
// comment is "Long Term Support", not the source package: not read, and
// the import says so rather than loading nothing.
func TestParseUbuntuUSNRefused(t *testing.T) {
	_, err := parseAll(t, "vuls-data-update_oci.com.ubuntu.jammy.usn.oval.xml.bz2", "ubuntu:22.04")
	if err == nil || !strings.Contains(err.Error(), "no record read from its 1 definitions (0 deprecated, 1 of a shape") {
		t.Errorf("error %v", err)
	}
}

// Verdicts of Ubuntu's OVAL records on installed packages, by the ubuntu
// driver's rules (dpkg order, the source package as key), decided by hand
// from the definitions cited in TestParseUbuntuOVAL.
func TestUbuntuOVALVerdicts(t *testing.T) {
	bionic, err := parseAll(t, "vulnerablecode_ubuntu_oval_data.xml", "ubuntu:18.04")
	if err != nil {
		t.Fatal(err)
	}
	jammy, err := parseAll(t, "vuls-data-update_oci.com.ubuntu.jammy.cve.oval.xml.bz2", "ubuntu:22.04")
	if err != nil {
		t.Fatal(err)
	}
	d := ubuntu.Driver{}
	for _, tc := range []struct {
		name  string
		recs  []model.Advisory
		pkg   model.Package
		known *store.BinarySource // the group's binary -> source map (protocol 5)
		want  []string            // "CVE fixed-version"
	}{
		// tor-geoipdb is one of var:2017115650000000's binaries; 0.2.8.8-1 < 0.2.8.9-1ubuntu1 (def:201688600000000)
		{"tor-geoipdb below the fix, protocol 6", bionic, model.Package{Name: "tor-geoipdb", Version: "0.2.8.8-1", SourceName: "tor", SourceVersion: "0.2.8.8-1"},
			nil, []string{"CVE-2016-8860 0.2.8.9-1ubuntu1"}},
		// the fix itself: not below
		{"tor at the fix", bionic, model.Package{Name: "tor", Version: "0.2.8.9-1ubuntu1", SourceName: "tor", SourceVersion: "0.2.8.9-1ubuntu1"}, nil, nil},
		// libpotrace0 over protocol 5, its source known from the index; 1.14-1 < 1.14-2 (def:201687030000000)
		{"libpotrace0 below the fix, protocol 5", bionic, model.Package{Name: "libpotrace0", Version: "1.14-1"},
			&store.BinarySource{Name: "libpotrace0", Version: "1.14-1", SourceName: "potrace", SourceVersion: "1.14-1", Origin: match.BasisPackagesIndex, Exact: true},
			[]string{"CVE-2016-8703 1.14-2"}},
		// dpkg order: 1.14-2build1 sorts after 1.14-2
		{"potrace rebuilt after the fix", bionic, model.Package{Name: "potrace", Version: "1.14-2build1", SourceName: "potrace", SourceVersion: "1.14-2build1"}, nil, nil},
		// libssh-4 0.9.6-2ubuntu0.22.04.1 < 0:0.9.6-2ubuntu0.22.04.2 (tst:2023487950000000)
		{"libssh-4 below the fix", jammy, model.Package{Name: "libssh-4", Version: "0.9.6-2ubuntu0.22.04.1", SourceName: "libssh", SourceVersion: "0.9.6-2ubuntu0.22.04.1"},
			nil, []string{"CVE-2023-48795 0:0.9.6-2ubuntu0.22.04.2"}},
		// openssh-client 1:8.9p1-3ubuntu0.4 < 1:8.9p1-3ubuntu0.5 (tst:2023285310000000); the epoch counts
		{"openssh-client below the fix", jammy, model.Package{Name: "openssh-client", Version: "1:8.9p1-3ubuntu0.4", SourceName: "openssh", SourceVersion: "1:8.9p1-3ubuntu0.4"},
			nil, []string{"CVE-2023-48795 1:8.9p1-3ubuntu0.5"}},
		{"openssh-client at the fix", jammy, model.Package{Name: "openssh-client", Version: "1:8.9p1-3ubuntu0.5", SourceName: "openssh", SourceVersion: "1:8.9p1-3ubuntu0.5"}, nil, nil},
		// protocol 5, no binary -> source map: met by its binary name at its
		// own version, as the OVAL test compares it: linux-check-diff's
		// (shared/data/inventories/ubuntu-22.04) libssh-4 0.9.6-2build1 < 0:0.9.6-2ubuntu0.22.04.2
		{"libssh-4 by its binary name", jammy, model.Package{Name: "libssh-4", Version: "0.9.6-2build1"},
			nil, []string{"CVE-2023-48795 0:0.9.6-2ubuntu0.22.04.2"}},
		// and its openssh-client 1:8.9p1-3 < 1:8.9p1-3ubuntu0.5
		{"openssh-client by its binary name", jammy, model.Package{Name: "openssh-client", Version: "1:8.9p1-3"},
			nil, []string{"CVE-2023-48795 1:8.9p1-3ubuntu0.5"}},
		// a package the definitions do not name
		{"libssh2-1 not named", jammy, model.Package{Name: "libssh2-1", Version: "1.10.0-3", SourceName: "libssh2", SourceVersion: "1.10.0-3"}, nil, nil},
	} {
		k := d.Key(tc.pkg, tc.known)
		var recs []model.Advisory
		for _, a := range tc.recs {
			if a.Package == k.Name {
				recs = append(recs, a)
			}
		}
		var got []string
		for _, v := range match.Verdicts(d, k, recs) {
			got = append(got, v.CVE+" "+v.FixedVersion)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: verdicts (-want +got):\n%s", tc.name, diff)
		}
	}
}

// A kernel source's binaries are not repeated (binaryRecords); its other
// binaries are. Constructed branch: the shape Flatten gives for Ubuntu's
// linux variable, no kernel OVAL excerpt being in the shared data.
func TestBinaryRecordsKernel(t *testing.T) {
	recs := []model.Advisory{{Source: "oval", OSGroup: "ubuntu:22.04", Package: "linux", CVE: "CVE-2022-36879", FixedVersion: "5.15.0-48.54", Status: model.StatusFixed}}
	got := binaryRecords(recs, oval.Branch{Package: "linux", Binaries: []string{"linux-image-5.15.0-48-generic", "linux-libc-dev", "linux", "bpftool"}})
	var names []string
	for _, a := range got {
		names = append(names, a.Package)
	}
	if diff := cmp.Diff([]string{"bpftool"}, names); diff != "" {
		t.Errorf("binary records (-want +got):\n%s", diff)
	}
}
