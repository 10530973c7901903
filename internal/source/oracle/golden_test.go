package oracle

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

type recordsGolden = sourcetest.Result[Stats]

// files are testdata's OVAL files: the real ELSA excerpt and three mocks
// (PROVENANCE.tsv), which only test the parser.
var files = []string{"com.oracle.elsa-all.excerpt.xml.bz2", "mock_data.elsa.excerpt.xml",
	"mock_ksplice_data.elsa.excerpt.xml", "mock_per_arch_data.elsa.excerpt.xml"}

func parseFile(t testing.TB, path string) recordsGolden {
	t.Helper()
	return sourcetest.Records(t, func(emit func(model.Advisory) error) (Stats, error) {
		return ParseOVAL(context.Background(), sourcetest.Open(t, path), "", emit)
	}, checkAdvisory, func(st Stats) int { return st.Records })
}

func checkAdvisory(t testing.TB, a model.Advisory) {
	t.Helper()
	if a.Source != SourceName || a.Package == "" || a.CVE == "" {
		t.Errorf("record without source, package or id: %+v", a)
	}
	if g, ok := OSGroup(strings.TrimPrefix(a.OSGroup, "oracle:")); !ok || g != a.OSGroup {
		t.Errorf("record with OS group %q", a.OSGroup)
	}
	if (a.Status == model.StatusFixed) != (a.FixedVersion != "") {
		t.Errorf("status %s with fixed version %q", a.Status, a.FixedVersion)
	}
	if a.Severity != strings.ToLower(a.Severity) {
		t.Errorf("severity %q", a.Severity)
	}
}

func TestGolden(t *testing.T) {
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", strings.TrimSuffix(strings.TrimSuffix(name, ".bz2"), ".xml")+".golden.json")
			sourcetest.Golden(t, path, parseFile(t, filepath.Join("testdata", name)), cmpopts.EquateEmpty())
		})
	}
}

// TestRecordsByHand checks records of the real ELSA excerpt, written from
// its text.
func TestRecordsByHand(t *testing.T) {
	type key struct{ group, pkg, cve, arch string }
	want := map[key]model.Advisory{
		// ELSA-2007-0057 "Moderate: bind security update (MODERATE)", issued 2007-06-26,
		// Oracle Linux 5, arch x86_64 branch: "bind is earlier than 30:9.3.3-8.el5";
		// CVE-2007-0493, CVE-2007-0494.
		{"oracle:5", "bind", "CVE-2007-0493", "x86_64"}: {Source: SourceName, OSGroup: "oracle:5", Package: "bind",
			CVE: "CVE-2007-0493", FixedVersion: "30:9.3.3-8.el5", Status: model.StatusFixed, Severity: "moderate",
			AdvisoryID: "ELSA-2007-0057", Arch: "x86_64", Description: "ELSA-2007-0057:  Moderate: bind security update  (MODERATE)",
			Published: time.Date(2007, 6, 26, 0, 0, 0, 0, time.UTC)},
		// ... and its i386 branch, same fix.
		{"oracle:5", "bind", "CVE-2007-0494", "i386"}: {Source: SourceName, OSGroup: "oracle:5", Package: "bind",
			CVE: "CVE-2007-0494", FixedVersion: "30:9.3.3-8.el5", Status: model.StatusFixed, Severity: "moderate",
			AdvisoryID: "ELSA-2007-0057", Arch: "i386", Description: "ELSA-2007-0057:  Moderate: bind security update  (MODERATE)",
			Published: time.Date(2007, 6, 26, 0, 0, 0, 0, time.UTC)},
	}
	got := map[key][]model.Advisory{}
	for _, a := range parseFile(t, "testdata/com.oracle.elsa-all.excerpt.xml.bz2").Records {
		k := key{a.OSGroup, a.Package, a.CVE, a.Arch}
		got[k] = append(got[k], a)
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
	// ELSA-2023-12342 virt:kvm_utils (IMPORTANT), Oracle Linux 8: "Module virt:kvm_utils is
	// enabled", "Oracle Linux arch is aarch64", "hivex is earlier than
	// 0:1.3.18-21.module+el8.7.0+21037+8ee66348" (the excerpt keeps the aarch64 branch only).
	n := 0
	for _, a := range got[key{"oracle:8", "hivex", "CVE-2023-0664", "aarch64"}] {
		n++
		if a.Module != "virt:kvm_utils" || a.FixedVersion != "0:1.3.18-21.module+el8.7.0+21037+8ee66348" ||
			a.AdvisoryID != "ELSA-2023-12342" || a.Severity != "important" {
			t.Errorf("hivex: %+v", a)
		}
	}
	if n != 1 {
		t.Errorf("hivex aarch64 CVE-2023-0664: %d records, want 1", n)
	}
}

// TestKspliceCriterion: the mock Ksplice definition (parser test only)
// flattens once its "is ksplice-based" criteria are dropped, and keeps the
// .ksplice fixed version.
func TestKspliceCriterion(t *testing.T) {
	g := parseFile(t, "testdata/mock_ksplice_data.elsa.excerpt.xml")
	if g.Stats.Ksplice == 0 || g.Stats.Unflattened != 0 || len(g.Records) == 0 {
		t.Fatalf("stats %+v, %d records", g.Stats, len(g.Records))
	}
	for _, a := range g.Records {
		if !IsKsplice(a.FixedVersion) {
			t.Errorf("record without a ksplice fix: %+v", a)
		}
	}
}
