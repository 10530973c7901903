package redhat

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

type recordsGolden = sourcetest.Result[Stats]

func parseFile(t testing.TB, path string) recordsGolden {
	t.Helper()
	return sourcetest.Records(t, func(emit func(model.Advisory) error) (Stats, error) {
		return ParseOVAL(context.Background(), sourcetest.Open(t, path), ParseOptions{Name: filepath.Base(path)}, emit)
	}, checkAdvisory, func(st Stats) int { return st.Records })
}

// checkAdvisory fails on a record the source may not emit.
func checkAdvisory(t testing.TB, a model.Advisory) {
	t.Helper()
	if (a.Source != SourceName && a.Source != VEXSourceName && a.Source != ELSSourceName && a.Source != WithoutELSSourceName) || a.Package == "" || a.CVE == "" {
		t.Errorf("record without source, package or id: %+v", a)
	}
	if _, ok := Major(a.OSGroup); !ok {
		t.Errorf("record with OS group %q", a.OSGroup)
	}
	if (a.Status == model.StatusFixed || a.Source == WithoutELSSourceName) != (a.FixedVersion != "") {
		t.Errorf("status %s with fixed version %q", a.Status, a.FixedVersion)
	}
	if a.Severity != strings.ToLower(a.Severity) {
		t.Errorf("severity %q", a.Severity)
	}
}

