package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestSitesPagesAndAPI: the sites of the dashboard's fleet with their
// counts written by hand (old and two exposed in SITE-B; fixed clean and
// wn1 not evaluated in SITE-A; the hostile host alone in its site), the
// time to patch of SITE-B once old is fixed, the CSV with the hostile
// site's name defused, and the answers against openapi.json.
func TestSitesPagesAndAPI(t *testing.T) {
	srv, st := newStoreServer(t)
	// A CSIRT's tag (constructed: a decision, not vendor data).
	if err := st.PutTag(context.Background(), store.CVETag{CVE: "CVE-2022-4450", Tag: "EGI-High", Enabled: true, ModifiedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{repOld, repFixed, repWN1, repHostile} {
		post(t, srv.URL, "5", r)
	}
	post(t, srv.URL, "6", repTwo)
	code, _, body := get(t, srv.URL+"/api/v1/sites")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	checkSchema(t, "GET /api/v1/sites", []byte(body))
	var list SiteList
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	none := map[string]int{"critical": 0, "high": 0, "medium": 0, "low": 0, "other": 0}
	want := []store.SiteSummary{
		{Name: hostileSite, Hosts: 1, BySeverity: none, Tagged: map[string]int{}},
		{Name: "SITE-A", Hosts: 2, BySeverity: none, Tagged: map[string]int{}},
		{Name: "SITE-B", Hosts: 2, Exposed: 2, BySeverity: map[string]int{"critical": 0, "high": 0, "medium": 0, "low": 0, "other": 2},
			Tagged: map[string]int{"EGI-High": 2}, TaggedHosts: 2},
	}
	if diff := cmp.Diff(want, list.Sites); diff != "" {
		t.Errorf("sites (-want +got):\n%s", diff)
	}

	code, hd, body := get(t, srv.URL+"/api/v1/sites?format=csv")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if code != 200 || err != nil || !strings.HasPrefix(hd.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %v %s", code, err, body)
	}
	wantRows := [][]string{SiteColumns,
		// A name starting with a quote is no formula (only =+-@ and controls
		// are prefixed): kept as it is.
		{hostileSite, "", "1", "0", "0", "0", "0", "0", "0", "0", "0", "", "", ""},
		{"SITE-A", "", "2", "0", "0", "0", "0", "0", "0", "0", "0", "", "", ""},
		{"SITE-B", "", "2", "2", "0", "0", "0", "0", "2", "2", "0", "", "", ""}}
	if diff := cmp.Diff(wantRows, rows); diff != "" {
		t.Errorf("csv (-want +got):\n%s", diff)
	}
	if code, _, body := get(t, srv.URL+"/api/v1/sites?format=xml"); code != 400 {
		t.Errorf("format=xml: %d %s", code, body)
	}

	// old fixed: its 5 findings resolve by a package update.
	post(t, srv.URL, "5", repOldFixed)
	code, _, body = get(t, srv.URL+"/api/v1/sites/SITE-B")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	checkSchema(t, "GET /api/v1/sites/{site}", []byte(body))
	var d SiteDetail
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if d.Site.Exposed != 1 || d.TimeToPatch["all"].Findings != 5 || d.TTPDays != 90 {
		t.Errorf("SITE-B: exposed %d, time to patch %+v; want 1 exposed, 5 findings patched", d.Site.Exposed, d.TimeToPatch)
	}
	for _, c := range []struct {
		path string
		code int
	}{{"/api/v1/sites/NO-SITE", 404}, {"/sites/NO-SITE", 404}, {"/api/v1/sites/SITE-B?days=401", 400}} {
		if code, _, body := get(t, srv.URL+c.path); code != c.code {
			t.Errorf("%s: %d %.200s, want %d", c.path, code, body, c.code)
		}
	}

	// The pages: the hostile site escaped on the listing and its own page.
	for _, path := range []string{"/sites", "/sites/" + url.PathEscape(hostileSite)} {
		code, _, body := get(t, srv.URL+path)
		if code != 200 || strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: %d, the hostile site is not shown escaped:\n%s", path, code, body)
		}
	}
	code, _, body = get(t, srv.URL+"/sites/SITE-B")
	for _, s := range []string{`<a href="/hosts?site=SITE-B&amp;status=exposed"><span class="n">1</span>`, `id="time-to-patch"`,
		`<td>all</td><td class="num">5</td>`, `<figure class="plot" id="plot-site-severity">`, `id="siteinfo"`} {
		if !strings.Contains(body, s) {
			t.Errorf("/sites/SITE-B (%d) lacks %s", code, s)
		}
	}
}

// TestSiteInfoForm: an admin sets a site's contact, URL and note through
// the form; a report of the site does not wipe them; a hostile note is
// shown escaped; a viewer, a cross-origin form and a javascript: URL are
// refused.
func TestSiteInfoForm(t *testing.T) {
	fs := newFedServer(t)
	form := func(user string, v url.Values, extra map[string]string) (int, string) {
		hd := map[string]string{"Authorization": "Bearer " + fs.tokens[user], "Content-Type": "application/x-www-form-urlencoded"}
		for k, x := range extra {
			hd[k] = x
		}
		code, _, body := fs.call(t, "POST", "/sites/FZU", hd, strings.NewReader(v.Encode()))
		return code, body
	}
	note := `<script>alert("note")</script> call ext. 42`
	good := url.Values{"contact": {"security@fzu.example.org"}, "url": {"https://fzu.example.org/security"}, "note": {note}}
	for _, c := range []struct {
		name  string
		user  string
		v     url.Values
		extra map[string]string
		code  int
	}{
		{"viewer", "fzu", good, nil, http.StatusForbidden},
		{"csirt", "csirt", good, nil, http.StatusForbidden},
		{"cross-origin", "root", good, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"javascript url", "root", url.Values{"url": {"javascript:alert(1)"}}, nil, http.StatusBadRequest},
		{"too long", "root", url.Values{"note": {strings.Repeat("x", store.MaxSiteNote+1)}}, nil, http.StatusBadRequest},
	} {
		if code, body := form(c.user, c.v, c.extra); code != c.code {
			t.Errorf("%s: %d %.200s, want %d", c.name, code, body, c.code)
		}
	}
	if code, body := fs.as(t, "fzu", "/api/v1/sites/FZU"); code != 200 || !strings.Contains(body, `"contact": ""`) {
		t.Fatalf("a refused form changed the site: %d %s", code, body)
	}
	if code, body := form("root", good, nil); code != http.StatusSeeOther {
		t.Fatalf("admin: %d %s", code, body)
	}
	// A report of the site's host, as its client sends it every day.
	post(t, fs.srv.URL, "5", "#\nhost: wn.fzu.example.org\nkernel: 5.10.0-20-amd64\nsite: FZU\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u3\tamd64\n#\n")
	code, body := fs.as(t, "fzu", "/api/v1/sites/FZU")
	var d SiteDetail
	if err := json.Unmarshal([]byte(body), &d); code != 200 || err != nil {
		t.Fatalf("%d %v %s", code, err, body)
	}
	if d.Site.Contact != "security@fzu.example.org" || d.Site.URL != "https://fzu.example.org/security" || d.Site.Note != note {
		t.Errorf("after a report: %+v", d.Site)
	}
	// A form too big to read changes nothing; a form with the note alone
	// keeps the contact and URL.
	if code, body := form("root", url.Values{"contact": {strings.Repeat("x", 70<<10)}}, nil); code != http.StatusBadRequest {
		t.Errorf("a 70 KiB form: %d %.200s", code, body)
	}
	if code, body := form("root", url.Values{"note": {note}}, nil); code != http.StatusSeeOther {
		t.Errorf("the note alone: %d %.200s", code, body)
	}
	code, body = fs.as(t, "fzu", "/api/v1/sites/FZU")
	if err := json.Unmarshal([]byte(body), &d); code != 200 || err != nil || d.Site.Contact != "security@fzu.example.org" || d.Site.URL != "https://fzu.example.org/security" {
		t.Errorf("after a refused big form and a note-only form: %d %v %+v", code, err, d.Site)
	}
	code, body = fs.as(t, "fzu", "/sites/FZU")
	for _, s := range []string{`<dd id="contact">security@fzu.example.org</dd>`,
		`<a href="https://fzu.example.org/security" rel="noopener noreferrer">`,
		`&lt;script&gt;alert(&#34;note&#34;)&lt;/script&gt; call ext. 42`} {
		if !strings.Contains(body, s) {
			t.Errorf("site page (%d) lacks %s", code, s)
		}
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, `id="siteinfo"`) {
		t.Error("the viewer's site page has the note unescaped or the admin form")
	}
	log, err := fs.st.AuditLog(context.Background(), "root", 10)
	if err != nil || !slices.ContainsFunc(log, func(e store.AuditEntry) bool { return e.Action == "site.info" && e.Target == "FZU" }) {
		t.Errorf("no audit entry: %v %+v", err, log)
	}
}
