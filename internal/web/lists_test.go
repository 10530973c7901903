package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/metrics"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// The fleet of the listing tests. The data is DSA-5343-1
// (testdata/DSA-5343-1.txt): "[bullseye] - openssl 1.1.1n-0+deb11u4" for
// {CVE-2022-2097 CVE-2022-4304 CVE-2022-4450 CVE-2023-0215
// CVE-2023-0286}, no urgency (severity unknown). On Debian 11 (debian:11)
// openssl 1.1.1n-0+deb11u3 is exposed to the five, deb11u4 is fixed.
var listReports = []struct{ protocol, report string }{
	// Exposed, one package (protocol 5: no arch line, no source column).
	{"5", "#\nhost: old.example.org\nkernel: 5.10.0-20-amd64\nsite: SITE-B\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u3\tamd64\n#\n"},
	// Exposed through two binaries of source openssl: counted once.
	{"6", "#\nhost: two.example.org\narch: x86_64\nsite: SITE-B\nsystem: Debian GNU/Linux 11\n#\n" +
		"openssl\t1.1.1n-0+deb11u3\tamd64\topenssl\t1.1.1n-0+deb11u3\nlibssl1.1\t1.1.1n-0+deb11u3\tamd64\topenssl\t1.1.1n-0+deb11u3\n#\n"},
	// Fixed.
	{"5", "#\nhost: fixed.example.org\nkernel: 5.10.0-21-amd64\nsite: SITE-A\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u4\tamd64\n#\n"},
	// No data for debian:12, debian:10, debian:9: not evaluated.
	{"5", "#\nhost: wn1.example.org\nkernel: 6.1.0-26-amd64\nsite: SITE-A\nsystem: Debian GNU/Linux 12\n#\nbash\t5.2.15-2+b7\tamd64\nlibc6\t2.36-9+deb12u8\tamd64\n#\n"},
	{"5", "#\nhost: buster.example.org\nsite: SITE-C\nsystem: Debian GNU/Linux 10\n#\nbash\t5.0-4\tamd64\n#\n"},
	{"5", "#\nhost: stretch.example.org\nsite: SITE-C\nsystem: Debian GNU/Linux 9\n#\nbash\t4.4-5\tamd64\n#\n"},
	// Hostile: no OS group.
	{"5", "#\nhost: " + hostile + "\nsite: =HYPERLINK(\"x\")\nsystem: <b>OS</b>\n#\n<img src=x>\t1\tx\n#\n"},
}

// newListServer is a server without authentication (everyone admin),
// severities ranked as pakiti serve ranks them, DSA-5343-1 loaded when
// withData, and listReports fed.
func newListServer(t *testing.T, withData bool, cfg ...func(*Config)) (*httptest.Server, *store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.SetSeverity(drivers.Registry().Severity)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := Config{Store: st, Feed: intake.New(st, match.New(st, drivers.Registry(), log), log), Log: log}
	for _, f := range cfg {
		f(&c)
	}
	h, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	if withData {
		im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(),
			Eval: match.New(st, drivers.Registry(), log), Log: log, Now: time.Now}
		if _, err := im.Import(ctx, "debian", []string{"testdata/DSA-5343-1.txt"}, false); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range listReports {
		post(t, srv.URL, r.protocol, r.report)
	}
	return srv, st
}

func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(body))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("csv: %v: %.300s", err, body)
	}
	return rows
}

var dsa5343 = []string{"CVE-2022-2097", "CVE-2022-4304", "CVE-2022-4450", "CVE-2023-0215", "CVE-2023-0286"}

