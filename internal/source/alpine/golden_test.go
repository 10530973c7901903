package alpine

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// golden is the golden form of a reader's output.
type golden = sourcetest.Result[Stats]

// excerpts are the real YAML excerpts of testdata (see PROVENANCE.tsv);
// each has a JSON transcription made by testdata/yaml2json.py (PyYAML).
var excerpts = []string{
	"v3.3_community.yaml",
	"v3.3_main.excerpt.yaml",
	"v3.4_main.excerpt.yaml",
	"v3.5_main.excerpt.yaml",
	"v3.7_main.excerpt.yaml",
	"v3.8_main.excerpt.yaml",
	"v3.9_main.excerpt.yaml",
	"v3.10_main.excerpt.yaml",
	"v3.11_community.excerpt.yaml",
}

// run parses data with parse and gathers the output, checking each record.
func run(t testing.TB, parse func(context.Context, []byte, func(model.Advisory) error) (Stats, error), data []byte) golden {
	t.Helper()
	return sourcetest.Records(t, func(emit func(model.Advisory) error) (Stats, error) {
		return parse(context.Background(), data, emit)
	}, checkRecord, func(st Stats) int { return st.Records })
}

func yamlBytes(ctx context.Context, data []byte, emit func(model.Advisory) error) (Stats, error) {
	return ParseYAML(ctx, bytes.NewReader(data), emit)
}

func jsonBytes(ctx context.Context, data []byte, emit func(model.Advisory) error) (Stats, error) {
	return ParseJSON(ctx, bytes.NewReader(data), emit)
}

// checkRecord fails on a record no reader may emit.
func checkRecord(t testing.TB, a model.Advisory) {
	t.Helper()
	if a.Source != SourceSecdb || !strings.HasPrefix(a.OSGroup, osGroupPrefix) || !source.ValidName(a.Package) || !source.ValidName(a.CVE) {
		t.Errorf("record with a bad source, OS group, package or id: %+v", a)
	}
	if a.Temporary == cveRE.MatchString(a.CVE) {
		t.Errorf("Temporary %v for id %q", a.Temporary, a.CVE)
	}
	switch a.Status {
	case model.StatusFixed:
		if !source.ValidName(a.FixedVersion) || a.FixedVersion == NotAffectedKey {
			t.Errorf("fixed record with fixed version %q", a.FixedVersion)
		}
	case model.StatusNotAffected:
		if a.FixedVersion != "" {
			t.Errorf("not-affected record with a fixed version: %+v", a)
		}
	default:
		t.Errorf("status %q", a.Status)
	}
	if len(a.Note) > maxNote || (a.AdvisoryID != "" && !source.ValidName(a.AdvisoryID)) {
		t.Errorf("note or advisory out of bounds: %+v", a)
	}
	if a.Severity != "" || a.Arch != "" || a.Module != "" || !a.Published.IsZero() {
		t.Errorf("field the secdb does not have is set: %+v", a)
	}
}

func TestGoldenYAML(t *testing.T) {
	for _, name := range excerpts {
		t.Run(name, func(t *testing.T) {
			sourcetest.Golden(t, sourcetest.GoldenPath(name), run(t, yamlBytes, sourcetest.Testdata(t, name)))
		})
	}
}

// TestJSONMatchesYAML reads each excerpt's JSON transcription, made by
// PyYAML (testdata/yaml2json.py), and wants exactly what our YAML reader
// made of the YAML: two independent YAML readings, and the JSON reader,
// agree.
func TestJSONMatchesYAML(t *testing.T) {
	for _, name := range excerpts {
		t.Run(name, func(t *testing.T) {
			fromYAML := run(t, yamlBytes, sourcetest.Testdata(t, name))
			fromJSON := run(t, jsonBytes, sourcetest.Testdata(t, strings.TrimSuffix(name, ".yaml")+".json"))
			if diff := cmp.Diff(fromYAML, fromJSON); diff != "" {
				t.Errorf("JSON and YAML differ (-yaml +json):\n%s", diff)
			}
		})
	}
}
