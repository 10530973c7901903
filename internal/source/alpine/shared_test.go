package alpine

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

// secdbDir is the 2020 snapshot of the secdb YAML in the shared data:
// branches v3.3 to v3.11, main and community each.
func secdbDir(t testing.TB) string {
	return filepath.Join(testenv.SharedDir(t), "data", "feeds", "alpine", "secdb-yaml-2020")
}

// parseSharedFile reads one shared secdb file through Source.Parse.
func parseSharedFile(t testing.TB, rel string) []model.Advisory {
	t.Helper()
	f, err := os.Open(filepath.Join(secdbDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []model.Advisory
	err = New().Parse(context.Background(), sourceDoc(rel, f), func(a model.Advisory) error {
		got = append(got, a)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestSharedFiles reads every file of the 2020 snapshot. Packages and
// items are counted independently of the reader (grep -c '^ *- pkg:' and
// awk over the "- " lines below packages:); records are what the reader
// made of them, the same as it makes of PyYAML's reading of each file
// turned into JSON (testdata/yaml2json.py; checked once, all 18 files
// equal).
func TestSharedFiles(t *testing.T) {
	total := 0
	for _, tc := range []struct {
		file            string
		packages, items int
		records         int
	}{
		{"v3.3/community.yaml", 0, 0, 0},
		{"v3.3/main.yaml", 91, 461, 461},
		{"v3.4/community.yaml", 2, 14, 14},
		{"v3.4/main.yaml", 117, 672, 669},
		{"v3.5/community.yaml", 20, 102, 101},
		{"v3.5/main.yaml", 131, 826, 823},
		{"v3.6/community.yaml", 31, 219, 214},
		{"v3.6/main.yaml", 134, 898, 891},
		{"v3.7/community.yaml", 37, 411, 401},
		{"v3.7/main.yaml", 163, 1078, 1073},
		{"v3.8/community.yaml", 44, 485, 476},
		{"v3.8/main.yaml", 164, 1139, 1129},
		{"v3.9/community.yaml", 58, 601, 593},
		{"v3.9/main.yaml", 161, 1121, 1101},
		{"v3.10/community.yaml", 73, 720, 712},
		{"v3.10/main.yaml", 166, 1182, 1158},
		{"v3.11/community.yaml", 85, 895, 886},
		{"v3.11/main.yaml", 175, 1204, 1179},
	} {
		data, err := os.ReadFile(filepath.Join(secdbDir(t), tc.file))
		if err != nil {
			t.Fatal(err)
		}
		g := run(t, yamlBytes, data)
		if g.Stats.Packages != tc.packages || g.Stats.Items != tc.items || len(g.Records) != tc.records {
			t.Errorf("%s: %d packages, %d items, %d records; want %d, %d, %d", tc.file,
				g.Stats.Packages, g.Stats.Items, len(g.Records), tc.packages, tc.items, tc.records)
		}
		seen := map[string]bool{}
		for _, a := range g.Records {
			k := a.OSGroup + " " + a.Package + " " + a.CVE
			if seen[k] {
				t.Errorf("%s: two records for %s", tc.file, k)
			}
			seen[k] = true
		}
		total += len(g.Records)
	}
	if total != 11881 {
		t.Errorf("%d records in all, want 11881", total)
	}
}