func TestVulnerabilities(t *testing.T) {
	srv, st := newListServer(t, true)
	ctx := context.Background()
	at := time.Date(2023, 2, 8, 10, 0, 0, 0, time.UTC)
	for _, tag := range []store.CVETag{
		{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Reason: "type confusion in X.400 address processing", Enabled: true, Author: "csirt", ModifiedAt: at},
		{CVE: "CVE-2022-2097", Tag: "EGI-High", Reason: "disabled: counts nowhere", Enabled: false, Author: "csirt", ModifiedAt: at},
	} {
		if err := st.PutTag(ctx, tag); err != nil {
			t.Fatal(err)
		}
	}
	type row struct {
		CVE   string
		Hosts int
		Sev   string
		Tags  []string
	}
	all := func(cves ...string) []row {
		var out []row
		for _, c := range cves {
			r := row{CVE: c, Hosts: 2, Sev: "unknown", Tags: []string{}}
			if c == "CVE-2023-0286" {
				r.Tags = []string{"EGI-Critical"}
			}
			out = append(out, r)
		}
		return out
	}
	tests := []struct {
		query string
		total int
		want  []row
	}{
		// old and two (SITE-B) each once, though two has openssl and
		// libssl1.1; fixed.example.org is not counted. Ties of -hosts
		// by id.
		{"", 5, all(dsa5343...)},
		{"?sort=-cve", 5, all("CVE-2023-0286", "CVE-2023-0215", "CVE-2022-4450", "CVE-2022-4304", "CVE-2022-2097")},
		{"?sort=cve&limit=2&offset=1", 5, all("CVE-2022-4304", "CVE-2022-4450")},
		{"?q=cve-2023", 2, all("CVE-2023-0215", "CVE-2023-0286")},
		{"?tag=EGI-Critical", 1, all("CVE-2023-0286")},
		{"?tag=*", 1, all("CVE-2023-0286")},
		{"?tag=EGI-High", 0, nil}, // disabled
		{"?site=SITE-B", 5, all(dsa5343...)},
		{"?site=SITE-A", 0, nil}, // fixed.example.org only
		{"?os_group=debian:11&status=open", 5, all(dsa5343...)},
		{"?status=unfixed", 0, nil},
		{"?severity=unknown", 5, all(dsa5343...)},
		{"?severity=high", 0, nil},
	}
	for _, tc := range tests {
		code, _, body := get(t, srv.URL+"/api/v1/cves"+tc.query)
		if code != 200 {
			t.Fatalf("%s: %d %s", tc.query, code, body)
		}
		var list VulnList
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			t.Fatal(err)
		}
		var got []row
		for _, v := range list.CVEs {
			got = append(got, row{v.CVE, v.Hosts, v.Severity, v.Tags})
		}
		if list.Total != tc.total {
			t.Errorf("%s: total %d, want %d", tc.query, list.Total, tc.total)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.query, diff)
		}
	}
	// The CVE page counts the same hosts.
	_, _, body := get(t, srv.URL+"/api/v1/cves/CVE-2023-0286")
	var info store.CVEInfo
	if err := json.Unmarshal([]byte(body), &info); err != nil || info.HostCount != 2 {
		t.Errorf("CVE page host_count %d (%v)", info.HostCount, err)
	}
	// CSV: the whole view, whatever limit says.
	_, hd, body := get(t, srv.URL+"/api/v1/cves?format=csv&limit=1&sort=cve")
	want := [][]string{{"cve", "hosts", "severity", "severity_word", "tags", "exploited"}}
	for _, c := range dsa5343 {
		tag := ""
		if c == "CVE-2023-0286" {
			tag = "EGI-Critical"
		}
		want = append(want, []string{c, "2", "unknown", "", tag, "false"}) // no KEV catalogue loaded
	}
	if diff := cmp.Diff(want, readCSV(t, body)); diff != "" || !strings.HasPrefix(hd.Get("Content-Type"), "text/csv") {
		t.Errorf("csv %s (-want +got):\n%s", hd.Get("Content-Type"), diff)
	}
	// The page: rows, links to the CVE and its hosts, sort state.
	code, _, page := get(t, srv.URL+"/cves?site=SITE-B")
	for _, s := range []string{`<a href="/cves/CVE-2023-0286">CVE-2023-0286</a>`, `<a href="/hosts?cve=CVE-2023-0286&amp;site=SITE-B">2</a>`,
		`aria-sort="descending"`, `<a href="/hosts?cve_tag=EGI-Critical">EGI-Critical</a>`, `href="/api/v1/cves?format=csv&amp;site=SITE-B"`} {
		if code != 200 || !strings.Contains(page, s) {
			t.Errorf("/cves lacks %s (%d)", s, code)
		}
	}
	_, _, page = get(t, srv.URL+"/cves?site=SITE-A")
	if !strings.Contains(page, `No CVE matches this filter`) {
		t.Errorf("/cves?site=SITE-A: no empty state")
	}
	// A hostile tag name: escaped on the page, in its link too.
	const evilTag = `"><svg/onload=alert(1)>`
	if err := st.PutTag(ctx, store.CVETag{CVE: "CVE-2023-0215", Tag: evilTag, Enabled: true, Author: "csirt", ModifiedAt: at}); err != nil {
		t.Fatal(err)
	}
	_, _, page = get(t, srv.URL+"/cves?q=CVE-2023-0215")
	if strings.Contains(page, "<svg") || !strings.Contains(page, `&#34;&gt;&lt;svg/onload=alert(1)&gt;`) ||
		!strings.Contains(page, `href="/hosts?cve_tag=%22%3e%3csvg%2fonload%3dalert%281%29%3e"`) {
		t.Errorf("hostile tag not escaped: %s", page)
	}
	for _, bad := range []string{"?sort=nope", "?severity=awful", "?status=fixed", "?limit=0"} {
		if code, _, _ := get(t, srv.URL+"/api/v1/cves"+bad); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}
}

