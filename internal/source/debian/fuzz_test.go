package debian

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// The seed corpora are in testdata/fuzz/<FuzzName>/: the real excerpts of
// testdata, whole and cut into single entries or stanzas.

// checkFuzzed fails on an emitted record that breaks a parser's promises.
func checkFuzzed(t *testing.T, src string, a model.Advisory) {
	t.Helper()
	checkAdvisory(t, a)
	if src != "" && a.Source != src {
		t.Errorf("source %q, want %q", a.Source, src)
	}
	if a.Temporary != strings.HasPrefix(a.CVE, "TEMP-") {
		t.Errorf("Temporary %v for id %q", a.Temporary, a.CVE)
	}
	if !source.ValidName(a.Package) || !source.ValidName(a.CVE) || (a.FixedVersion != "" && !source.ValidName(a.FixedVersion)) {
		t.Errorf("package, id or version out of bounds: %+v", a)
	}
	if a.Severity != strings.ToLower(a.Severity) || len(a.Severity) > source.MaxName {
		t.Errorf("severity %q", a.Severity)
	}
	if len(a.Description) > maxDescription || len(a.Note) > maxNote {
		t.Errorf("description (%d bytes) or note (%d bytes) not clipped", len(a.Description), len(a.Note))
	}
}

func checkFuzzStats(t *testing.T, st Stats, emitted int, err error) {
	t.Helper()
	sourcetest.Fuzzed(t, st.Records, emitted, st.Skipped, err)
}

func FuzzParseTrackerJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		st, err := ParseTrackerJSON(context.Background(), bytes.NewReader(data), func(a model.Advisory) error {
			checkFuzzed(t, SourceTracker, a)
			n++
			return nil
		})
		checkFuzzStats(t, st, n, err)
	})
}

func FuzzParseAdvisoryList(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, dla bool) {
		kind, src := "DSA", SourceDSA
		if dla {
			kind, src = "DLA", SourceDLA
		}
		n := 0
		st, err := ParseAdvisoryList(context.Background(), bytes.NewReader(data), kind, func(a model.Advisory) error {
			checkFuzzed(t, src, a)
			if !isAdvisoryID(a.AdvisoryID, kind) {
				t.Errorf("advisory id %q", a.AdvisoryID)
			}
			if a.CVE != a.AdvisoryID && !isCVEID(a.CVE) {
				t.Errorf("id %q is neither a CVE nor the advisory", a.CVE)
			}
			n++
			return nil
		})
		checkFuzzStats(t, st, n, err)
	})
}

func FuzzParseCVEList(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		st, err := ParseCVEList(context.Background(), bytes.NewReader(data), func(a model.Advisory) error {
			checkFuzzed(t, SourceCVEList, a)
			if !isCVEID(a.CVE) && !a.Temporary {
				t.Errorf("id %q", a.CVE)
			}
			n++
			return nil
		})
		checkFuzzStats(t, st, n, err)
	})
}

func FuzzParsePackagesIndex(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		got, err := ParsePackagesIndex(context.Background(), bytes.NewReader(data), func(b Binary) error {
			if !source.ValidName(b.Name) || !source.ValidName(b.Version) || !source.ValidName(b.Source) || !source.ValidName(b.SourceVersion) {
				t.Errorf("binary with an empty or invalid field: %+v", b)
			}
			if len(b.Arch) > source.MaxName {
				t.Errorf("arch of %d bytes", len(b.Arch))
			}
			n++
			return nil
		})
		if got != n {
			t.Errorf("returned %d, emitted %d", got, n)
		}
		if err != nil && err.Error() == "" {
			t.Error("error with an empty message")
		}
	})
}
