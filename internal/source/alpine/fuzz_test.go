package alpine

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// The fuzz tests are seeded with the real excerpts of testdata (YAML and
// their JSON transcriptions); they check that the readers never panic,
// keep their bounds and emit only well-formed records.

func addSeeds(f *testing.F, glob string) {
	files, err := filepath.Glob(filepath.Join("testdata", glob))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds %s: %v", glob, err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, ".golden.json") {
			continue
		}
		f.Add(sourcetest.Testdata(f, filepath.Base(name)))
	}
}

func fuzzReader(t *testing.T, parse func(context.Context, []byte, func(model.Advisory) error) (Stats, error), data []byte) {
	n := 0
	st, err := parse(context.Background(), data, func(a model.Advisory) error {
		checkRecord(t, a)
		n++
		return nil
	})
	sourcetest.Fuzzed(t, st.Records, n, nil, err)
	if len(st.Repaired) > 64 {
		t.Errorf("%d repaired items kept", len(st.Repaired))
	}
}

func FuzzParseYAML(f *testing.F) {
	addSeeds(f, "*.yaml")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzReader(t, yamlBytes, data) })
}

func FuzzParseJSON(f *testing.F) {
	addSeeds(f, "*.json")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzReader(t, jsonBytes, data) })
}

// FuzzParseItem: any item text either fails or gives ids that are valid names.
func FuzzParseItem(f *testing.F) {
	for _, s := range []string{"CVE-2019-14904", "CVE-2017-5753 CVE-2017-5715 CVE-2017-5754 XSA-254 XPTI", "CVE-????-?????  XSA-295",
		"CVE 2018-16859", "CVE_2019-2426", "CVE-2019-19451.patch", "CVE-2017-17434-1", "CVE-2018-10103 (SMB - partially fixed, but SMB printing disabled)", "wnpa-sec-2017-18"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		it, err := parseItem(s)
		if err != nil {
			return
		}
		if len(it.ids) == 0 || len(it.note) > maxNote {
			t.Errorf("%q: %+v", s, it)
		}
		for _, id := range it.ids {
			if !source.ValidName(id) {
				t.Errorf("%q: id %q", s, id)
			}
		}
		if it.advisory != "" && !source.ValidName(it.advisory) {
			t.Errorf("%q: advisory %q", s, it.advisory)
		}
	})
}
