package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestCVESuggestionsAPI: GET /api/v1/cve-suggestions normalises its
// prefix as CVE input, bounds it and the limit (400 with a reason), and
// suggests only the CVEs of current, unexcepted findings. Data:
// DSA-5343-1 on a.example.org's openssl 1.1.1n-0+deb11u3; the exception
// (ours, constructed) excepts CVE-2022-2097 everywhere.
func TestCVESuggestionsAPI(t *testing.T) {
	srv, _ := newPolicyServer(t, nil, []store.Exception{{CVE: "CVE-2022-2097", Package: "openssl", ScopeKind: store.ScopeAll,
		Reason: "constructed", Author: "alice", CreatedAt: time.Now()}}, nil)
	post(t, srv.URL, "5", debian11Report("a.example.org", "SITE-A", false))
	for _, c := range []struct {
		query  string
		prefix string
		want   []string
		limit  int
	}{
		{"q=CVE-", "CVE-", dsa5343CVEs[1:], 20}, // CVE-2022-2097 excepted
		{"q=cve-2023", "CVE-2023", []string{"CVE-2023-0215", "CVE-2023-0286"}, 20},
		{"q=+cve-2022-4+", "CVE-2022-4", []string{"CVE-2022-4304", "CVE-2022-4450"}, 20},
		{"q=CVE-2022-4&limit=1", "CVE-2022-4", []string{"CVE-2022-4304"}, 1},
		{"q=CVE-2022-4&limit=100", "CVE-2022-4", []string{"CVE-2022-4304", "CVE-2022-4450"}, 100},
		{"q=CVE-2022-2097", "CVE-2022-2097", []string{}, 20},
		{"q=CVE-2024", "CVE-2024", []string{}, 20},
		{"q=cve", "CVE", dsa5343CVEs[1:], 20},
		{"q=ghsa-jfh8", "GHSA-jfh8", []string{}, 20},
	} {
		code, hd, body := get(t, srv.URL+"/api/v1/cve-suggestions?"+c.query)
		var got CVESuggestionList
		if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil {
			t.Errorf("%s: %d %s", c.query, code, body)
			continue
		}
		if diff := cmp.Diff(CVESuggestionList{Prefix: c.prefix, Suggestions: c.want, Limit: c.limit}, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.query, diff)
		}
		if cc := hd.Get("Cache-Control"); cc != "private, max-age=60" {
			t.Errorf("%s: Cache-Control %q, want private (the answer is the caller's)", c.query, cc)
		}
	}
	for _, c := range []struct{ query, want string }{
		{"", "q must be the beginning of a CVE or vendor id"},
		{"q=cv", "q must be the beginning of a CVE or vendor id"},
		{"q=+++cv+++", "q must be the beginning of a CVE or vendor id"},
		{"q=CVE-2023-" + strings.Repeat("1", 60), "q must be the beginning of a CVE or vendor id"},
		{"q=CVE-2023%25", "q must be the beginning of a CVE or vendor id"},
		{"q=CVE-2023'--", "q must be the beginning of a CVE or vendor id"},
		{"q=CVE%00", "q must be the beginning of a CVE or vendor id"},
		{"q=%3Cscript%3E", "q must be the beginning of a CVE or vendor id"},
		{"q=CVE-2023&limit=0", "limit must be a whole number from 1 to 100"},
		{"q=CVE-2023&limit=101", "limit must be a whole number from 1 to 100"},
		{"q=CVE-2023&limit=x", "limit must be a whole number from 1 to 100"},
		{"q=CVE-2023&format=csv", "answers format json"},
	} {
		code, _, body := get(t, srv.URL+"/api/v1/cve-suggestions?"+c.query)
		if code != http.StatusBadRequest || !strings.Contains(body, c.want) || strings.Contains(body, "<script>") {
			t.Errorf("%s: %d %s, want 400 %q", c.query, code, body, c.want)
		}
	}
}

// TestCVESuggestionsScope: a user suggested the CVEs of its own hosts
// only. In the access federation every host has DSA-5343-1's CVEs; once
// FZU's only host is removed, fzu is suggested none, while two-sites
// (FZU and DESY-HH) still is, and nobody (no grant) never is.
func TestCVESuggestionsScope(t *testing.T) {
	fs := newFedServer(t)
	suggest := func(user string) []string {
		t.Helper()
		code, body := fs.as(t, user, "/api/v1/cve-suggestions?q=CVE-20")
		var got CVESuggestionList
		if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil {
			t.Fatalf("%s: %d %s", user, code, body)
		}
		return got.Suggestions
	}
	for _, c := range []struct {
		user string
		want []string
	}{{"root", dsa5343CVEs}, {"fzu", dsa5343CVEs}, {"two-sites", dsa5343CVEs}, {"nobody", []string{}}} {
		if diff := cmp.Diff(c.want, suggest(c.user)); diff != "" {
			t.Errorf("%s before (-want +got):\n%s", c.user, diff)
		}
	}
	if _, err := fs.st.DeleteHost(context.Background(), store.AllSites(), "wn.fzu.example.org", time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user string
		want []string
	}{{"root", dsa5343CVEs}, {"fzu", []string{}}, {"two-sites", dsa5343CVEs}, {"ngi-cz", dsa5343CVEs}, {"nobody", []string{}}} {
		if diff := cmp.Diff(c.want, suggest(c.user)); diff != "" {
			t.Errorf("%s after wn.fzu was removed (-want +got):\n%s", c.user, diff)
		}
	}
}

// TestCVEInputsSuggest: every CVE input (hosts and vulnerabilities
// filters, tags and exceptions forms) is wired to the datalist the
// script fills, and every page loads the script (a file of ours, no
// inline script: the Content-Security-Policy forbids it).
func TestCVEInputsSuggest(t *testing.T) {
	srv, _ := newPolicyServer(t, nil, nil, nil)
	for _, c := range []struct{ path, input string }{
		{"/hosts", `<input type="search" name="cve" value="" placeholder="CVE-2024-..." size="16" list="cve-suggestions" data-cve-suggest autocomplete="off">`},
		{"/cves", `<input type="search" name="q" value="" placeholder="part of an id" size="16" list="cve-suggestions" data-cve-suggest autocomplete="off">`},
		{"/tags", `<input name="cve" required placeholder="CVE-2024-..." list="cve-suggestions" data-cve-suggest autocomplete="off">`},
		{"/exceptions", `<input name="cve" required placeholder="CVE-2024-..." list="cve-suggestions" data-cve-suggest autocomplete="off">`},
	} {
		code, hd, body := get(t, srv.URL+c.path)
		if code != http.StatusOK || !strings.Contains(body, c.input+`</label><datalist id="cve-suggestions"></datalist>`) {
			t.Errorf("%s: %d, no %q with its datalist", c.path, code, c.input)
		}
		if !strings.Contains(body, `<script src="/static/cve-suggest.js" defer></script>`) || strings.Contains(body, "<script>") {
			t.Errorf("%s: the script is not loaded from /static, or a script is inline", c.path)
		}
		if csp := hd.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("%s: CSP %q", c.path, csp)
		}
	}
	code, hd, body := get(t, srv.URL+"/static/cve-suggest.js")
	if code != http.StatusOK || !strings.HasPrefix(hd.Get("Content-Type"), "text/javascript") ||
		!strings.Contains(body, `"/api/v1/cve-suggestions?q=" + encodeURIComponent(q)`) {
		t.Errorf("/static/cve-suggest.js: %d %s", code, hd.Get("Content-Type"))
	}
}