// TestVulnerabilitySeverity: the worst severity of a CVE's findings, on
// the Debian tracker's urgencies (testdata/vulnerablecode_debian.json,
// buster): librsync CVE-2014-8242 "status": "open", "urgency": "low";
// mimetex CVE-2009-1382 and CVE-2009-2459 "resolved" in 1.50-1.1,
// "urgency": "medium" (1.50-1 is below); atomicparsley CVE-2021-37231 and
// CVE-2021-37232 "open", "urgency": "not yet assigned".
func TestVulnerabilitySeverity(t *testing.T) {
	const buster = "Debian GNU/Linux 10"
	srv, _, _ := newMetricsFleet(t, metrics.Config{CacheTTL: -1}, "testdata/vulnerablecode_debian.json", []string{
		metricsReport("low.example.org", "SITE-A", buster, "librsync\t0.9.7-10"),
		metricsReport("medium.example.org", "SITE-A", buster, "librsync\t0.9.7-10", "mimetex\t1.50-1"),
		metricsReport("unassigned.example.org", "SITE-B", buster, "atomicparsley\t0.9.6-2"),
	})
	tests := []struct {
		query string
		want  []string // cve hosts severity word
	}{
		{"", []string{"CVE-2014-8242 2 low low", "CVE-2009-1382 1 medium medium", "CVE-2009-2459 1 medium medium",
			"CVE-2021-37231 1 unknown not yet assigned", "CVE-2021-37232 1 unknown not yet assigned"}},
		{"?sort=-severity", []string{"CVE-2009-1382 1 medium medium", "CVE-2009-2459 1 medium medium", "CVE-2014-8242 2 low low",
			"CVE-2021-37231 1 unknown not yet assigned", "CVE-2021-37232 1 unknown not yet assigned"}},
		{"?severity=medium", []string{"CVE-2009-1382 1 medium medium", "CVE-2009-2459 1 medium medium"}},
		{"?status=unfixed", []string{"CVE-2014-8242 2 low low", "CVE-2021-37231 1 unknown not yet assigned", "CVE-2021-37232 1 unknown not yet assigned"}},
		{"?site=SITE-B", []string{"CVE-2021-37231 1 unknown not yet assigned", "CVE-2021-37232 1 unknown not yet assigned"}},
	}
	for _, tc := range tests {
		_, _, body := get(t, srv.URL+"/api/v1/cves"+tc.query)
		var list VulnList
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			t.Fatal(err)
		}
		got := []string{}
		for _, v := range list.CVEs {
			got = append(got, strings.Join([]string{v.CVE, strconv.Itoa(v.Hosts), v.Severity, v.SeverityWord}, " "))
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.query, diff)
		}
	}
	_, _, page := get(t, srv.URL+"/cves?severity=medium")
	if !strings.Contains(page, `<span class="sev sev-medium" title="medium">medium</span>`) {
		t.Errorf("/cves: no medium severity mark")
	}
}