func TestGolden(t *testing.T) {
	for _, name := range []string{"rhel-9-including-unpatched.oval.excerpt.xml.bz2", "rhel8-v1.excerpt.xml",
		"jboss-ws-5-including-unpatched.oval.excerpt.xml.bz2", "com.redhat.rhsa-20231659.xml"} {
		t.Run(name, func(t *testing.T) {
			g := parseFile(t, filepath.Join("testdata", name))
			path := filepath.Join("testdata", strings.TrimSuffix(strings.TrimSuffix(name, ".bz2"), ".xml")+".golden.json")
			sourcetest.Golden(t, path, g, cmpopts.EquateEmpty())
		})
	}
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestRecordsByHand checks records written from the vendor text.
func TestRecordsByHand(t *testing.T) {
	type key struct{ file, group, pkg, cve, module string }
	want := map[key]model.Advisory{
		// RHSA-2022:4765 (Critical, issued/updated 2022-05-27): "firefox is earlier than
		// 0:91.9.1-1.el9_0", arch aarch64|ppc64le|s390x|x86_64; cve CVE-2022-1529 impact="critical".
		{"rhel-9-including-unpatched.oval.excerpt.xml.bz2", "rhel:9", "firefox", "CVE-2022-1529", ""}: {
			Source: SourceName, OSGroup: "rhel:9", Package: "firefox", CVE: "CVE-2022-1529", FixedVersion: "0:91.9.1-1.el9_0",
			Status: model.StatusFixed, Severity: "critical", AdvisoryID: "RHSA-2022:4765", Arch: "aarch64|ppc64le|s390x|x86_64",
			Description: "RHSA-2022:4765: firefox security update (Critical)", Published: day("2022-05-27")},
		// CVE-2005-2541 tar: resolution state="Will not fix", component tar, updated 2021-06-28, impact moderate.
		{"rhel-9-including-unpatched.oval.excerpt.xml.bz2", "rhel:9", "tar", "CVE-2005-2541", ""}: {
			Source: SourceName, OSGroup: "rhel:9", Package: "tar", CVE: "CVE-2005-2541", Status: model.StatusWillNotFix,
			Severity: "moderate", Note: "will not fix", Published: day("2021-06-28"),
			Description: "CVE-2005-2541 tar: does not properly warn the user when extracting setuid or setgid files (moderate)"},
		// Unaffected components for CVE-2002-0059: "zlib is installed" AND "zlib is not installed".
		{"rhel-9-including-unpatched.oval.excerpt.xml.bz2", "rhel:9", "zlib", "CVE-2002-0059", ""}: {
			Source: SourceName, OSGroup: "rhel:9", Package: "zlib", CVE: "CVE-2002-0059", Status: model.StatusNotAffected,
			Severity: "moderate", Published: day("2022-01-10"),
			Description: "Unaffected components for: CVE-2002-0059 zlib: Double free in inflateEnd (moderate)"},
		// RHEA-2020:0330 (severity None, 2020-02-04): Module nodejs:12 is enabled, "nodejs is earlier
		// than 1:12.14.1-1.module+el8.1.0+5466+30f75629"; CVE-2019-16775 impact="low".
		{"rhel8-v1.excerpt.xml", "rhel:8", "nodejs", "CVE-2019-16775", "nodejs:12"}: {
			Source: SourceName, OSGroup: "rhel:8", Package: "nodejs", CVE: "CVE-2019-16775",
			FixedVersion: "1:12.14.1-1.module+el8.1.0+5466+30f75629", Status: model.StatusFixed, Severity: "low",
			AdvisoryID: "RHEA-2020:0330", Arch: "aarch64|ppc64le|s390x|x86_64", Module: "nodejs:12",
			Description: "RHEA-2020:0330: nodejs:12 enhancement update (None)", Published: day("2020-02-04")},
		// RHSA-2019:1619 (Important, updated 2019-06-26): Red Hat Enterprise Linux 7 is installed,
		// "vim-minimal is earlier than 2:7.4.160-6.el7_6", arch aarch64|ppc64|ppc64le|s390x|x86_64;
		// the cve element has no impact, so the advisory's severity.
		{"rhel8-v1.excerpt.xml", "rhel:7", "vim-minimal", "CVE-2019-12735", ""}: {
			Source: SourceName, OSGroup: "rhel:7", Package: "vim-minimal", CVE: "CVE-2019-12735",
			FixedVersion: "2:7.4.160-6.el7_6", Status: model.StatusFixed, Severity: "important", AdvisoryID: "RHSA-2019:1619",
			Arch: "aarch64|ppc64|ppc64le|s390x|x86_64", Description: "RHSA-2019:1619: vim security update (Important)",
			Published: day("2019-06-26")},
		// CVE-2018-8014 jws5-tomcat: resolution state="Affected", Red Hat Enterprise Linux 9 is installed.
		{"jboss-ws-5-including-unpatched.oval.excerpt.xml.bz2", "rhel:9", "jws5-tomcat", "CVE-2018-8014", ""}: {
			Source: SourceName, OSGroup: "rhel:9", Package: "jws5-tomcat", CVE: "CVE-2018-8014", Status: model.StatusAffected,
			Severity: "moderate", Note: "affected", Published: day("2022-03-13"),
			Description: "CVE-2018-8014 tomcat: Insecure defaults in CORS filter enable 'supportsCredentials' for all origins (moderate)"},
	}
	got := map[key][]model.Advisory{}
	for _, file := range []string{"rhel-9-including-unpatched.oval.excerpt.xml.bz2", "rhel8-v1.excerpt.xml", "jboss-ws-5-including-unpatched.oval.excerpt.xml.bz2"} {
		for _, a := range parseFile(t, filepath.Join("testdata", file)).Records {
			k := key{file, a.OSGroup, a.Package, a.CVE, a.Module}
			got[k] = append(got[k], a)
		}
	}
	for k, w := range want {
		if len(got[k]) != 1 {
			t.Errorf("%v: %d records, want 1", k, len(got[k]))
			continue
		}
		if diff := cmp.Diff(w, got[k][0]); diff != "" {
			t.Errorf("%v (-want +got):\n%s", k, diff)
		}
	}
}

// TestWholeFiles parses the whole shared files. The counts were checked
// with an independent script (ElementTree: per definition, CVE references
// times distinct (RHEL N, package, "less than" EVR, arch, module) of its
// "is earlier than" criteria): 10006 records, 10001 rhel:8 and 5 rhel:7
// (RHSA-2019:1619 vim, whose RHEL 7 branch is in the RHEL 8 file).
func TestWholeFiles(t *testing.T) {
	dir := filepath.Join(testenv.SharedDir(t), "data", "feeds", "redhat")
	g := parseFile(t, filepath.Join(dir, "oval-v1", "com.redhat.rhsa-RHEL8.20200221.xml.gz"))
	st := g.Stats
	if st.Definitions != 169 || st.Flattened != 169 || st.Unflattened != 0 || st.Records != 10006 ||
		st.ByGroup["rhel:8"] != 10001 || st.ByGroup["rhel:7"] != 5 || st.ByStatus["fixed"] != 10006 {
		b, _ := json.MarshalIndent(st, "", " ")
		t.Errorf("RHEL 8 OVAL v1: %s", b)
	}
	// The per-advisory kpatch file: one definition, not of the flattened
	// shape ("kernel version equals"), counted, never silently dropped.
	g = parseFile(t, filepath.Join(dir, "oval-v1", "com.redhat.rhsa-20231659.xml"))
	if g.Stats.Definitions != 1 || g.Stats.Unflattened != 1 || len(g.Records) != 0 {
		t.Errorf("RHSA-2023:1659: %+v", g.Stats)
	}
}

// TestStreamGroups names EUS/AUS streams from the file name.
func TestStreamGroups(t *testing.T) {
	data := sourcetest.Read(t, "testdata/rhel-9-including-unpatched.oval.excerpt.xml.bz2")
	for _, tc := range []struct{ name, want string }{
		{"rhel-9-including-unpatched.oval.xml", "rhel:9"},
		{"rhel-9.2-eus.oval.xml", "rhel:9.2-eus"},
		{"RHEL9/rhel-9.0-e4s.oval.xml.bz2", "rhel:9.0-e4s"},
		{"rhel-8.6-aus.oval.xml", "rhel:9"}, // the stream is of another major than the tests say
	} {
		groups := map[string]bool{}
		_, err := ParseOVAL(context.Background(), bytes.NewReader(data), ParseOptions{Name: tc.name}, func(a model.Advisory) error {
			groups[a.OSGroup] = true
			return nil
		})
		if err != nil || len(groups) != 1 || !groups[tc.want] {
			t.Errorf("%s: groups %v, err %v; want %s", tc.name, groups, err, tc.want)
		}
	}
}

func TestSourceParse(t *testing.T) {
	s := New()
	if s.Name() != "redhat" || len(s.Locations()) != 5 || s.Locations()[4] != VEXBase+ArchiveLatest || !strings.HasSuffix(s.Locations()[2], "/RHEL9/rhel-9-including-unpatched.oval.xml.bz2") {
		t.Errorf("name %q locations %v", s.Name(), s.Locations())
	}
	n := 0
	err := s.Parse(context.Background(), source.Document{Name: "rhel8-v1.excerpt.xml", Body: sourcetest.Open(t, "testdata/rhel8-v1.excerpt.xml")},
		func(model.Advisory) error { n++; return nil })
	if err != nil || n == 0 {
		t.Errorf("%d records, %v", n, err)
	}
	for _, doc := range []string{"", "{\"document\": {}}", "Package: foo\n", "<html/>"} {
		if err := s.Parse(context.Background(), source.Document{Name: "x", Body: strings.NewReader(doc)}, func(model.Advisory) error { return nil }); err == nil {
			t.Errorf("%q: no error", doc)
		}
	}
}
