package sourcetest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden.json files from the parsers' output")

// GoldenPath is the golden file of a testdata file: testdata/NAME.golden.json
// with NAME's last extension removed ("DSA-list.excerpt.txt" gives
// testdata/DSA-list.excerpt.golden.json).
func GoldenPath(name string) string {
	return filepath.Join("testdata", strings.TrimSuffix(name, filepath.Ext(name))+".golden.json")
}

// Golden compares got with the JSON file at path, or rewrites that file
// from got under -update (indented by two blanks, HTML characters not
// escaped, a final newline). Both sides go through JSON before cmp.Diff
// with opts, so nil and empty compare alike and unexported state does not
// count.
func Golden[T any](t testing.TB, path string, got T, opts ...cmp.Option) {
	t.Helper()
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
	if data, err = json.Marshal(got); err != nil {
		t.Fatal(err)
	}
	var gotRT T
	if err := json.Unmarshal(data, &gotRT); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, gotRT, opts...); diff != "" {
		t.Errorf("%s differs (-golden +got):\n%s", path, diff)
	}
}
