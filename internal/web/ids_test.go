package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestIdentifiersAsTyped: ids in any case and with spaces around them
// mean the same CVE or advisory in the URL, the filter and the API; an
// advisory answers with its CVEs and hosts. The data is testdata/DSA-5343-1.txt:
// DSA-5343-1 openssl {CVE-2022-2097 CVE-2022-4304 CVE-2022-4450 CVE-2023-0215 CVE-2023-0286}
// [bullseye] - openssl 1.1.1n-0+deb11u4; old.example.org has openssl 1.1.1n-0+deb11u3.
func TestIdentifiersAsTyped(t *testing.T) {
	srv := newTestServer(t)
	for _, id := range []string{"CVE-2023-0286", "cve-2023-0286", "%20CVE-2023-0286%20", "Cve-2023-0286"} {
		code, _, body := get(t, srv.URL+"/api/v1/cves/"+id)
		var c struct {
			ID    string              `json:"id"`
			Hosts []map[string]string `json:"hosts"`
		}
		json.Unmarshal([]byte(body), &c)
		if code != 200 || c.ID != "CVE-2023-0286" || len(c.Hosts) != 1 || c.Hosts[0]["hostname"] != "old.example.org" {
			t.Errorf("/api/v1/cves/%s: %d %s", id, code, body)
		}
		code, _, body = get(t, srv.URL+"/api/v1/hosts?cve="+id)
		if code != 200 || !strings.Contains(body, `"total": 1`) || !strings.Contains(body, "old.example.org") {
			t.Errorf("/api/v1/hosts?cve=%s: %d %s", id, code, body)
		}
	}
	// The page of an id typed otherwise redirects to the canonical one.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]string{"/cves/cve-2023-0286": "/cves/CVE-2023-0286", "/advisories/dsa-5343-1": "/advisories/DSA-5343-1"} {
		resp, err := noFollow.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != want {
			t.Errorf("%s: %d to %q, want 301 to %s", path, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}

	for _, id := range []string{"DSA-5343-1", "dsa-5343-1", "%20DSA-5343-1"} {
		code, _, body := get(t, srv.URL+"/api/v1/advisories/"+id)
		var a struct {
			ID    string              `json:"id"`
			CVEs  []string            `json:"cves"`
			Hosts []map[string]string `json:"hosts"`
		}
		if err := json.Unmarshal([]byte(body), &a); err != nil || code != 200 {
			t.Fatalf("/api/v1/advisories/%s: %d %s", id, code, body)
		}
		want := []string{"CVE-2022-2097", "CVE-2022-4304", "CVE-2022-4450", "CVE-2023-0215", "CVE-2023-0286"}
		if diff := cmp.Diff(want, a.CVEs); diff != "" || a.ID != "DSA-5343-1" {
			t.Errorf("%s: id %s; CVEs (-want +got):\n%s", id, a.ID, diff)
		}
		if len(a.Hosts) != 1 || a.Hosts[0]["hostname"] != "old.example.org" || a.Hosts[0]["package"] != "openssl" ||
			a.Hosts[0]["fixed"] != "1.1.1n-0+deb11u4" {
			t.Errorf("%s: hosts %v, want old.example.org's openssl fixed in 1.1.1n-0+deb11u4", id, a.Hosts)
		}
	}
	if code, _, body := get(t, srv.URL+"/advisories/DSA-5343-1"); code != 200 || !strings.Contains(body, "old.example.org") ||
		!strings.Contains(body, `href="/cves/CVE-2023-0286"`) {
		t.Errorf("advisory page: %d %s", code, body)
	}
	for path, want := range map[string]int{"/api/v1/advisories/CVE-2023-0286": 400, "/api/v1/advisories/DSA-9999-1": 404} {
		if code, _, body := get(t, srv.URL+path); code != want {
			t.Errorf("%s: %d %s, want %d", path, code, body, want)
		}
	}
}
