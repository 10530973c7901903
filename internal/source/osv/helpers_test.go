package osv

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

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

type golden = sourcetest.Result[Stats]

// parseAll parses data with testMapping and checks every record.
func parseAll(t testing.TB, data []byte, name string) golden {
	t.Helper()
	return sourcetest.Records(t, func(emit func(model.Advisory) error) (Stats, error) {
		return Parse(context.Background(), bytes.NewReader(data), name, &Options{Source: "test", Mapping: testMapping}, emit)
	}, checkAdvisory, func(st Stats) int { return st.Records })
}

// checkAdvisory fails on a record no conversion may emit.
func checkAdvisory(t testing.TB, a model.Advisory) {
	t.Helper()
	if a.Package == "" || a.CVE == "" || a.OSGroup == "" || a.Source == "" {
		t.Errorf("record with an empty package, id, OS group or source: %+v", a)
	}
	if !source.ValidName(a.Package) || !source.ValidName(a.CVE) || (a.FixedVersion != "" && !source.ValidName(a.FixedVersion)) {
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

func compactJSON(dst *bytes.Buffer, src []byte) error { return json.Compact(dst, src) }
