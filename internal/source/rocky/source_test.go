package rocky

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

// parseFile runs the source on a testdata file as the importer does (the
// fetcher un-gzips).
func parseFile(t testing.TB, name, group string) []model.Advisory {
	t.Helper()
	f, err := source.NewFetcher().Fetch(context.Background(), filepath.Join("testdata", name), source.Previous{})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var out []model.Advisory
	err = New().Parse(context.Background(), source.Document{Name: f.Name, Body: rc, Group: group}, func(a model.Advisory) error {
		if a.Source != Name || (a.OSGroup != "rocky:8" && a.OSGroup != "rocky:9") || a.Status != model.StatusFixed ||
			!strings.HasPrefix(a.AdvisoryID, "RLSA-") || !strings.HasPrefix(a.CVE, "CVE-") {
			t.Errorf("record %+v", a)
		}
		out = append(out, a)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func testdataFiles(t *testing.T) []string {
	ents, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".json") && !strings.HasSuffix(e.Name(), ".golden.json") || strings.HasSuffix(e.Name(), ".xml.gz") {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestGolden(t *testing.T) {
	got := map[string][]model.Advisory{}
	for _, n := range testdataFiles(t) {
		got[n] = parseFile(t, n, "")
	}
	sourcetest.Golden(t, "testdata/all.golden.json", got)
}

// TestByHand: expectations written from the Rocky files.
func TestByHand(t *testing.T) {
	pick := func(recs []model.Advisory, group, pkg, cve string) []model.Advisory {
		var out []model.Advisory
		for _, a := range recs {
			if a.OSGroup == group && a.Package == pkg && a.CVE == cve {
				out = append(out, a)
			}
		}
		return out
	}
	j8121 := time.Date(2024, 10, 25, 17, 18, 45, 488851000, time.UTC)
	ruby := time.Date(2024, 6, 14, 14, 2, 44, 124064000, time.UTC)
	for _, tc := range []struct {
		file, group, pkg, cve string
		want                  []model.Advisory
	}{
		// RLSA-2024:8121 "Moderate: java-11-openjdk security update" names
		// both releases: Rocky Linux:9 fixed "1:11.0.25.0.9-2.el9" and
		// Rocky Linux:8 fixed "1:11.0.25.0.9-2.el8"; related CVE-2024-21208...
		{"RLSA-2024_8121.json", "rocky:9", "java-11-openjdk", "CVE-2024-21208", []model.Advisory{{Source: Name, OSGroup: "rocky:9",
			Package: "java-11-openjdk", CVE: "CVE-2024-21208", FixedVersion: "1:11.0.25.0.9-2.el9", Status: model.StatusFixed,
			Severity: "moderate", AdvisoryID: "RLSA-2024:8121", Description: "Moderate: java-11-openjdk security update", Published: j8121}}},
		{"RLSA-2024_8121.json", "rocky:8", "java-11-openjdk", "CVE-2024-21208", []model.Advisory{{Source: Name, OSGroup: "rocky:8",
			Package: "java-11-openjdk", CVE: "CVE-2024-21208", FixedVersion: "1:11.0.25.0.9-2.el8", Status: model.StatusFixed,
			Severity: "moderate", AdvisoryID: "RLSA-2024:8121", Description: "Moderate: java-11-openjdk security update", Published: j8121}}},
		// RLSA-2024:3671 "Moderate: ruby:3.3 security, bug fix, and
		// enhancement update": ruby fixed "0:3.3.1-2.module+el9.4.0+20787+4c237fd3".
		{"RLSA-2024_3671.json", "rocky:9", "ruby", "CVE-2024-27282", []model.Advisory{{Source: Name, OSGroup: "rocky:9",
			Package: "ruby", CVE: "CVE-2024-27282", FixedVersion: "0:3.3.1-2.module+el9.4.0+20787+4c237fd3", Status: model.StatusFixed,
			Severity: "moderate", AdvisoryID: "RLSA-2024:3671", Module: "ruby:3.3",
			Description: "Moderate: ruby:3.3 security, bug fix, and enhancement update", Published: ruby}}},
		// RXSA-2023:0101: kernel of rocky-linux-8-sig-cloud: nothing.
		{"RXSA-2023_0101.json", "rocky:8", "kernel", "CVE-2022-2964", nil},
		// vault 8.6 updateinfo, <release>Rocky Linux 8</release>: RLSA-2022:1234
		// openssl epoch="1" version="1.1.1k" release="6.el8_5" arch="x86_64",
		// CVE-2022-0778, updated "2022-05-03 00:00:00", severity Important.
		{"vault-rocky-8.6-BaseOS-updateinfo.excerpt.xml.gz", "rocky:8", "openssl", "CVE-2022-0778", []model.Advisory{{Source: Name, OSGroup: "rocky:8",
			Package: "openssl", CVE: "CVE-2022-0778", FixedVersion: "1:1.1.1k-6.el8_5", Status: model.StatusFixed, Severity: "important",
			AdvisoryID: "RLSA-2022:1234", Arch: "x86_64", Description: "Important: openssl security update",
			Published: time.Date(2022, 5, 3, 0, 0, 0, 0, time.UTC)}}},
	} {
		t.Run(tc.file+"/"+tc.group, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, pick(parseFile(t, tc.file, ""), tc.group, tc.pkg, tc.cve)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// A group given with the location wins over <release>.
	if recs := parseFile(t, "vault-rocky-8.6-BaseOS-updateinfo.excerpt.xml.gz", "rocky:9"); len(recs) != 1 || recs[0].OSGroup != "rocky:9" {
		t.Errorf("group from the location: %+v", recs)
	}
}

func TestExcerptsAreReal(t *testing.T) {
	shared := testenv.SharedDir(t)
	for _, n := range testdataFiles(t) {
		var found bool
		for _, dir := range []string{"osv", "osv-reindented", "updateinfo"} {
			want, err := os.ReadFile(filepath.Join(shared, "data/feeds/rocky", dir, n))
			if err != nil {
				continue
			}
			got, _ := os.ReadFile(filepath.Join("testdata", n))
			found = bytes.Equal(got, want)
		}
		if !found {
			t.Errorf("testdata/%s is not a copy of a shared rocky file", n)
		}
	}
}
