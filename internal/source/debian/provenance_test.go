package debian

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestExcerptsAreReal checks testdata against the shared files it was cut
// from (see testdata/PROVENANCE.tsv): copies are byte for byte the same,
// excerpts are whole entries or stanzas found verbatim in the whole file.
func TestExcerptsAreReal(t *testing.T) {
	for _, tc := range []struct{ copy, shared string }{
		{"vunnel_debian.json", "tracker-json-excerpts/vunnel_debian.json"},
		{"vulnerablecode_debian.json", "tracker-json-excerpts/vulnerablecode_debian.json"},
		{"vuls-data-update_advisory.json", "tracker-json-excerpts/vuls-data-update_advisory.json"},
		{"vunnel_DSA-list-excerpt.txt", "salsa-excerpts/vunnel_DSA-list-excerpt.txt"},
	} {
		want, err := os.ReadFile(sharedFile(t, tc.shared))
		if err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, openTestdata(t, tc.copy)); !bytes.Equal(got, want) {
			t.Errorf("testdata/%s is not a copy of %s", tc.copy, tc.shared)
		}
	}

	for _, tc := range []struct{ excerpt, whole, sep string }{
		{"DSA-list.excerpt.txt", "DSA-list.txt.gz", "\n["},
		{"DLA-list.excerpt.txt", "DLA-list.txt.gz", "\n["},
		{"bookworm_Packages.excerpt.txt", "apt-bookworm/bookworm_main_binary-amd64_Packages.gz", "\n\n"},
	} {
		whole := "\n" + string(readAll(t, openGzip(t, tc.whole)))
		excerpt := string(readAll(t, openTestdata(t, tc.excerpt)))
		parts := strings.Split("\n"+excerpt, tc.sep)[1:]
		for i, p := range parts {
			// Put back what the split removed, so each part is a whole
			// entry (from its header to the next one) or a whole stanza.
			p = tc.sep + p
			if i < len(parts)-1 {
				p += tc.sep[:1]
			}
			if !strings.Contains(whole, p) {
				t.Errorf("%s: part %d is not in %s:\n%s", tc.excerpt, i+1, tc.whole, p)
			}
		}
		if len(parts) < 30 {
			t.Errorf("%s: only %d parts", tc.excerpt, len(parts))
		}
	}
}
