package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// post feeds one protocol-5 report to srv.
func post(t *testing.T, srv, protocol, report string) {
	t.Helper()
	resp, err := http.Post(srv+"/feed/?protocol="+protocol, "text/plain", strings.NewReader(report))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "OK\n" {
		t.Fatalf("feed: %s", b)
	}
}

// TestIssue13Pages covers the listed defects of issue 13 on the pages and
// the API. The data is DSA-5343-1 (testdata): "[bullseye] - openssl
// 1.1.1n-0+deb11u4" for CVE-2022-2097 CVE-2022-4304 CVE-2022-4450
// CVE-2023-0215 CVE-2023-0286, with no severity word.
func TestIssue13Pages(t *testing.T) {
	srv := newTestServer(t)
	// Two packages of source openssl below the fix: two findings of each
	// CVE on one host. No kernel line; the arch is reported.
	post(t, srv.URL, "6", "#\nhost: two.example.org\narch: x86_64\nsite: SITE-B\nsystem: Debian GNU/Linux 11\n#\n"+
		"openssl\t1.1.1n-0+deb11u3\tamd64\topenssl\t1.1.1n-0+deb11u3\nlibssl1.1\t1.1.1n-0+deb11u3\tamd64\topenssl\t1.1.1n-0+deb11u3\n#\n")
	// A site with a CVE-less (not evaluated: no debian:12 data) host.
	post(t, srv.URL, "5", "#\nhost: new.example.org\nsite: SITE-B\nsystem: Debian GNU/Linux 12\n#\nbash\t5.2.15-2+b7\tamd64\n#\n")

	tests := []struct {
		path   string
		want   []string
		absent []string
	}{
		// old.example.org (openssl) and two.example.org (openssl, libssl1.1): 2 hosts, 3 rows.
		{"/cves/CVE-2023-0286", []string{`<span class="count" id="host-count">2</span>`, "libssl1.1",
			`<span class="sev sev-unknown" id="severity">severity unknown</span>`, "<td>open</td>"}, nil},
		{"/hosts/two.example.org", []string{`<dd id="arch">x86_64</dd>`, `class="cve sev-unknown"`, "<th>Severity</th>"},
			[]string{"<dt>Kernel</dt>", `sev-"`}},
		{"/hosts/old.example.org", []string{`<dd id="kernel">5.10.0-20-amd64</dd>`}, nil},
		// SITE-B + CVE: 2 exposed hosts listed, and new.example.org said apart.
		{"/hosts?site=SITE-B&cve=CVE-2023-0286", []string{"two.example.org",
			`1 hosts of this site are not evaluated and may be exposed: <a href="/hosts?site=SITE-B&amp;status=not-evaluated">`}, []string{"new.example.org"}},
		{"/hosts?site=SITE-B&status=not-evaluated", []string{"new.example.org"}, []string{"old.example.org", "two.example.org"}},
		{"/hosts?q=nothing", []string{"No host matches this filter."}, []string{"pakiti-client"}},
		{"/hosts?os_group=debian:12&cve=CVE-2023-0286", []string{"there is no vulnerability data for OS group <code>debian:12</code>"}, nil},
		{"/hosts?cve=CVE-2023-0286&site=SITE-A", []string{"No host matches this filter.", "1 hosts of this site are not evaluated"}, nil},
		// Every page's footer names the build, as Pakiti 3's landing page did ("devel" in a test binary).
		{"/stats", []string{`<footer class="muted" id="footer">Pakiti devel (commit `, "Sources"}, nil},
	}
	for _, tt := range tests {
		code, _, body := get(t, srv.URL+tt.path)
		if code != 200 {
			t.Errorf("%s: %d", tt.path, code)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %q in page", tt.path, w)
			}
		}
		for _, w := range tt.absent {
			if strings.Contains(body, w) {
				t.Errorf("%s: %q in page", tt.path, w)
			}
		}
	}

	code, _, body := get(t, srv.URL+"/api/v1/cves/CVE-2023-0286")
	var c struct {
		HostCount int `json:"host_count"`
		Hosts     []struct {
			Hostname, Package, Status string
			Vendor                    string `json:"vendor_status"`
		}
	}
	if err := json.Unmarshal([]byte(body), &c); err != nil || code != 200 {
		t.Fatalf("%d %v %s", code, err, body)
	}
	type row struct{ Host, Package, Status, Vendor string }
	var got []row
	for _, h := range c.Hosts {
		got = append(got, row{h.Hostname, h.Package, h.Status, h.Vendor})
	}
	want := []row{{"old.example.org", "openssl", "open", "fixed"}, {"two.example.org", "libssl1.1", "open", "fixed"},
		{"two.example.org", "openssl", "open", "fixed"}}
	if diff := cmp.Diff(want, got); diff != "" || c.HostCount != 2 {
		t.Errorf("host_count %d, hosts (-want +got):\n%s", c.HostCount, diff)
	}
}

