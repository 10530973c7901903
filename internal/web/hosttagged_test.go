package web

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/store"
)

// findingsTableCVEs are the CVE ids the findings table of a host page links to,
// sorted.
func findingsTableCVEs(t *testing.T, page string) []string {
	t.Helper()
	i := strings.Index(page, `<table class="list" id="findings">`)
	if i < 0 {
		return nil
	}
	table := page[i:]
	table = table[:strings.Index(table, "</table>")]
	var out []string
	for _, m := range regexp.MustCompile(`href="/cves/([^"]+)"`).FindAllStringSubmatch(table, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

// TestHostOnlyTagged: ?tagged=1 on the host page and on the host
// findings API keeps the findings of CVEs with an enabled tag (Pakiti 3's
// "only tagged" checkbox); the page's form keeps the other parameters.
// Data: DSA-5343-1's five CVEs on openssl 1.1.1n-0+deb11u3 (testdata);
// the tags are ours, constructed: CVE-2023-0286 EGI-Critical, CVE-2022-4450
// EGI-High but disabled (it counts nowhere); b.example.org's
// CVE-2023-0286 is excepted (constructed).
func TestHostOnlyTagged(t *testing.T) {
	now := time.Now()
	srv, _ := newPolicyServer(t, []store.CVETag{
		{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Enabled: true, Author: "csirt", ModifiedAt: now},
		{CVE: "CVE-2022-4450", Tag: "EGI-High", Enabled: false, Author: "csirt", ModifiedAt: now},
	}, []store.Exception{{CVE: "CVE-2023-0286", Package: "openssl", ScopeKind: store.ScopeHost, Scope: "b.example.org",
		Reason: "rebuilt", Author: "alice", CreatedAt: now}}, nil)
	post(t, srv.URL, "5", debian11Report("a.example.org", "SITE-A", false))
	all := []string{"CVE-2022-2097", "CVE-2022-4304", "CVE-2022-4450", "CVE-2023-0215", "CVE-2023-0286"}

	for _, c := range []struct {
		query string
		want  []string
		// in and out: what the page must and must not hold.
		in, out []string
	}{
		{"", all, []string{`<label><input type="checkbox" name="tagged" value="1"> only tagged CVEs</label>`}, []string{"tagged-empty"}},
		{"?tagged=0", all, nil, []string{" checked>"}},
		{"?tagged=1", []string{"CVE-2023-0286"}, []string{`name="tagged" value="1" checked> only tagged CVEs`}, nil},
		// The other parameters stay, as hidden fields of the form.
		{"?tagged=1&pkg=ssl&history=1", []string{"CVE-2023-0286"}, []string{
			`<input type="hidden" name="history" value="1"><input type="hidden" name="pkg" value="ssl"><label>`}, nil},
	} {
		code, _, body := get(t, srv.URL+"/hosts/a.example.org"+c.query)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", c.query, code)
		}
		if diff := cmp.Diff(c.want, findingsTableCVEs(t, body)); diff != "" {
			t.Errorf("page%s: findings (-want +got):\n%s", c.query, diff)
		}
		for _, s := range c.in {
			if !strings.Contains(body, s) {
				t.Errorf("page%s: no %q", c.query, s)
			}
		}
		for _, s := range c.out {
			if strings.Contains(body, s) {
				t.Errorf("page%s: %q", c.query, s)
			}
		}
	}

	// The API: JSON and CSV.
	for _, c := range []struct {
		query string
		want  []string
	}{{"", all}, {"?tagged=1", []string{"CVE-2023-0286"}}, {"?tagged=1&history=1", []string{"CVE-2023-0286"}}} {
		var fl HostFindingList
		code, _, body := get(t, srv.URL+"/api/v1/hosts/a.example.org/findings"+c.query)
		if code != http.StatusOK || json.Unmarshal([]byte(body), &fl) != nil {
			t.Fatalf("%s: %d %s", c.query, code, body)
		}
		var got []string
		for _, f := range fl.Findings {
			got = append(got, f.CVE)
		}
		slices.Sort(got)
		if diff := cmp.Diff(c.want, got); diff != "" || fl.Total != len(c.want) {
			t.Errorf("API%s: total %d, findings (-want +got):\n%s", c.query, fl.Total, diff)
		}
		sep := "?"
		if c.query != "" {
			sep = "&"
		}
		_, _, body = get(t, srv.URL+"/api/v1/hosts/a.example.org/findings"+c.query+sep+"format=csv")
		rows := readCSV(t, body)
		got = nil
		for _, r := range rows[1:] {
			got = append(got, r[0])
		}
		slices.Sort(got)
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("CSV%s: findings (-want +got):\n%s", c.query, diff)
		}
	}

	// Bad values: 400, on the page and the API.
	for _, p := range []string{"/hosts/a.example.org?tagged=yes", "/api/v1/hosts/a.example.org/findings?tagged=2",
		"/api/v1/hosts/a.example.org/findings?tagged=%3Cb%3E&format=csv"} {
		if code, _, body := get(t, srv.URL+p); code != http.StatusBadRequest || !strings.Contains(body, "tagged must be 1 or 0") {
			t.Errorf("%s: %d %.200s, want 400", p, code, body)
		}
	}

	// A host whose only tagged CVE is excepted: the page says it has no
	// tagged finding and links to all its findings, keeping the other
	// parameters.
	post(t, srv.URL, "5", debian11Report("b.example.org", "SITE-A", false))
	code, _, body := get(t, srv.URL+"/hosts/b.example.org?tagged=1&pkg=open")
	if code != http.StatusOK {
		t.Fatalf("%d", code)
	}
	want := `<p id="tagged-empty">No finding of a CVE with an enabled tag. <a href="/hosts/b.example.org?pkg=open#findings-title">All findings</a></p>`
	if !strings.Contains(body, want) || findingsTableCVEs(t, body) != nil {
		t.Errorf("b's page with tagged=1: no %q, or a findings table", want)
	}
	if _, _, body := get(t, srv.URL+"/hosts/b.example.org"); len(findingsTableCVEs(t, body)) != 4 {
		t.Errorf("b's page: %v, want its 4 CVEs not excepted", findingsTableCVEs(t, body))
	}
}
