package updateinfo

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

var files = []string{"pub-rocky-9-AppStream-updateinfo.excerpt.xml.gz", "pub-rocky-9-BaseOS-updateinfo.excerpt.xml.gz", "vault-rocky-8.6-BaseOS-updateinfo.excerpt.xml.gz"}

func gunzip(t testing.TB, name string) []byte {
	t.Helper()
	return sourcetest.Read(t, filepath.Join("testdata", name))
}

type golden = sourcetest.Result[Stats]

func parseAs(t testing.TB, data []byte, group string) (golden, error) {
	var g golden
	var err error
	g.Stats, err = Parse(context.Background(), bytes.NewReader(data), Options{Source: Name, Group: func(*Update) (string, error) { return group, nil }},
		func(a model.Advisory) error {
			checkRecord(t, a)
			g.Records = append(g.Records, a)
			return nil
		})
	if g.Stats.Records != len(g.Records) {
		t.Errorf("Stats.Records %d, emitted %d", g.Stats.Records, len(g.Records))
	}
	return g, err
}

func checkRecord(t testing.TB, a model.Advisory) {
	t.Helper()
	if a.Package == "" || a.CVE == "" || a.OSGroup == "" || a.AdvisoryID == "" || a.Status != model.StatusFixed ||
		!source.ValidName(a.FixedVersion) || !strings.Contains(a.FixedVersion, ":") || a.Severity != strings.ToLower(a.Severity) {
		t.Errorf("record %+v", a)
	}
	if strings.Contains(a.Arch, "src") {
		t.Errorf("source arch kept: %+v", a)
	}
}

func TestGolden(t *testing.T) {
	for _, n := range files {
		t.Run(n, func(t *testing.T) {
			got, err := parseAs(t, gunzip(t, n), "rocky:9")
			if err != nil {
				t.Fatal(err)
			}
			sourcetest.Golden(t, filepath.Join("testdata", strings.TrimSuffix(n, ".xml.gz")+".golden.json"), got)
		})
	}
}

// TestByHand: expectations written from the files' text.
func TestByHand(t *testing.T) {
	// <update type="security"><id>RLSA-2023:3820</id><title>Moderate:
	// mariadb security update</title><updated date="2023-06-27 00:00:00"/>
	// <severity>Moderate</severity> <reference id="CVE-2022-47015"
	// type="cve"/> <package name="mariadb" arch="x86_64" epoch="3"
	// version="10.5.16" release="2.module+el9.1.0+13358+56c3b6a3">
	g, err := parseAs(t, gunzip(t, files[0]), "rocky:9")
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Advisory{{Source: Name, OSGroup: "rocky:9", Package: "mariadb", CVE: "CVE-2022-47015",
		FixedVersion: "3:10.5.16-2.module+el9.1.0+13358+56c3b6a3", Status: model.StatusFixed, Severity: "moderate",
		AdvisoryID: "RLSA-2023:3820", Arch: "x86_64", Description: "Moderate: mariadb security update",
		Published: time.Date(2023, 6, 27, 0, 0, 0, 0, time.UTC)}}
	if diff := cmp.Diff(want, g.Records); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// BaseOS: RLSA-2022:7513 xz epoch="0" 5.2.5 8.el9_0, updated
	// "2023-02-02 12:53:50", CVE-2022-1271; RLBA-2023:0456 type="bugfix".
	g, err = parseAs(t, gunzip(t, files[1]), "rocky:9")
	if err != nil {
		t.Fatal(err)
	}
	want = []model.Advisory{{Source: Name, OSGroup: "rocky:9", Package: "xz", CVE: "CVE-2022-1271",
		FixedVersion: "0:5.2.5-8.el9_0", Status: model.StatusFixed, Severity: "important",
		AdvisoryID: "RLSA-2022:7513", Arch: "x86_64", Description: "Important: xz security update",
		Published: time.Date(2023, 2, 2, 12, 53, 50, 0, time.UTC)}}
	if diff := cmp.Diff(want, g.Records); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if g.Stats.Skipped[SkipNotSecurity] != 1 {
		t.Errorf("stats %+v", g.Stats)
	}
}

// TestRules: updates CONSTRUCTED from RLSA-2022:7513 (xz) of the BaseOS
// excerpt, each changing what the excerpts do not show: a module
// collection, several arches and a source RPM, no CVE, Unix dates (as
// SUSE writes them), no epoch.
func TestRules(t *testing.T) {
	doc := func(body string) string {
		return `<?xml version="1.0"?><updates><update type="security"><id>RLSA-2022:7513</id><title>Important: xz security update</title>` + body + `</update></updates>`
	}
	for _, tc := range []struct {
		name, doc string
		want      []model.Advisory
	}{
		{"module, arches, src, no CVE, unix date, no epoch", doc(`<issued date="1667899182"/><severity>None</severity><pkglist><collection short="x"><module name="xz" stream="5" version="1" context="c" arch="x86_64"/>` +
			`<package name="xz" arch="x86_64" version="5.2.5" release="8.el9_0"/><package name="xz" arch="i686" version="5.2.5" release="8.el9_0"/>` +
			`<package name="xz" arch="src" version="5.2.5" release="8.el9_0"/><package name="xz" arch="x86_64" version="5.2.5" release="8.el9_0"/></collection></pkglist>`),
			[]model.Advisory{{Source: Name, OSGroup: "rocky:9", Package: "xz", CVE: "RLSA-2022:7513", FixedVersion: "0:5.2.5-8.el9_0",
				Status: model.StatusFixed, AdvisoryID: "RLSA-2022:7513", Arch: "x86_64|i686", Module: "xz:5", Description: "Important: xz security update",
				Published: time.Date(2022, 11, 8, 9, 19, 42, 0, time.UTC)}}},
		{"no packages", doc(`<references><reference id="CVE-2022-1271" type="cve"/></references>`), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := parseAs(t, []byte(tc.doc), "rocky:9")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, g.Records); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for _, bad := range []string{"", "<?xml version=\"1.0\"?><rss/>", "<updates><update type=\"security\"><id>X</id>", "{\"id\": 1}"} {
		if _, err := parseAs(t, []byte(bad), "rocky:9"); err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
}

func TestSourceNeedsGroup(t *testing.T) {
	data := gunzip(t, files[1])
	err := New().Parse(context.Background(), source.Document{Name: "updateinfo.xml", Body: bytes.NewReader(data)}, func(model.Advisory) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "GROUP=LOCATION") {
		t.Errorf("error %v", err)
	}
	err = New().Parse(context.Background(), source.Document{Name: "updateinfo.xml", Body: bytes.NewReader(data), Group: "debian:12"}, func(model.Advisory) error { return nil })
	if err == nil {
		t.Error("a Debian group accepted")
	}
	var got []string
	err = New().Parse(context.Background(), source.Document{Name: "updateinfo.xml", Body: bytes.NewReader(data), Group: "alma:9"}, func(a model.Advisory) error {
		got = append(got, a.OSGroup+" "+a.Package)
		return nil
	})
	if err != nil || !cmp.Equal(got, []string{"alma:9 xz"}) {
		t.Errorf("%v %v", got, err)
	}
}

func FuzzParse(f *testing.F) {
	for _, n := range files {
		f.Add(gunzip(f, n))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := parseAs(t, data, "rocky:9")
		if err != nil && err.Error() == "" {
			t.Error("empty error")
		}
		_ = g
	})
}
