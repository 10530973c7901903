package osv

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden.json files from the parsers' output")

// testMapping maps the ecosystems of the files in testdata.
var testMapping = Mapping{
	"Rocky Linux:8": "rocky:8",
	"Rocky Linux:9": "rocky:9",
	"AlmaLinux:8":   "alma:8",
	"AlmaLinux:9":   "alma:9",
	"Debian:3.0":    "debian:3.0",
	"Debian:4.0":    "debian:4",
	"Debian:6.0":    "debian:6",
}

type golden struct {
	Stats   Stats            `json:"stats"`
	Records []model.Advisory `json:"records"`
}

// parseAll parses data with testMapping and checks every record.
func parseAll(t testing.TB, data []byte, name string) golden {
	t.Helper()
	var g golden
	st, err := Parse(context.Background(), bytes.NewReader(data), name, &Options{Source: "test", Mapping: testMapping},
		func(a model.Advisory) error {
			checkAdvisory(t, a)
			g.Records = append(g.Records, a)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != len(g.Records) {
		t.Errorf("Stats.Records = %d, emitted %d", st.Records, len(g.Records))
	}
	g.Stats = st
	return g
}

// checkAdvisory fails on a record no conversion may emit.
func checkAdvisory(t testing.TB, a model.Advisory) {
	t.Helper()
	if a.Package == "" || a.CVE == "" || a.OSGroup == "" || a.Source == "" {
		t.Errorf("record with an empty package, id, OS group or source: %+v", a)
	}
	if !validName(a.Package) || !validName(a.CVE) || (a.FixedVersion != "" && !validName(a.FixedVersion)) {
		t.Errorf("package, id or version out of bounds: %+v", a)
	}
	switch a.Status {
	case model.StatusFixed:
		if a.FixedVersion == "" {
			t.Errorf("fixed record without a fixed version: %+v", a)
		}
	case model.StatusAffected:
		if a.FixedVersion != "" {
			t.Errorf("affected record with a fixed version: %+v", a)
		}
	default:
		t.Errorf("status %q", a.Status)
	}
	if a.Severity != strings.ToLower(a.Severity) {
		t.Errorf("severity %q not lower case", a.Severity)
	}
	if len(a.Description) > maxDescription || len(a.Note) > maxNote {
		t.Errorf("description or note not clipped: %+v", a)
	}
	if a.Temporary {
		t.Errorf("temporary record: %+v", a)
	}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkGolden compares got with testdata/name.golden.json, or rewrites it
// under -update.
func checkGolden(t *testing.T, name string, got golden) {
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
	var want golden
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	data, _ = json.Marshal(got)
	var gotRT golden
	if err := json.Unmarshal(data, &gotRT); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, gotRT); diff != "" {
		t.Errorf("%s differs (-golden +got):\n%s", path, diff)
	}
}

func compactJSON(dst *bytes.Buffer, src []byte) error { return json.Compact(dst, src) }
