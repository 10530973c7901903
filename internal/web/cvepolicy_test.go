package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestCVEPageTagsAndExceptions: the CVE page and GET /api/v1/cves/{id}
// show the CVE's tags (enabled or not) and its exceptions (Pakiti 3's
// number of exceptions of a CVE), linking to the tags and exceptions
// pages; a CVE known only by a tag is found. Data: DSA-5343-1 (testdata)
// on openssl 1.1.1n-0+deb11u3; the tags and exceptions are ours,
// constructed. Which exceptions a site's user sees is checked by the
// access matrix (TestAccessRoutes) and the store's scope table.
func TestCVEPageTagsAndExceptions(t *testing.T) {
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	gone := at.Add(-time.Hour)
	srv, _ := newPolicyServer(t, []store.CVETag{
		{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Reason: "X.400 <type> confusion", InfoURL: "https://wiki.egi.eu/wiki/SVG:Advisory-SVG-2023-0286",
			Enabled: true, Author: "csirt", ModifiedAt: at},
		{CVE: "CVE-2023-0286", Tag: "EGI-High", Reason: "first rating", Enabled: false, Author: "csirt", ModifiedAt: at},
		{CVE: "CVE-2099-0002", Tag: "EGI-High", Reason: "only a tag", Enabled: true, Author: "csirt", ModifiedAt: at},
	}, []store.Exception{
		{CVE: "CVE-2023-0286", Package: "openssl", ScopeKind: store.ScopeHost, Scope: "b.example.org", Reason: "<b>rebuilt</b>",
			Author: "alice", CreatedAt: at},
		{CVE: "CVE-2023-0286", Package: "openssl", Version: "1.1.1n-0+deb11u3", ScopeKind: store.ScopeSite, Scope: "SITE-A",
			Reason: "was accepted", Author: "alice", CreatedAt: gone.Add(-time.Hour), ExpiresAt: &gone},
	}, nil)
	post(t, srv.URL, "5", debian11Report("a.example.org", "SITE-A", false))
	post(t, srv.URL, "5", debian11Report("b.example.org", "SITE-A", false))

	var info store.CVEInfo
	code, _, body := get(t, srv.URL+"/api/v1/cves/cve-2023-0286")
	if code != http.StatusOK || json.Unmarshal([]byte(body), &info) != nil {
		t.Fatalf("%d %s", code, body)
	}
	wantTags := []store.CVETag{
		{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Reason: "X.400 <type> confusion", InfoURL: "https://wiki.egi.eu/wiki/SVG:Advisory-SVG-2023-0286",
			Enabled: true, Author: "csirt", ModifiedAt: at},
		{CVE: "CVE-2023-0286", Tag: "EGI-High", Reason: "first rating", Enabled: false, Author: "csirt", ModifiedAt: at},
	}
	if diff := cmp.Diff(wantTags, info.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	type exc struct {
		Package, Version, Scope string
		Kind                    store.ScopeKind
		Active                  bool
	}
	var got []exc
	for _, e := range info.Exceptions {
		got = append(got, exc{e.Package, e.Version, e.Scope, e.ScopeKind, e.Active})
	}
	// By package, then id: the host's first (put first), the expired one.
	want := []exc{{"openssl", "", "b.example.org", store.ScopeHost, true}, {"openssl", "1.1.1n-0+deb11u3", "SITE-A", store.ScopeSite, false}}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("exceptions (-want +got):\n%s", diff)
	}
	// b's finding is excepted: only a is affected.
	if info.HostCount != 1 || info.Hosts[0].Hostname != "a.example.org" {
		t.Errorf("hosts: %+v, want a.example.org", info.Hosts)
	}

	_, _, page := get(t, srv.URL+"/cves/CVE-2023-0286")
	for _, s := range []string{
		`<h2 id="tags-title">Tags <span class="count">2</span></h2>`,
		`<td><span class="tag">EGI-Critical</span></td><td>yes</td><td>X.400 &lt;type&gt; confusion</td>`,
		`<a href="https://wiki.egi.eu/wiki/SVG:Advisory-SVG-2023-0286" rel="external noopener">`,
		`<tr class="muted"><td><span class="tag">EGI-High</span></td><td>no (counts nowhere)</td>`,
		`<a href="/tags">All tags</a>`,
		`<h2 id="exceptions-title">Exceptions <span class="count">2</span></h2>`,
		`<td>host <a href="/hosts/b.example.org">b.example.org</a></td>`,
		`<td>&lt;b&gt;rebuilt&lt;/b&gt;</td>`,
		`<td>site <a href="/sites/SITE-A">SITE-A</a></td>`,
		`(expired)`,
		`<a href="/exceptions">All exceptions</a>`,
	} {
		if !strings.Contains(page, s) {
			t.Errorf("CVE page: no %q", s)
		}
	}
	if strings.Contains(page, "<b>rebuilt</b>") || strings.Contains(page, "<type>") {
		t.Error("CVE page: a reason not escaped")
	}

	// Known only by its tag: found, with the tag, no exception.
	code, _, page = get(t, srv.URL+"/cves/CVE-2099-0002")
	if code != http.StatusOK || !strings.Contains(page, `<span class="tag">EGI-High</span>`) ||
		!strings.Contains(page, `<p class="empty">No exception.</p>`) {
		t.Errorf("CVE-2099-0002: %d, want its tag and no exception", code)
	}
	code, _, body = get(t, srv.URL+"/api/v1/cves/CVE-2099-0002")
	if code != http.StatusOK || !strings.Contains(body, `"exceptions": []`) {
		t.Errorf("API CVE-2099-0002: %d %s, want found, exceptions []", code, body)
	}
	if code, _, _ := get(t, srv.URL+"/api/v1/cves/CVE-2099-0003"); code != http.StatusNotFound {
		t.Errorf("unknown CVE: %d, want 404", code)
	}
}