func TestPackageSearch(t *testing.T) {
	for _, withData := range []bool{false, true} {
		// Without any vulnerability data the search answers all the same.
		srv, _ := newListServer(t, withData)
		tests := []struct {
			query string
			want  []string // name version arch host site
		}{
			{"name=openssl", []string{
				"openssl 1.1.1n-0+deb11u3 amd64 old.example.org SITE-B", "openssl 1.1.1n-0+deb11u3 amd64 two.example.org SITE-B",
				"openssl 1.1.1n-0+deb11u4 amd64 fixed.example.org SITE-A"}},
			{"name=openssl&version=1.1.1n-0%2Bdeb11u4", []string{"openssl 1.1.1n-0+deb11u4 amd64 fixed.example.org SITE-A"}},
			{"name=openssl&version=1.1.1n-0%2Bdeb11u3*", []string{
				"openssl 1.1.1n-0+deb11u3 amd64 old.example.org SITE-B", "openssl 1.1.1n-0+deb11u3 amd64 two.example.org SITE-B"}},
			{"name=libssl*", []string{"libssl1.1 1.1.1n-0+deb11u3 amd64 two.example.org SITE-B"}},
			{"name=LIBSSL*", []string{}}, // names are case-sensitive
			// Pakiti 3's catalogue search: a part of the name, or its end.
			{"name=*ssl*&site=SITE-B", []string{"libssl1.1 1.1.1n-0+deb11u3 amd64 two.example.org SITE-B",
				"openssl 1.1.1n-0+deb11u3 amd64 old.example.org SITE-B", "openssl 1.1.1n-0+deb11u3 amd64 two.example.org SITE-B"}},
			{"name=*ssl&site=SITE-B", []string{"openssl 1.1.1n-0+deb11u3 amd64 old.example.org SITE-B",
				"openssl 1.1.1n-0+deb11u3 amd64 two.example.org SITE-B"}},
			{"name=*SSL*", []string{}},
			{"name=openssl&site=SITE-A", []string{"openssl 1.1.1n-0+deb11u4 amd64 fixed.example.org SITE-A"}},
			{"name=bash", []string{"bash 4.4-5 amd64 stretch.example.org SITE-C", "bash 5.0-4 amd64 buster.example.org SITE-C",
				"bash 5.2.15-2+b7 amd64 wn1.example.org SITE-A"}},
			{"name=bash&limit=1&offset=2", []string{"bash 5.2.15-2+b7 amd64 wn1.example.org SITE-A"}},
			{"name=nosuchpackage", []string{}},
		}
		for _, tc := range tests {
			code, _, body := get(t, srv.URL+"/api/v1/packages?"+tc.query)
			if code != 200 {
				t.Fatalf("%s: %d %s", tc.query, code, body)
			}
			var list PackageHostList
			if err := json.Unmarshal([]byte(body), &list); err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, m := range list.Matches {
				got = append(got, strings.Join([]string{m.Name, m.Version, m.Arch, m.Hostname, m.Site}, " "))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("data %v, %s (-want +got):\n%s", withData, tc.query, diff)
			}
		}
	}
	srv, _ := newListServer(t, false)
	// CSV, the whole view.
	_, _, body := get(t, srv.URL+"/api/v1/packages?name=openssl&format=csv&limit=1")
	want := [][]string{PackageHostColumns,
		{"openssl", "1.1.1n-0+deb11u3", "amd64", "old.example.org", "SITE-B", "debian:11"},
		{"openssl", "1.1.1n-0+deb11u3", "amd64", "two.example.org", "SITE-B", "debian:11"},
		{"openssl", "1.1.1n-0+deb11u4", "amd64", "fixed.example.org", "SITE-A", "debian:11"}}
	if diff := cmp.Diff(want, readCSV(t, body)); diff != "" {
		t.Errorf("csv (-want +got):\n%s", diff)
	}
	// The page groups by build and links hosts.
	_, _, page := get(t, srv.URL+"/packages?name=openssl")
	for _, s := range []string{`<span class="pkg-name">openssl</span> 1.1.1n-0&#43;deb11u3`, `<span class="count">2 hosts</span>`,
		`<a href="/hosts/old.example.org">old.example.org</a>`, `<span class="pkg-name">openssl</span> 1.1.1n-0&#43;deb11u4`} {
		if !strings.Contains(page, s) {
			t.Errorf("/packages lacks %s", s)
		}
	}
	// A hostile package name and site, escaped on the page, defused in CSV.
	_, _, page = get(t, srv.URL+"/packages?name=%3Cimg+src%3Dx%3E")
	if strings.Contains(page, "<img src=x>") || strings.Contains(page, `"><svg>`) || !strings.Contains(page, "&lt;img src=x&gt;") {
		t.Errorf("hostile package name not escaped: %s", page)
	}
	_, _, body = get(t, srv.URL+"/api/v1/packages?name=%3Cimg+src%3Dx%3E&format=csv")
	if rows := readCSV(t, body); len(rows) != 2 || rows[1][4] != `'=HYPERLINK("x")` {
		t.Errorf("hostile site in CSV: %q", rows)
	}
	for _, bad := range []string{"", "?name=*", "?name=a&limit=0"} {
		if code, _, _ := get(t, srv.URL+"/api/v1/packages"+bad); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}
}

