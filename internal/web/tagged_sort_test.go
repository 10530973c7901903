package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/store"
)

// TestTaggedSort: the hosts listing sorts by its Tagged column, the
// number of distinct tagged CVEs open on a host: a CVE with two tags
// counts once (the per-tag counts count it under each tag).
func TestTaggedSort(t *testing.T) {
	srv, st := newStoreServer(t)
	ctx := context.Background()
	at := time.Now()
	// Constructed CSIRT decisions (tags and exceptions are not vendor
	// data) on three of DSA-5343-1's CVEs: CVE-2023-0286 carries two tags.
	for _, tag := range []store.CVETag{
		{CVE: "CVE-2023-0286", Tag: "EGI-Critical"}, {CVE: "CVE-2023-0286", Tag: "EGI-High"},
		{CVE: "CVE-2022-4450", Tag: "SITE-Watch"}, {CVE: "CVE-2023-0215", Tag: "SITE-Watch"},
	} {
		tag.Enabled, tag.Author, tag.ModifiedAt = true, "csirt", at
		if err := st.PutTag(ctx, tag); err != nil {
			t.Fatal(err)
		}
	}
	// Both hosts run openssl 1.1.1n-0+deb11u3, open to DSA-5343-1's five
	// CVEs ("[bullseye] - openssl 1.1.1n-0+deb11u4"). Exceptions leave
	// a.example.org CVE-2023-0286 alone (1 tagged CVE, 2 by tag) and
	// b.example.org CVE-2022-4450 and CVE-2023-0215 (2 tagged CVEs, 2 by
	// tag): counted by tag, a would tie with b.
	for _, e := range []store.Exception{
		{CVE: "CVE-2022-4450", Scope: "a.example.org"}, {CVE: "CVE-2023-0215", Scope: "a.example.org"},
		{CVE: "CVE-2023-0286", Scope: "b.example.org"},
	} {
		e.Package, e.ScopeKind, e.Reason, e.Author, e.CreatedAt = "openssl", store.ScopeHost, "test", "csirt", at
		if _, err := st.PutException(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range []string{"a.example.org", "b.example.org"} {
		post(t, srv.URL, "5", strings.Replace(repOld, "old.example.org", h, 1))
	}
	post(t, srv.URL, "5", repFixed) // no open CVE: 0
	for sort, want := range map[string][]string{
		"-tagged": {"b.example.org", "a.example.org", "fixed.example.org"},
		"tagged":  {"fixed.example.org", "a.example.org", "b.example.org"},
	} {
		code, _, body := get(t, srv.URL+"/api/v1/hosts?sort="+sort)
		if code != 200 {
			t.Fatalf("sort=%s: %d %s", sort, code, body)
		}
		if diff := cmp.Diff(want, jsonHosts("hosts")(t, body)); diff != "" {
			t.Errorf("sort=%s (-want +got):\n%s", sort, diff)
		}
	}
	// The page's column shows the same counts, and sorts.
	_, _, page := get(t, srv.URL+"/hosts?sort=-tagged")
	for _, s := range []string{`<a href="/hosts?sort=tagged">Tagged <span class="arrow" aria-hidden="true">▼</span>`,
		`title="EGI-Critical: 1 EGI-High: 1 ">1</td>`, `title="SITE-Watch: 2 ">2</td>`} {
		if !strings.Contains(page, s) {
			t.Errorf("/hosts?sort=-tagged lacks %s\n%s", s, page)
		}
	}
}
