package web

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/store"
)

// TestInlineTaggedCVEs: "list tagged CVEs inline" (?inline=1) on the
// hosts page and in the API: each listed host's open CVEs that carry an
// enabled tag, excepted findings left out, with their tags.
func TestInlineTaggedCVEs(t *testing.T) {
	srv, st := newStoreServer(t)
	ctx := context.Background()
	at := time.Now()
	// Constructed CSIRT decisions on DSA-5343-1's CVEs (every host below
	// but fixed.example.org has all five open): CVE-2023-0286 carries two
	// tags; CVE-2022-2097's tag is disabled.
	for _, tag := range []store.CVETag{
		{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Enabled: true}, {CVE: "CVE-2023-0286", Tag: "EGI-High", Enabled: true},
		{CVE: "CVE-2022-4450", Tag: "SITE-Watch", Enabled: true}, {CVE: "CVE-2023-0215", Tag: "SITE-Watch", Enabled: true},
		{CVE: "CVE-2022-2097", Tag: "Off"},
	} {
		tag.Author, tag.ModifiedAt = "csirt", at
		if err := st.PutTag(ctx, tag); err != nil {
			t.Fatal(err)
		}
	}
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
	post(t, srv.URL, "5", repFixed)

	want := map[string][]store.TaggedCVE{
		"a.example.org": {{CVE: "CVE-2023-0286", Tags: []string{"EGI-Critical", "EGI-High"}}},
		"b.example.org": {{CVE: "CVE-2022-4450", Tags: []string{"SITE-Watch"}}, {CVE: "CVE-2023-0215", Tags: []string{"SITE-Watch"}}},
	}
	var list struct {
		TaggedCVEs map[string][]store.TaggedCVE `json:"tagged_cves"`
	}
	code, _, body := get(t, srv.URL+"/api/v1/hosts?inline=1")
	if err := json.Unmarshal([]byte(body), &list); code != 200 || err != nil {
		t.Fatalf("inline=1: %d %v %s", code, err, body)
	}
	if diff := cmp.Diff(want, list.TaggedCVEs); diff != "" {
		t.Errorf("API inline=1 (-want +got):\n%s", diff)
	}
	// A page of one host lists that host's only.
	list.TaggedCVEs = nil
	_, _, body = get(t, srv.URL+"/api/v1/hosts?inline=1&limit=1&offset=1")
	json.Unmarshal([]byte(body), &list)
	if diff := cmp.Diff(map[string][]store.TaggedCVE{"b.example.org": want["b.example.org"]}, list.TaggedCVEs); diff != "" {
		t.Errorf("API inline=1, second page of one (-want +got):\n%s", diff)
	}
	_, _, body = get(t, srv.URL+"/api/v1/hosts")
	var top map[string]json.RawMessage
	json.Unmarshal([]byte(body), &top)
	if _, ok := top["tagged_cves"]; ok || strings.Contains(body, "CVE-") {
		t.Errorf("API without inline lists the CVEs: %.300s", body)
	}
	_, _, body = get(t, srv.URL+"/api/v1/hosts?inline=1&format=csv")
	if strings.Contains(body, "CVE-") {
		t.Errorf("CSV lists tagged CVEs: %s", body)
	}

	_, _, page := get(t, srv.URL+"/hosts?inline=1&sort=-tagged")
	for _, s := range []string{
		`<input type="checkbox" name="inline" value="1" checked>`,
		`<li><a class="bad" href="/cves/CVE-2023-0286" title="EGI-Critical, EGI-High">CVE-2023-0286</a></li>`,
		`<li><a class="bad" href="/cves/CVE-2022-4450" title="SITE-Watch">CVE-2022-4450</a></li>`,
		`<a href="/hosts?inline=1&amp;sort=tagged">Tagged`, // the sort links keep the view
	} {
		if !strings.Contains(page, s) {
			t.Errorf("/hosts?inline=1 lacks %s", s)
		}
	}
	if strings.Contains(page, "CVE-2022-2097") {
		t.Errorf("/hosts?inline=1 lists CVE-2022-2097, whose only tag is disabled")
	}
	if n := strings.Count(page, "/cves/CVE-2023-0286"); n != 1 {
		t.Errorf("/hosts?inline=1 lists CVE-2023-0286 %d times, want once (b.example.org's is excepted)", n)
	}
	_, _, page = get(t, srv.URL+"/hosts")
	if strings.Contains(page, `class="inline-cves"`) || !strings.Contains(page, `<input type="checkbox" name="inline" value="1">`) {
		t.Errorf("/hosts without inline lists CVEs or lacks the checkbox")
	}
	for _, u := range []string{"/hosts?inline=2", "/api/v1/hosts?inline=yes"} {
		if code, _, body := get(t, srv.URL+u); code != 400 || !strings.Contains(body, "inline must be 1 or 0") {
			t.Errorf("%s: %d %.200s, want 400", u, code, body)
		}
	}
}