// TestHostSorts: every column sorts both ways, ties by host name; the OS
// groups in release order (debian:9 < debian:10 < debian:11 < debian:12,
// the hostile host's empty group first), not as text.
func TestHostSorts(t *testing.T) {
	srv, _ := newListServer(t, true)
	tests := []struct {
		sort string
		want []string
	}{
		{"os", []string{hostile, "stretch.example.org", "buster.example.org", "fixed.example.org", "old.example.org",
			"two.example.org", "wn1.example.org"}},
		{"-os", []string{"wn1.example.org", "fixed.example.org", "old.example.org", "two.example.org", "buster.example.org",
			"stretch.example.org", hostile}},
		{"-hostname", []string{"wn1.example.org", "two.example.org", "stretch.example.org", "old.example.org",
			"fixed.example.org", "buster.example.org", hostile}},
		// 2 packages: two and wn1; then 1 each by name.
		{"-packages", []string{"two.example.org", "wn1.example.org", hostile, "buster.example.org", "fixed.example.org",
			"old.example.org", "stretch.example.org"}},
		// 2 vulnerable packages: two; 1: old; 0: the rest by name.
		{"-vulnerable", []string{"two.example.org", "old.example.org", hostile, "buster.example.org", "fixed.example.org",
			"stretch.example.org", "wn1.example.org"}},
		{"-cves", []string{"two.example.org", "old.example.org", hostile, "buster.example.org", "fixed.example.org",
			"stretch.example.org", "wn1.example.org"}},
		{"site", []string{hostile, "fixed.example.org", "wn1.example.org", "old.example.org", "two.example.org",
			"buster.example.org", "stretch.example.org"}},
		{"-site", []string{"buster.example.org", "stretch.example.org", "old.example.org", "two.example.org",
			"fixed.example.org", "wn1.example.org", hostile}},
		// Kernels: "" (no kernel line) first.
		{"kernel", []string{hostile, "buster.example.org", "stretch.example.org", "two.example.org", "old.example.org",
			"fixed.example.org", "wn1.example.org"}},
		{"-arch", []string{"two.example.org", hostile, "buster.example.org", "fixed.example.org", "old.example.org",
			"stretch.example.org", "wn1.example.org"}},
	}
	for _, tc := range tests {
		for _, path := range []string{"/api/v1/hosts?sort=" + tc.sort, "/api/v1/hosts?format=csv&sort=" + tc.sort} {
			code, _, body := get(t, srv.URL+path)
			if code != 200 {
				t.Fatalf("%s: %d %s", path, code, body)
			}
			var got []string
			if strings.Contains(path, "csv") {
				for _, r := range readCSV(t, body)[1:] {
					got = append(got, r[0])
				}
			} else {
				got = jsonHosts("hosts")(t, body)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", path, diff)
			}
		}
	}
	// The page: the sorted column says so (aria-sort, arrow) and its link
	// turns the direction; the others sort from their first direction;
	// links keep the view's filters and drop the offset.
	_, _, page := get(t, srv.URL+"/hosts?sort=os&site=SITE-B&activity=24h&offset=0")
	for _, s := range []string{
		`<th aria-sort="ascending"><a href="/hosts?activity=24h&amp;site=SITE-B&amp;sort=-os">OS <span class="arrow" aria-hidden="true">▲</span></a></th>`,
		`<th aria-sort="none"><a href="/hosts?activity=24h&amp;site=SITE-B&amp;sort=hostname">Host</a></th>`,
		`<th class="num" aria-sort="none"><a href="/hosts?activity=24h&amp;site=SITE-B&amp;sort=-cves">CVEs</a></th>`,
		`href="/api/v1/hosts?activity=24h&amp;format=csv&amp;site=SITE-B&amp;sort=os"`,
	} {
		if !strings.Contains(page, s) {
			t.Errorf("/hosts?sort=os lacks %s", s)
		}
	}
	_, _, page = get(t, srv.URL+"/hosts?sort=-cves")
	if !strings.Contains(page, `aria-sort="descending"><a href="/hosts?sort=cves">CVEs <span class="arrow" aria-hidden="true">▼</span>`) {
		t.Errorf("/hosts?sort=-cves: no descending mark")
	}
	if code, _, _ := get(t, srv.URL+"/api/v1/hosts?sort=nope"); code != http.StatusBadRequest {
		t.Errorf("sort=nope: %d, want 400", code)
	}
}

// TestDataStateFilter: the DSA list covers no release completely
// (source/debian/coverage.go: "DSA list part dsa-list, complete for
// nothing"), so the evaluated debian:11 hosts have partial data and the
// others none.
func TestDataStateFilter(t *testing.T) {
	srv, _ := newListServer(t, true)
	for state, want := range map[string][]string{
		"partial":  {"fixed.example.org", "old.example.org", "two.example.org"},
		"none":     {hostile, "buster.example.org", "stretch.example.org", "wn1.example.org"},
		"complete": {},
		"stale":    {},
	} {
		_, _, body := get(t, srv.URL+"/api/v1/hosts?data_state="+state)
		if diff := cmp.Diff(want, jsonHosts("hosts")(t, body)); diff != "" {
			t.Errorf("data_state=%s (-want +got):\n%s", state, diff)
		}
	}
	if code, _, _ := get(t, srv.URL+"/api/v1/hosts?data_state=fresh"); code != http.StatusBadRequest {
		t.Errorf("data_state=fresh: %d, want 400", code)
	}
}

func TestSavedFilters(t *testing.T) {
	file := filepath.Join(t.TempDir(), "filters.json")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`[{"name": "Site B exposed", "query": "site=SITE-B&sort=-cves"},
		{"name": "bad sort", "query": "sort=nope"},
		{"name": "<b>not evaluated</b>", "query": "status=not-evaluated"}]`)
	srv, _ := newListServer(t, true, func(c *Config) { c.SavedFilters = file })
	_, _, page := get(t, srv.URL+"/hosts?site=SITE-B")
	for _, s := range []string{`<a href="/hosts?site=SITE-B&amp;sort=-cves" class="current" aria-current="page">Site B exposed</a>`,
		`<a href="/hosts?status=not-evaluated">&lt;b&gt;not evaluated&lt;/b&gt;</a>`} {
		if !strings.Contains(page, s) {
			t.Errorf("/hosts lacks %s", s)
		}
	}
	if strings.Contains(page, "bad sort") {
		t.Errorf("a filter the listing refuses is shown")
	}
	// An edit shows without a restart (the file is looked at every
	// savedFiltersCheck).
	write(`[{"name": "Stale", "query": "stale=1"}]`)
	time.Sleep(savedFiltersCheck + 100*time.Millisecond)
	_, _, page = get(t, srv.URL+"/hosts")
	if !strings.Contains(page, `<a href="/hosts?stale=1">Stale</a>`) || strings.Contains(page, "Site B exposed") {
		t.Errorf("edited saved filters not shown")
	}
}

