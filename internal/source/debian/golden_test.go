package debian

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// recordsGolden is the golden form of an advisory parser's output.
type recordsGolden = sourcetest.Result[Stats]

// binariesGolden is the golden form of ParsePackagesIndex's output.
type binariesGolden struct {
	Count    int      `json:"count"`
	Binaries []Binary `json:"binaries"`
}

// checkGolden compares got with testdata/name.golden.json, or rewrites
// that file under -update.
func checkGolden[T any](t *testing.T, name string, got T) {
	t.Helper()
	sourcetest.Golden(t, sourcetest.GoldenPath(name), got)
}

func openTestdata(t testing.TB, name string) io.Reader {
	t.Helper()
	return sourcetest.Open(t, filepath.Join("testdata", name))
}

// collect runs an advisory parser and gathers its output.
func collect(t *testing.T, parse func(emit func(model.Advisory) error) (Stats, error)) recordsGolden {
	t.Helper()
	return sourcetest.Records(t, parse, checkAdvisory, func(st Stats) int { return st.Records })
}

// checkAdvisory fails on a record no parser may emit.
func checkAdvisory(t testing.TB, a model.Advisory) {
	t.Helper()
	if a.Package == "" || a.CVE == "" || a.OSGroup == "" || a.Source == "" {
		t.Errorf("record with an empty package, id, OS group or source: %+v", a)
	}
	if _, ok := Codename(a.OSGroup); !ok {
		t.Errorf("record with an unknown OS group: %+v", a)
	}
	switch a.Status {
	case model.StatusFixed:
		if a.FixedVersion == "" {
			t.Errorf("fixed record without a fixed version: %+v", a)
		}
	case model.StatusAffected, model.StatusUndetermined, model.StatusWillNotFix,
		model.StatusFixDeferred, model.StatusNotAffected, model.StatusEndOfLife:
		if a.FixedVersion != "" {
			t.Errorf("%s record with a fixed version: %+v", a.Status, a)
		}
	default:
		t.Errorf("record with an invalid status: %+v", a)
	}
}

func TestGoldenTrackerJSON(t *testing.T) {
	for _, name := range []string{"vunnel_debian.json", "vulnerablecode_debian.json", "vuls-data-update_advisory.json"} {
		t.Run(name, func(t *testing.T) {
			f := openTestdata(t, name)
			g := collect(t, func(emit func(model.Advisory) error) (Stats, error) {
				return ParseTrackerJSON(context.Background(), f, emit)
			})
			checkGolden(t, name, g)
		})
	}
}

func TestGoldenAdvisoryList(t *testing.T) {
	for _, tc := range []struct{ file, kind string }{
		{"DSA-list.excerpt.txt", "DSA"},
		{"DLA-list.excerpt.txt", "DLA"},
		{"salsa_DSA-list.excerpt.txt", "DSA"},
		{"salsa_DLA-list.excerpt.txt", "DLA"},
		{"vunnel_DSA-list-excerpt.txt", "DSA"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f := openTestdata(t, tc.file)
			g := collect(t, func(emit func(model.Advisory) error) (Stats, error) {
				return ParseAdvisoryList(context.Background(), f, tc.kind, emit)
			})
			checkGolden(t, tc.file, g)
		})
	}
}

func TestGoldenCVEList(t *testing.T) {
	f := openTestdata(t, "salsa_CVE-list.excerpt.txt")
	g := collect(t, func(emit func(model.Advisory) error) (Stats, error) {
		return ParseCVEList(context.Background(), f, emit)
	})
	checkGolden(t, "salsa_CVE-list.excerpt.txt", g)
}

func TestGoldenPackagesIndex(t *testing.T) {
	f := openTestdata(t, "bookworm_Packages.excerpt.txt")
	var g binariesGolden
	n, err := ParsePackagesIndex(context.Background(), f, func(b Binary) error {
		g.Binaries = append(g.Binaries, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	g.Count = n
	checkGolden(t, "bookworm_Packages.excerpt.txt", g)
}

// readAll reads r to its end.
func readAll(t testing.TB, r io.Reader) []byte {
	t.Helper()
	return sourcetest.ReadAll(t, r)
}
