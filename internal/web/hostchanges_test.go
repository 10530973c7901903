package web

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestHostChangesSection: two reports of one host through the feed. The
// second upgrades openssl to the version DSA-5343-1 fixes ("[bullseye] -
// openssl 1.1.1n-0+deb11u4", testdata/DSA-5343-1.txt), which closes the
// DSA's five CVEs on openssl 1.1.1n-0+deb11u3; it also drops a package
// and adds one whose names are markup (hostile: constructed, no real
// package is named so), and moves the running kernel (Debian 11's
// 5.10.0-20 to 5.10.0-21). The host page shows it escaped; the API gives
// the same as JSON and CSV.
func TestHostChangesSection(t *testing.T) {
	srv, _ := newListServer(t, true)
	const gone, came = `<script>alert(1)</script>`, `"><img src=x onerror=alert(2)>`
	post(t, srv.URL, "5", "#\nhost: chg.example.org\nkernel: 5.10.0-20-amd64\nsite: SITE-C\nsystem: Debian GNU/Linux 11\n#\n"+
		"openssl\t1.1.1n-0+deb11u3\tamd64\n"+gone+"\t1.0\tamd64\n#\n")
	post(t, srv.URL, "5", "#\nhost: chg.example.org\nkernel: 5.10.0-21-amd64\nsite: SITE-C\nsystem: Debian GNU/Linux 11\n#\n"+
		"openssl\t1.1.1n-0+deb11u4\tamd64\n"+came+"\t2.0\tall\n#\n")

	code, _, body := get(t, srv.URL+"/api/v1/hosts/chg.example.org/changes")
	if code != 200 {
		t.Fatalf("changes: %d %s", code, body)
	}
	var got store.HostChanges
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Total != 2 || len(got.Changes) != 2 {
		t.Fatalf("%d changes, want 2 (the first report's findings, the second's packages): %s", got.Total, body)
	}
	first, second := got.Changes[1], got.Changes[0]
	if !first.First || len(first.Opened) != len(dsa5343) || first.Packages() != 0 || first.Kernel != nil {
		t.Errorf("first report: %+v, want the first, opening the DSA's %d CVEs", first, len(dsa5343))
	}
	var closed []store.FindingChange
	for _, cve := range dsa5343 {
		closed = append(closed, store.FindingChange{CVE: cve, Package: "openssl", Version: "1.1.1n-0+deb11u3", Arch: "amd64", Reason: "package-updated"})
	}
	want := store.HostChange{At: second.At, Kernel: &store.KernelChange{Old: "5.10.0-20-amd64", New: "5.10.0-21-amd64"},
		Added:   []store.PackageChange{{Name: came, Arch: "all", New: "2.0"}},
		Removed: []store.PackageChange{{Name: gone, Arch: "amd64", Old: "1.0"}},
		Updated: []store.PackageChange{{Name: "openssl", Arch: "amd64", Old: "1.1.1n-0+deb11u3", New: "1.1.1n-0+deb11u4"}},
		Opened:  []store.FindingChange{}, Closed: closed}
	if diff := cmp.Diff(want, second); diff != "" {
		t.Errorf("second report (-want +got):\n%s", diff)
	}

	code, _, page := get(t, srv.URL+"/hosts/chg.example.org")
	if code != 200 {
		t.Fatalf("host page: %d", code)
	}
	i := strings.Index(page, `id="changes-title"`)
	j := strings.Index(page, `id="packages-title"`)
	if i < 0 || j < i {
		t.Fatalf("no Changes section before the packages:\n%s", page)
	}
	sec := page[i:j]
	for _, s := range []string{"Running kernel 5.10.0-20-amd64 → 5.10.0-21-amd64",
		"openssl <span class=\"muted\">amd64</span> 1.1.1n-0&#43;deb11u3 → 1.1.1n-0&#43;deb11u4",
		"removed &lt;script&gt;alert(1)&lt;/script&gt;", "added &#34;&gt;&lt;img src=x onerror=alert(2)&gt;",
		`closed <a href="/cves/CVE-2023-0286">CVE-2023-0286</a> in openssl 1.1.1n-0&#43;deb11u3`,
		"Packages: 1 updated, 1 added, 1 removed", "Findings: 0 opened, 5 closed", "first report",
		`href="/api/v1/hosts/chg.example.org/changes?format=csv"`} {
		if !strings.Contains(sec, s) {
			t.Errorf("Changes section lacks %q:\n%s", s, sec)
		}
	}
	for _, s := range []string{"<script>", "<img"} {
		if strings.Contains(page, s) {
			t.Errorf("host page holds %q unescaped", s)
		}
	}

	code, _, csvBody := get(t, srv.URL+"/api/v1/hosts/chg.example.org/changes?format=csv")
	rows := readCSV(t, csvBody)
	if code != 200 || len(rows) != 1+4+5+5 {
		t.Fatalf("CSV: %d, %d rows, want a header, 4 rows of the second report (kernel, updated, added, removed), 5 closed, 5 opened: %s", code, len(rows), csvBody)
	}
	if diff := cmp.Diff([]string{rows[1][0], "kernel", "", "", "5.10.0-20-amd64", "5.10.0-21-amd64", "", ""}, rows[1]); diff != "" {
		t.Errorf("CSV kernel row (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{rows[1][0], "removed", gone, "amd64", "1.0", "", "", ""}, rows[4]); diff != "" {
		t.Errorf("CSV removed row (-want +got):\n%s", diff)
	}

	// Paging: the second of one; an out-of-scope or unknown host: 404.
	code, _, body = get(t, srv.URL+"/api/v1/hosts/chg.example.org/changes?limit=1&offset=1")
	if err := json.Unmarshal([]byte(body), &got); err != nil || code != 200 || got.Total != 2 || len(got.Changes) != 1 || !got.Changes[0].First {
		t.Errorf("page 2 of 1: %d %s", code, body)
	}
	if code, _, _ := get(t, srv.URL+"/api/v1/hosts/nosuch.example.org/changes"); code != 404 {
		t.Errorf("unknown host: %d, want 404", code)
	}
	if code, _, _ := get(t, srv.URL+"/api/v1/hosts/chg.example.org/changes?limit=0"); code != 400 {
		t.Errorf("limit=0: %d, want 400", code)
	}
}
