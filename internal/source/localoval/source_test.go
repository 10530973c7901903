package localoval

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// open reads a testdata file decompressed, as the fetcher hands it over.
func open(t testing.TB, name string) *source.Fetched {
	t.Helper()
	return &source.Fetched{Location: name, File: "testdata/" + name, Name: name}
}

// Expectations written from the definitions of the real Debian OVAL
// excerpt (testdata/vuls-data-update_oval-definitions-bullseye.xml.bz2),
// loaded for a test group:
func TestParseDebianOVAL(t *testing.T) {
	const g = "test-site:11"
	want := []model.Advisory{
		// "389-ds-base DPKG is earlier than 1.3.5.15-1" (evr 0:1.3.5.15-1), reference CVE-2016-5405
		{Source: "oval", OSGroup: g, Package: "389-ds-base", CVE: "CVE-2016-5405", FixedVersion: "0:1.3.5.15-1", Status: model.StatusFixed},
		// "389-ds-base DPKG is earlier than 0": the release was never affected
		{Source: "oval", OSGroup: g, Package: "389-ds-base", CVE: "CVE-2016-5416", Status: model.StatusNotAffected},
		// "php7.4 DPKG is earlier than 7.4.30-1+deb11u1", reference CVE-2022-31625
		{Source: "oval", OSGroup: g, Package: "php7.4", CVE: "CVE-2022-31625", FixedVersion: "0:7.4.30-1+deb11u1", Status: model.StatusFixed},
		// the patch definition DSA-5179-1 php7.4, references CVE-2022-31625 and CVE-2022-31626
		{Source: "oval", OSGroup: g, Package: "php7.4", CVE: "CVE-2022-31625", FixedVersion: "0:7.4.30-1+deb11u1", Status: model.StatusFixed, AdvisoryID: "DSA-5179-1"},
		{Source: "oval", OSGroup: g, Package: "php7.4", CVE: "CVE-2022-31626", FixedVersion: "0:7.4.30-1+deb11u1", Status: model.StatusFixed, AdvisoryID: "DSA-5179-1"},
	}
	f := open(t, "vuls-data-update_oval-definitions-bullseye.xml.bz2")
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var got []model.Advisory
	err = New().Parse(context.Background(), source.Document{Name: f.Name, Body: rc, Group: g}, func(a model.Advisory) error {
		got = append(got, a)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(model.Advisory{}, "Description", "Note", "Published", "Severity")); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

// vulnerablecode's excerpt names its CVE only in the title, with no
// reference element: its definitions flatten but give no record.
func TestParseNoReference(t *testing.T) {
	b, err := os.ReadFile("testdata/vulnerablecode_debian_oval_data.xml")
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseFile(context.Background(), bytes.NewReader(b), "test-site:7", "", func(model.Advisory) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Stats{Definitions: 2, NoRecord: 2}, st); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, group, body, want string
	}{
		{"no group", "", "<oval_definitions/>", "name the OS group"},
		{"not OVAL", "debian:11", "Package: libc6\n", "not an OVAL definitions document"},
		{"no definition", "debian:11", "<oval_definitions/>", "no record read from its 0 definitions"},
		// A real file that gives no record: a Debian excerpt naming its
		// CVEs in titles only (Ubuntu's USN OVAL: ubuntu_test.go).
		{"no reference", "debian:11", readFile(t, "testdata/vulnerablecode_debian_oval_data.xml"),
			"no record read from its 2 definitions (0 deprecated, 0 of a shape this reader does not read, 2 naming no CVE"},
	} {
		err := New().Parse(context.Background(), source.Document{Name: "f.xml", Body: strings.NewReader(tc.body), Group: tc.group},
			func(model.Advisory) error { return nil })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
