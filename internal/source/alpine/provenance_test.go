package alpine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// TestExcerptsAreReal checks each YAML excerpt of testdata against the
// shared file it was cut from (testdata/PROVENANCE.tsv): its header is the
// file's header, and each pkg entry is found verbatim in the file.
func TestExcerptsAreReal(t *testing.T) {
	for _, name := range excerpts {
		branch, repo, _ := strings.Cut(strings.TrimSuffix(strings.TrimSuffix(name, ".yaml"), ".excerpt"), "_")
		whole, err := os.ReadFile(filepath.Join(secdbDir(t), branch, repo+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		excerpt := string(sourcetest.Testdata(t, name))
		head, entries, _ := strings.Cut(excerpt, "packages:\n")
		if !strings.HasPrefix(string(whole), head+"packages:\n") {
			t.Errorf("%s: the header is not %s/%s.yaml's", name, branch, repo)
		}
		parts := strings.Split(entries, "  - pkg:\n")
		for i, p := range parts[1:] {
			if !strings.Contains(string(whole), "  - pkg:\n"+p) {
				t.Errorf("%s: entry %d is not in the shared file:\n%s", name, i+1, p)
			}
		}
		if !strings.Contains(name, "community.yaml") || strings.Contains(name, "excerpt") {
			if len(parts) < 2 {
				t.Errorf("%s: no entries", name)
			}
		}
	}
}
