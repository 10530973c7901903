package debian

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden.json files from the parsers' output")

// recordsGolden is the golden form of an advisory parser's output.
type recordsGolden struct {
	Stats   Stats            `json:"stats"`
	Records []model.Advisory `json:"records"`
}

// binariesGolden is the golden form of ParsePackagesIndex's output.
type binariesGolden struct {
	Count    int      `json:"count"`
	Binaries []Binary `json:"binaries"`
}

// checkGolden compares got with testdata/name.golden.json, or rewrites
// that file under -update.
func checkGolden[T any](t *testing.T, name string, got T) {
	t.Helper()
	path := filepath.Join("testdata", strings.TrimSuffix(name, filepath.Ext(name))+".golden.json")
	if *update {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(got); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	var want T
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	// Round-trip got too, so nil and empty compare alike.
	data, err = json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var gotRT T
	if err := json.Unmarshal(data, &gotRT); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, gotRT); diff != "" {
		t.Errorf("%s differs (-golden +got):\n%s", path, diff)
	}
}

func openTestdata(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// collect runs an advisory parser and gathers its output.
func collect(t *testing.T, parse func(emit func(model.Advisory) error) (Stats, error)) recordsGolden {
	t.Helper()
	var g recordsGolden
	st, err := parse(func(a model.Advisory) error {
		g.Records = append(g.Records, a)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	g.Stats = st
	if st.Records != len(g.Records) {
		t.Errorf("Stats.Records = %d, emitted %d", st.Records, len(g.Records))
	}
	for _, a := range g.Records {
		checkAdvisory(t, a)
	}
	return g
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

// readAll reads a testdata file, for tests that need bytes.
func readAll(t testing.TB, r io.Reader) []byte {
	t.Helper()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
