package kev

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

const excerpt = "testdata/kev-2025.08.25.excerpt.json"

// ent is an entry in the order of the fields of the feed's lines.
func ent(cve, added, due, ransomware, vendor, product, name string) store.KEVEntry {
	return store.KEVEntry{CVE: cve, DateAdded: added, DueDate: due, Ransomware: ransomware, Vendor: vendor, Product: product, Name: name}
}

// TestParseExcerpt: the real excerpt's entries, written by hand from the
// file (testdata/PROVENANCE.tsv).
func TestParseExcerpt(t *testing.T) {
	b, err := os.ReadFile(excerpt)
	if err != nil {
		t.Fatal(err)
	}
	cat, got, err := Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	// "catalogVersion": "2025.08.25", "dateReleased": "2025-08-25T17:04:19.9796Z"
	wantCat := store.KEVCatalogue{Version: "2025.08.25", Released: time.Date(2025, 8, 25, 17, 4, 19, 979600000, time.UTC), Entries: 7}
	if diff := cmp.Diff(wantCat, cat); diff != "" {
		t.Errorf("catalogue (-want +got):\n%s", diff)
	}
	want := []store.KEVEntry{
		ent("CVE-2025-48384", "2025-08-25", "2025-09-15", "Unknown", "Git", "Git", "Git Link Following Vulnerability"),
		ent("CVE-2023-4911", "2023-11-21", "2023-12-12", "Unknown", "GNU", "GNU C Library", "GNU C Library Buffer Overflow Vulnerability"),
		ent("CVE-2023-0266", "2023-03-30", "2023-04-20", "Unknown", "Linux", "Kernel", "Linux Kernel Use-After-Free Vulnerability"),
		ent("CVE-2021-4034", "2022-06-27", "2022-07-18", "Unknown", "Red Hat", "Polkit", "Red Hat Polkit Out-of-Bounds Read and Write Vulnerability"),
		ent("CVE-2021-3156", "2022-04-06", "2022-04-27", "Unknown", "Sudo", "Sudo", "Sudo Heap-Based Buffer Overflow Vulnerability"),
		ent("CVE-2014-6271", "2022-01-28", "2022-07-28", "Unknown", "GNU", "Bourne-Again Shell (Bash)", "GNU Bourne-Again Shell (Bash) Arbitrary Code Execution Vulnerability"),
		ent("CVE-2025-49704", "2025-07-22", "2025-07-23", "Known", "Microsoft", "SharePoint", "Microsoft SharePoint Code Injection Vulnerability"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

// TestParseWhole: the whole shared catalogue, gzip as stored: 1,404
// entries ("count": 1404).
func TestParseWhole(t *testing.T) {
	f, err := os.Open(filepath.Join(testenv.SharedDir(t), "data/feeds/kev/known_exploited_vulnerabilities.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	cat, entries, err := Parse(zr)
	if err != nil {
		t.Fatal(err)
	}
	if cat.Version != "2025.08.25" || cat.Entries != 1404 || len(entries) != 1404 {
		t.Errorf("catalogue %+v with %d entries, want 2025.08.25 with 1404", cat, len(entries))
	}
}

// TestParseRejects: documents that are not a usable catalogue fail with
// an error naming why. The bad entries are the excerpt's first entry
// with one field changed (constructed).
func TestParseRejects(t *testing.T) {
	good, err := os.ReadFile(excerpt)
	if err != nil {
		t.Fatal(err)
	}
	swap := func(old, new string) string {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("excerpt lacks %q", old)
		}
		return strings.Replace(string(good), old, new, 1)
	}
	for _, c := range []struct{ name, doc, want string }{
		{"array", `[{"cveID": "CVE-2021-4034"}]`, "not a JSON object"},
		{"empty", ``, "not a KEV catalogue"},
		{"other JSON", `{"title": "x", "items": []}`, "no vulnerabilities array"},
		{"no entries", `{"catalogVersion": "1", "count": 0, "vulnerabilities": []}`, "lists no vulnerability"},
		{"vulnerabilities not an array", `{"catalogVersion": "1", "vulnerabilities": {}}`, "not an array"},
		{"no version", swap(`"catalogVersion": "2025.08.25",`, ``), "without catalogVersion"},
		{"bad cve id", swap(`"cveID": "CVE-2025-48384"`, `"cveID": "CVE-25-48384"`), `cveID "CVE-25-48384" is not a CVE id`},
		{"cve id with text", swap(`"cveID": "CVE-2025-48384"`, `"cveID": "CVE-2025-48384 x"`), "is not a CVE id"},
		{"bad date", swap(`"dateAdded": "2025-08-25"`, `"dateAdded": "25/08/2025"`), "dateAdded \"25/08/2025\" is not a date"},
		{"bad due date", swap(`"dueDate": "2025-09-15"`, `"dueDate": "soon"`), "dueDate \"soon\" is not a date"},
		{"twice", swap(`"cveID": "CVE-2025-48384"`, `"cveID": "CVE-2023-4911"`), "CVE-2023-4911 listed twice"},
		{"count", swap(`"count": 7`, `"count": 1404`), "count 1404 but lists 7"},
		{"truncated", string(good[:len(good)/2]), "catalogue"},
		{"bad release", swap(`"dateReleased": "2025-08-25T17:04:19.9796Z"`, `"dateReleased": "yesterday"`), "not a date-time"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Parse(strings.NewReader(c.doc))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestParseBounded: a document past MaxBytes fails as too large, however
// well-formed its start.
func TestParseBounded(t *testing.T) {
	huge := `{"catalogVersion": "1", "title": "` + strings.Repeat("x", MaxBytes) + `"}`
	_, _, err := Parse(strings.NewReader(huge))
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("error %v, want larger than", err)
	}
}
