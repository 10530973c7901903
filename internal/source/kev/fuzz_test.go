package kev

import (
	"bytes"
	"os"
	"testing"
)

// FuzzParse, seeded with the real excerpt: Parse never panics, and what
// it accepts is well-formed (ids of the schema's pattern, once each,
// entries counted).
func FuzzParse(f *testing.F) {
	b, err := os.ReadFile(excerpt)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"catalogVersion": "1", "vulnerabilities": [{"cveID": "CVE-2021-4034", "dateAdded": "2022-06-27"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cat, entries, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(entries) == 0 || cat.Entries != len(entries) || cat.Version == "" {
			t.Fatalf("accepted %+v with %d entries", cat, len(entries))
		}
		seen := map[string]bool{}
		for _, e := range entries {
			if !cveID.MatchString(e.CVE) || seen[e.CVE] || e.DateAdded == "" {
				t.Fatalf("accepted entry %+v", e)
			}
			seen[e.CVE] = true
		}
	})
}
