package suse

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

type ovalGolden = sourcetest.Result[Stats]
type vexGolden = sourcetest.Result[VEXStats]

// ovalFiles are the OVAL files of testdata (PROVENANCE.tsv).
var ovalFiles = []string{"opensuse.leap.15.2.excerpt.xml.gz", "suse.linux.enterprise.15.truncated.xml",
	"suse.linux.enterprise.15-affected.excerpt.xml.gz", "suse.linux.enterprise.12-affected.excerpt.xml.gz",
	"opensuse.13.2.excerpt.xml.gz", "opensuse.10.2.excerpt.xml.gz"}

// vexFiles are the CSAF VEX documents of testdata.
var vexFiles = []string{"cve-2023-5568.json.gz", "cve-1999-0003.json"}

func parseOVALFile(t testing.TB, path string) ovalGolden {
	t.Helper()
	return sourcetest.Records(t, func(emit func(model.Advisory) error) (Stats, error) {
		name := strings.TrimSuffix(filepath.Base(path), ".gz")
		return ParseOVAL(context.Background(), sourcetest.Open(t, path), ParseOptions{Name: name}, emit)
	}, checkAdvisory, func(st Stats) int { return st.Records })
}

func parseVEXFile(t testing.TB, path string) vexGolden {
	t.Helper()
	return sourcetest.Records(t, func(emit func(model.Advisory) error) (VEXStats, error) {
		return ParseVEX(sourcetest.Open(t, path), emit)
	}, checkAdvisory, func(st VEXStats) int { return st.Records })
}

// checkAdvisory fails on a record the source may not emit.
func checkAdvisory(t testing.TB, a model.Advisory) {
	t.Helper()
	if (a.Source != SourceName && a.Source != VEXSourceName) || a.Package == "" || !strings.HasPrefix(a.CVE, "CVE-") {
		t.Errorf("record without source, package or CVE id: %+v", a)
	}
	distro, rel, ok := strings.Cut(a.OSGroup, ":")
	if !ok || rel == "" || !reRelease.MatchString(rel) || !containsString(Distros, distro) {
		t.Errorf("record with OS group %q", a.OSGroup)
	}
	if (a.Status == model.StatusFixed) != (a.FixedVersion != "") {
		t.Errorf("status %s with fixed version %q", a.Status, a.FixedVersion)
	}
	if a.Severity != strings.ToLower(a.Severity) || a.Module != "" {
		t.Errorf("severity %q module %q", a.Severity, a.Module)
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func goldenName(name string) string {
	name = strings.TrimSuffix(name, ".gz")
	name = strings.TrimSuffix(name, ".xml")
	name = strings.TrimSuffix(name, ".json")
	return filepath.Join("testdata", name+".golden.json")
}

// TestGolden compares the records of every testdata file with its golden
// file (go test -update rewrites them; read the diff).
func TestGolden(t *testing.T) {
	for _, name := range ovalFiles {
		t.Run(name, func(t *testing.T) {
			sourcetest.Golden(t, goldenName(name), parseOVALFile(t, filepath.Join("testdata", name)), cmpopts.EquateEmpty())
		})
	}
	for _, name := range vexFiles {
		t.Run(name, func(t *testing.T) {
			sourcetest.Golden(t, goldenName(name), parseVEXFile(t, filepath.Join("testdata", name)), cmpopts.EquateEmpty())
		})
	}
}