// TestEmptyNoHost: a server without hosts says so, and how they come;
// past the last page of a fleet is not "no host".
func TestEmptyNoHost(t *testing.T) {
	st, err := store.Open(context.Background(), testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := New(Config{Store: st, Feed: intake.New(st, nil, log), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	empty := httptest.NewServer(h)
	defer empty.Close()
	if _, _, body := get(t, empty.URL+"/hosts"); !strings.Contains(body, "No host yet.") {
		t.Errorf("no host: %s", body)
	}
	srv := newTestServer(t)
	if _, _, body := get(t, srv.URL+"/hosts?offset=1000"); !strings.Contains(body, "No host matches this filter.") {
		t.Errorf("past the last page: %s", body)
	}
}

func TestFormatsNamed(t *testing.T) {
	srv := newTestServer(t)
	for _, tt := range []struct{ path, want string }{
		{"/api/v1/sources?format=xml", "/api/v1/sources answers format json or csv, not xml"},
		{"/api/v1/sites?format=xml", "/api/v1/sites answers format json or csv, not xml"},
		{"/api/v1/me?format=csv", "/api/v1/me answers format json, not csv"},
		{"/api/v1/cves/CVE-2023-0286?format=xml", "answers format json or csv, not xml"},
	} {
		code, _, body := get(t, srv.URL+tt.path)
		if code != 400 || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s", tt.path, code, body)
		}
	}
	if code, _, _ := get(t, srv.URL+"/api/v1/sources?format=json"); code != 200 {
		t.Errorf("format=json: %d", code)
	}
}

func TestSevClass(t *testing.T) {
	for word, want := range map[string]string{"critical": "critical", "High": "high", "important": "high",
		"moderate": "medium", "medium": "medium", "low": "low", "unimportant": "negligible",
		"not yet assigned": "unknown", "": "unknown", `x" onclick="y`: "unknown", "end-of-life": "unknown"} {
		if got := sevClass(word); got != want {
			t.Errorf("sevClass(%q) = %q, want %q", word, got, want)
		}
	}
}

// TestOSGroupsSortNumerically: DSA-4539-1 has records for [stretch]
// (debian:9) and [buster] (debian:10), DSA-5343-1 for [bullseye]
// (debian:11): listed as 9, 10, 11, not as text (10, 11, 9).
func TestOSGroupsSortNumerically(t *testing.T) {
	st, err := store.Open(context.Background(), testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(), Log: log, Now: time.Now}
	if _, err := im.Import(context.Background(), "debian", []string{"testdata/DSA-5343-1.txt", "testdata/DSA-4539-1.txt"}, false); err != nil {
		t.Fatal(err)
	}
	h, err := New(Config{Store: st, Feed: intake.New(st, nil, log), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	_, _, body := get(t, srv.URL+"/api/v1/sources")
	var list struct {
		Sources []struct {
			OSGroups []string `json:"os_groups"`
		} `json:"sources"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Sources) != 1 {
		t.Fatalf("%v %s", err, body)
	}
	if diff := cmp.Diff([]string{"debian:9", "debian:10", "debian:11"}, list.Sources[0].OSGroups); diff != "" {
		t.Errorf("os groups (-want +got):\n%s", diff)
	}
}

// TestEveryListingHasCSV: the OS rules and the audit log, listings too,
// answer ?format=csv (issue 13: CSV on every listing) with their header
// row; the built-in rule of Debian is among the rules.
func TestEveryListingHasCSV(t *testing.T) {
	srv := newTestServer(t)
	for _, tt := range []struct{ path, header, row string }{
		{"/api/v1/os-rules?format=csv", "origin,position,id,os_id_rule,match,group\n", `builtin,1,,true,^(?:debian|raspbian) (\d+)$,debian:$1`},
		{"/api/v1/audit?format=csv", "at,actor,action,target,detail\n", ""},
	} {
		code, h, body := get(t, srv.URL+tt.path)
		if code != 200 || h.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.HasPrefix(body, tt.header) || !strings.Contains(body, tt.row) {
			t.Errorf("%s: %d %s\n%s", tt.path, code, h.Get("Content-Type"), body[:min(len(body), 300)])
		}
	}
}
