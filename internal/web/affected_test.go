package web

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAffectedHostsCountedOnce: the CVE and advisory pages count each
// host once and group the hosts by site, however many of its packages
// have the finding, and link out to the vendors. Data: DSA-5343-1
// (testdata) "[bullseye] - openssl 1.1.1n-0+deb11u4" for CVE-2023-0286
// and four more CVEs; old.example.org (SITE-B, newTestServer) has
// openssl 1.1.1n-0+deb11u3, the two hosts below two packages of source
// openssl at that version: 3 hosts, 5 rows, SITE-B 2 and SITE-C 1.
func TestAffectedHostsCountedOnce(t *testing.T) {
	srv := newTestServer(t)
	for _, h := range []struct{ host, site string }{{"two.example.org", "SITE-B"}, {"three.example.org", "SITE-C"}} {
		post(t, srv.URL, "6", "#\nhost: "+h.host+"\narch: x86_64\nsite: "+h.site+"\nsystem: Debian GNU/Linux 11\n#\n"+
			"openssl\t1.1.1n-0+deb11u3\tamd64\topenssl\t1.1.1n-0+deb11u3\nlibssl1.1\t1.1.1n-0+deb11u3\tamd64\topenssl\t1.1.1n-0+deb11u3\n#\n")
	}
	bySite := `SITE-B</a> <span class="count">2</span> · <a href="/hosts?cve=CVE-2023-0286&amp;site=SITE-C">SITE-C</a> <span class="count">1</span>`
	tests := []struct {
		path string
		want []string
	}{
		{"/cves/CVE-2023-0286", []string{`<span class="count" id="host-count">3</span>`, bySite,
			`<a href="https://nvd.nist.gov/vuln/detail/CVE-2023-0286" rel="external noopener">NVD</a>`,
			`<a href="https://security-tracker.debian.org/tracker/CVE-2023-0286" rel="external noopener">Debian</a>`,
			`<a href="https://access.redhat.com/security/cve/CVE-2023-0286" rel="external noopener">Red Hat</a>`,
			`<a href="https://www.suse.com/security/cve/CVE-2023-0286.html" rel="external noopener">SUSE</a>`,
			`<a href="https://ubuntu.com/security/CVE-2023-0286" rel="external noopener">Ubuntu</a>`}},
		{"/advisories/DSA-5343-1", []string{`<span class="count" id="host-count">3</span>`,
			`SITE-B</a> <span class="count">2</span> · <a href="/hosts?site=SITE-C">SITE-C</a> <span class="count">1</span>`,
			`<a href="https://security-tracker.debian.org/tracker/DSA-5343-1" rel="external noopener">Debian</a>`}},
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
	}
	code, _, body := get(t, srv.URL+"/api/v1/advisories/DSA-5343-1")
	var a struct {
		HostCount int `json:"host_count"`
		Hosts     []struct{ Hostname string }
	}
	if err := json.Unmarshal([]byte(body), &a); err != nil || code != 200 {
		t.Fatalf("%d %v %s", code, err, body)
	}
	if a.HostCount != 3 || len(a.Hosts) != 5 {
		t.Errorf("advisory API: host_count %d, %d rows; want 3 hosts, 5 rows\n%s", a.HostCount, len(a.Hosts), body)
	}
}

// TestAdvisoryLink: the vendors' advisory pages, by the forms of their
// ids (the URLs as each vendor publishes them).
func TestAdvisoryLink(t *testing.T) {
	tests := []struct {
		id, group string
		want      string // "" when there is no link
	}{
		{"DSA-5343-1", "debian:11", "https://security-tracker.debian.org/tracker/DSA-5343-1"},
		{"DLA-3325-1", "debian:10", "https://security-tracker.debian.org/tracker/DLA-3325-1"},
		{"USN-6000-1", "ubuntu:22.04", "https://ubuntu.com/security/notices/USN-6000-1"},
		{"RHSA-2024:0811", "rhel:9", "https://access.redhat.com/errata/RHSA-2024:0811"},
		{"RLSA-2024:0811", "rocky:9", "https://errata.rockylinux.org/RLSA-2024:0811"},
		{"ELSA-2024:0811", "oracle:9", "https://linux.oracle.com/errata/ELSA-2024-0811.html"},
		{"ALSA-2026:42122", "alma:9", "https://errata.almalinux.org/9/ALSA-2026-42122.html"},
		{"ALSA-2026:42122", "alma:8.9", "https://errata.almalinux.org/8/ALSA-2026-42122.html"},
		{"ALSA-2026:42122", "", ""},        // AlmaLinux's pages are per major release
		{"ALSA-2026:42122", "rhel:9", ""},  // a group of another family gives none
		{"CVE-2023-0286", "debian:11", ""}, // not an advisory
	}
	for _, tt := range tests {
		l, ok := advisoryLink(tt.id, tt.group)
		if ok != (tt.want != "") || l.URL != tt.want {
			t.Errorf("advisoryLink(%q, %q) = %q %v, want %q", tt.id, tt.group, l.URL, ok, tt.want)
		}
	}
	got := advisoryLinks("ALSA-2026:42122", []string{"alma:8", "alma:9", "alma:9"})
	want := []extLink{{"AlmaLinux", "https://errata.almalinux.org/8/ALSA-2026-42122.html"}, {"AlmaLinux", "https://errata.almalinux.org/9/ALSA-2026-42122.html"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("advisoryLinks (-want +got):\n%s", diff)
	}
}