// TestOldAPI: Pakiti 3's api/hosts.php, cve.php and the tag and exception
// exports, at their paths and under /pakiti/, in the columns and
// elements of shared/docs/pakiti3.md.
func TestOldAPI(t *testing.T) {
	srv, st := newListServer(t, true, func(c *Config) { c.InstanceName = "pakiti.test.example.org" })
	ctx := context.Background()
	at := time.Date(2023, 2, 8, 10, 0, 0, 0, time.UTC)
	for _, tag := range []store.CVETag{
		{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Reason: "X.400 type confusion", InfoURL: "https://wiki.example.org/0286", Enabled: true, Author: "csirt", ModifiedAt: at},
		{CVE: "CVE-2023-0215", Tag: "EGI-High", Reason: "use-after-free", Enabled: true, Author: "csirt", ModifiedAt: at},
		{CVE: "CVE-2022-2097", Tag: "EGI-High", Reason: "disabled", Enabled: false, Author: "csirt", ModifiedAt: at},
	} {
		if err := st.PutTag(ctx, tag); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range []store.Exception{
		{CVE: "CVE-2022-4450", Package: "openssl", Version: "1.1.1n-0+deb11u3", Arch: "amd64", PkgType: "dpkg", ScopeKind: store.ScopeOSGroup,
			Scope: "debian:11", Reason: "rebuilt with the fix", Author: "admin", CreatedAt: at},
		{CVE: "CVE-2022-4304", Package: "openssl", ScopeKind: store.ScopeSite, Scope: "SITE-B", Reason: "site-only", Author: "admin", CreatedAt: at},
	} {
		if _, err := st.PutException(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	const osB = "Debian GNU/Linux 11"
	row := func(tag, cve, host, arch string) []string {
		return []string{tag, cve, "SITE-B", host, osB, arch}
	}
	dated := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`)
	tests := []struct {
		query string
		want  [][]string // without last_report
	}{
		// Only enabled tags; one row per host × CVE × tag.
		{"", [][]string{row("EGI-Critical", "CVE-2023-0286", "old.example.org", ""), row("EGI-Critical", "CVE-2023-0286", "two.example.org", "x86_64"),
			row("EGI-High", "CVE-2023-0215", "old.example.org", ""), row("EGI-High", "CVE-2023-0215", "two.example.org", "x86_64")}},
		{"?tag=true", [][]string{row("EGI-Critical", "CVE-2023-0286", "old.example.org", ""), row("EGI-Critical", "CVE-2023-0286", "two.example.org", "x86_64"),
			row("EGI-High", "CVE-2023-0215", "old.example.org", ""), row("EGI-High", "CVE-2023-0215", "two.example.org", "x86_64")}},
		{"?tag=EGI-High&cveName=CVE-2023-0215&hostGroup=SITE-B", [][]string{row("EGI-High", "CVE-2023-0215", "old.example.org", ""),
			row("EGI-High", "CVE-2023-0215", "two.example.org", "x86_64")}},
		{"?cveName=CVE-2022-2097", nil}, // its tag is disabled
		{"?hostGroup=SITE-A", nil},
		{"?activity=1w&cveName=CVE-2023-0286", [][]string{row("EGI-Critical", "CVE-2023-0286", "old.example.org", ""),
			row("EGI-Critical", "CVE-2023-0286", "two.example.org", "x86_64")}},
		{"?activity=-48h", nil}, // every host reported just now
	}
	for _, prefix := range []string{"", "/pakiti"} {
		for _, tc := range tests {
			code, hd, body := get(t, srv.URL+prefix+"/api/hosts.php"+tc.query)
			if code != 200 || !strings.HasPrefix(hd.Get("Content-Type"), "text/csv") {
				t.Fatalf("%s: %d %s %s", tc.query, code, hd.Get("Content-Type"), body)
			}
			rows := readCSV(t, body)
			if diff := cmp.Diff([]string{"tag", "cve", "site", "host", "os", "arch", "last_report"}, rows[0]); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			var got [][]string
			for _, r := range rows[1:] {
				if len(r) != 7 || !dated.MatchString(r[6]) {
					t.Errorf("%s: row %q", tc.query, r)
					continue
				}
				got = append(got, r[:6])
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s%s (-want +got):\n%s", prefix, tc.query, diff)
			}
		}
	}
	if code, _, _ := get(t, srv.URL+"/api/hosts.php?activity=7x"); code != http.StatusBadRequest {
		t.Errorf("activity=7x: %d, want 400", code)
	}
	// cve.php: DSA-5343-1's definition, "[bullseye] - openssl 1.1.1n-0+deb11u4".
	cveTests := []struct {
		query string
		want  [][]string
	}{
		{"?cve=CVE-2023-0286&os=Debian+GNU/Linux+11&type=csv", [][]string{OldCVEColumns, {"CVE-2023-0286", osB, "openssl", "<", "1.1.1n-0+deb11u4"}}},
		{"?cve=cve-2023-0286", [][]string{OldCVEColumns, {"CVE-2023-0286", "debian:11", "openssl", "<", "1.1.1n-0+deb11u4"}}},
		{"?cve=CVE-2023-0286&os=Debian+GNU/Linux+12", [][]string{OldCVEColumns}},
		{"?cve=CVE-1999-0001", [][]string{OldCVEColumns}},
	}
	for _, tc := range cveTests {
		code, _, body := get(t, srv.URL+"/pakiti/api/cve.php"+tc.query)
		if code != 200 {
			t.Fatalf("%s: %d %s", tc.query, code, body)
		}
		if diff := cmp.Diff(tc.want, readCSV(t, body)); diff != "" {
			t.Errorf("cve.php%s (-want +got):\n%s", tc.query, diff)
		}
	}
	_, _, body := get(t, srv.URL+"/api/cve.php?cve=CVE-2023-0286&type=xml")
	var defs struct {
		XMLName xml.Name        `xml:"definitions"`
		Defs    []oldDefinition `xml:"definition"`
	}
	if err := xml.Unmarshal([]byte(body), &defs); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]oldDefinition{{CVE: "CVE-2023-0286", OS: "debian:11", Package: "openssl", Operator: "<", Version: "1.1.1n-0+deb11u4"}}, defs.Defs); diff != "" {
		t.Errorf("cve.php xml (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"?cve=", "?cve=CVE-2023-0286&type=json", "?cve=CVE-2023-0286&os=Plan9"} {
		if code, _, _ := get(t, srv.URL+"/api/cve.php"+bad); code < 400 {
			t.Errorf("cve.php%s: %d", bad, code)
		}
	}
	// The tags export: pakiti3.md's <cveTags><cveTag><cveName/><tagName/>
	// <reason/><infoUrl/><enabled/><modifier/><timestamp/>, enabled "1"
	// or empty, modifier the instance name.
	type xtag struct {
		CVE, Tag, Reason, InfoURL, Enabled, Modifier, Timestamp string
	}
	var tags struct {
		XMLName xml.Name `xml:"cveTags"`
		Tags    []struct {
			CVE       string `xml:"cveName"`
			Tag       string `xml:"tagName"`
			Reason    string `xml:"reason"`
			InfoURL   string `xml:"infoUrl"`
			Enabled   string `xml:"enabled"`
			Modifier  string `xml:"modifier"`
			Timestamp string `xml:"timestamp"`
		} `xml:"cveTag"`
	}
	_, hd, body := get(t, srv.URL+"/pakiti/api/exportCvesTags.php")
	if err := xml.Unmarshal([]byte(body), &tags); err != nil || !strings.Contains(hd.Get("Content-Type"), "xml") {
		t.Fatalf("%v %s: %s", err, hd.Get("Content-Type"), body)
	}
	var gotTags []xtag
	for _, x := range tags.Tags {
		gotTags = append(gotTags, xtag(x))
	}
	wantTags := []xtag{
		{"CVE-2022-2097", "EGI-High", "disabled", "", "", "pakiti.test.example.org", "2023-02-08 10:00:00"},
		{"CVE-2023-0215", "EGI-High", "use-after-free", "", "1", "pakiti.test.example.org", "2023-02-08 10:00:00"},
		{"CVE-2023-0286", "EGI-Critical", "X.400 type confusion", "https://wiki.example.org/0286", "1", "pakiti.test.example.org", "2023-02-08 10:00:00"},
	}
	if diff := cmp.Diff(wantTags, gotTags); diff != "" {
		t.Errorf("tags export (-want +got):\n%s", diff)
	}
	// The exceptions export: <cveExceptions><cveException><cveName/>
	// <reason/><modifier/><pkg><name/><version/><release/><arch/><type/>
	// </pkg><osGroup><name/></osGroup>; the site exception cannot be
	// said in it and is left out.
	var exc struct {
		XMLName    xml.Name `xml:"cveExceptions"`
		Exceptions []struct {
			CVE      string `xml:"cveName"`
			Reason   string `xml:"reason"`
			Modifier string `xml:"modifier"`
			Pkg      struct {
				Name    string `xml:"name"`
				Version string `xml:"version"`
				Release string `xml:"release"`
				Arch    string `xml:"arch"`
				Type    string `xml:"type"`
			} `xml:"pkg"`
			OSGroup struct {
				Name string `xml:"name"`
			} `xml:"osGroup"`
		} `xml:"cveException"`
	}
	_, _, body = get(t, srv.URL+"/api/exportCvesExceptions.php")
	if err := xml.Unmarshal([]byte(body), &exc); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	var gotExc []string
	for _, e := range exc.Exceptions {
		gotExc = append(gotExc, strings.Join([]string{e.CVE, e.Reason, e.Modifier, e.Pkg.Name, e.Pkg.Version, e.Pkg.Release, e.Pkg.Arch, e.Pkg.Type, e.OSGroup.Name}, "|"))
	}
	if diff := cmp.Diff([]string{"CVE-2022-4450|rebuilt with the fix|pakiti.test.example.org|openssl|1.1.1n|0+deb11u3|amd64|dpkg|debian:11"}, gotExc); diff != "" {
		t.Errorf("exceptions export (-want +got):\n%s", diff)
	}
}

// TestListingsCSV: the listings that were JSON only answer CSV too, and
// every JSON listing says its total.
func TestListingsCSV(t *testing.T) {
	srv, st := newListServer(t, true)
	if err := st.PutTag(context.Background(), store.CVETag{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Reason: "=cmd|' /C calc'!A0",
		Enabled: true, Author: "csirt", ModifiedAt: time.Date(2023, 2, 8, 10, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want [][]string // nil: check the header only
	}{
		{"/api/v1/tags?format=csv", [][]string{{"cve", "tag", "reason", "info_url", "enabled", "author", "modified_at"},
			{"CVE-2023-0286", "EGI-Critical", `'=cmd|' /C calc'!A0`, "", "true", "csirt", "2023-02-08T10:00:00Z"}}},
		{"/api/v1/hosts/two.example.org/packages?format=csv", [][]string{{"name", "version", "arch", "source", "source_version", "module"},
			{"libssl1.1", "1.1.1n-0+deb11u3", "amd64", "openssl", "1.1.1n-0+deb11u3", ""},
			{"openssl", "1.1.1n-0+deb11u3", "amd64", "openssl", "1.1.1n-0+deb11u3", ""}}},
		{"/api/v1/hosts/two.example.org/packages?format=csv&q=LIBSSL", [][]string{{"name", "version", "arch", "source", "source_version", "module"},
			{"libssl1.1", "1.1.1n-0+deb11u3", "amd64", "openssl", "1.1.1n-0+deb11u3", ""}}},
		{"/api/v1/sources?format=csv", nil},
		{"/api/v1/hosts/old.example.org/findings?format=csv", nil},
	}
	for _, tc := range tests {
		code, hd, body := get(t, srv.URL+tc.path)
		if code != 200 || !strings.HasPrefix(hd.Get("Content-Type"), "text/csv") {
			t.Fatalf("%s: %d %s %.200s", tc.path, code, hd.Get("Content-Type"), body)
		}
		rows := readCSV(t, body)
		if tc.want == nil {
			continue
		}
		if diff := cmp.Diff(tc.want, rows); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.path, diff)
		}
	}
	// The sites CSV (sites.go) has more columns than these; its site, hosts
	// and stale columns, and the formula in a site name made inert.
	{
		code, _, body := get(t, srv.URL+"/api/v1/sites?format=csv")
		if code != 200 {
			t.Fatalf("/api/v1/sites?format=csv: %d", code)
		}
		rows := readCSV(t, body)
		idx := map[string]int{}
		for i, c := range rows[0] {
			idx[c] = i
		}
		var got [][]string
		for _, r := range rows {
			got = append(got, []string{r[idx["site"]], r[idx["hosts"]], r[idx["stale"]]})
		}
		wantSites := [][]string{{"site", "hosts", "stale"}, {`'=HYPERLINK("x")`, "1", "0"}, {"SITE-A", "2", "0"},
			{"SITE-B", "2", "0"}, {"SITE-C", "2", "0"}}
		if diff := cmp.Diff(wantSites, got); diff != "" {
			t.Errorf("/api/v1/sites?format=csv (-want +got):\n%s", diff)
		}
	}
	// old.example.org's findings: the five CVEs of DSA-5343-1 on openssl,
	// fixed in 1.1.1n-0+deb11u4.
	_, _, body := get(t, srv.URL+"/api/v1/hosts/old.example.org/findings?format=csv")
	rows := readCSV(t, body)
	var got []string
	for _, r := range rows[1:] {
		got = append(got, strings.Join(r[:7], " "))
	}
	var want []string
	for _, c := range dsa5343 {
		want = append(want, c+" openssl 1.1.1n-0+deb11u3 amd64 openssl 1.1.1n-0+deb11u4 open")
	}
	if diff := cmp.Diff(FindingColumns, rows[0]); diff != "" {
		t.Errorf("findings header (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for path, n := range map[string]int{"/api/v1/sites": 4, "/api/v1/tags": 1, "/api/v1/sources": 1, "/api/v1/exceptions": 0,
		"/api/v1/hosts/two.example.org/packages": 2, "/api/v1/hosts/old.example.org/findings": 5, "/api/v1/cves": 5,
		"/api/v1/packages?name=openssl": 3, "/api/v1/hosts": 7} {
		_, _, body := get(t, srv.URL+path)
		var v struct {
			Total *int `json:"total"`
		}
		if err := json.Unmarshal([]byte(body), &v); err != nil || v.Total == nil || *v.Total != n {
			t.Errorf("%s: total %v (%v), want %d", path, v.Total, err, n)
		}
	}
	for _, p := range []string{"/api/v1/hosts/nosuch.example.org/packages", "/api/v1/hosts/nosuch.example.org/findings?format=csv"} {
		if code, _, _ := get(t, srv.URL+p); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, code)
		}
	}
}
