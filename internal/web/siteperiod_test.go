package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/store"
)

// TestSitePeriodStats: the sites' report statistics over a period on the
// sites page, a site's page, GET /api/v1/sites and /api/v1/sites/{site}
// (JSON and CSV), and the answers to a bad period. The reports are
// sent now: old.example.org three times and two.example.org once (SITE-B,
// both with DSA-5343-1's CVE-2023-0286 open, tagged here),
// fixed.example.org once (SITE-A, clean).
func TestSitePeriodStats(t *testing.T) {
	srv, st := newStoreServer(t)
	ctx := context.Background()
	if err := st.PutTag(ctx, store.CVETag{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Enabled: true, Author: "csirt", ModifiedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		post(t, srv.URL, "5", repOld)
	}
	post(t, srv.URL, "6", repTwo)
	post(t, srv.URL, "5", repFixed)
	// A period holding now (a day each side: the test may run over
	// midnight), and one of 2020.
	day := func(d int) string { return time.Now().UTC().AddDate(0, 0, d).Format("2006-01-02") }
	now := "from=" + day(-1) + "&to=" + day(2)
	b := store.SitePeriod{From: day(-1), To: day(2), Hosts: 2, VulnerableHosts: 2, Reports: 4, VulnerableReports: 4}
	a := store.SitePeriod{From: day(-1), To: day(2), Hosts: 1, Reports: 1}

	periods := func(body string) map[string]*store.SitePeriod {
		t.Helper()
		var v SiteList
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatalf("%v: %.200s", err, body)
		}
		out := map[string]*store.SitePeriod{}
		for _, s := range v.Sites {
			out[s.Name] = s.Period
		}
		return out
	}
	for _, tc := range []struct {
		query string
		want  map[string]*store.SitePeriod
	}{
		{now, map[string]*store.SitePeriod{"SITE-A": &a, "SITE-B": &b}},
		{"from=2020-01-01&to=2020-02-01", map[string]*store.SitePeriod{
			"SITE-A": {From: "2020-01-01", To: "2020-02-01"}, "SITE-B": {From: "2020-01-01", To: "2020-02-01"}}},
		{"to=2020-02-01", map[string]*store.SitePeriod{"SITE-A": {To: "2020-02-01"}, "SITE-B": {To: "2020-02-01"}}},
		{"", map[string]*store.SitePeriod{"SITE-A": nil, "SITE-B": nil}}, // no period asked: none
	} {
		code, _, body := get(t, srv.URL+"/api/v1/sites?"+tc.query)
		if code != 200 {
			t.Fatalf("sites?%s: %d %s", tc.query, code, body)
		}
		if diff := cmp.Diff(tc.want, periods(body)); diff != "" {
			t.Errorf("sites?%s (-want +got):\n%s", tc.query, diff)
		}
	}
	code, _, body := get(t, srv.URL+"/api/v1/sites/SITE-B?"+now)
	var d SiteDetail
	if err := json.Unmarshal([]byte(body), &d); code != 200 || err != nil {
		t.Fatalf("site: %d %v %.200s", code, err, body)
	}
	if diff := cmp.Diff(&b, d.Site.Period); diff != "" {
		t.Errorf("sites/SITE-B (-want +got):\n%s", diff)
	}

	// CSV: the sites' columns, then the period's.
	csvRows := func(path string) [][]string {
		t.Helper()
		code, _, body := get(t, srv.URL+path)
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if code != 200 || err != nil {
			t.Fatalf("%s: %d %v %s", path, code, err, body)
		}
		return rows
	}
	tail := func(rows [][]string) [][]string {
		var out [][]string
		for _, r := range rows {
			out = append(out, append([]string{r[0]}, r[len(r)-6:]...))
		}
		return out
	}
	wantB := []string{"SITE-B", day(-1), day(2), "2", "2", "4", "4"}
	if diff := cmp.Diff([][]string{
		{"site", "from", "to", "period_hosts", "period_vulnerable_hosts", "period_reports", "period_vulnerable_reports"},
		{"SITE-A", day(-1), day(2), "1", "0", "1", "0"}, wantB,
	}, tail(csvRows("/api/v1/sites?format=csv&"+now))); diff != "" {
		t.Errorf("sites CSV (-want +got):\n%s", diff)
	}
	if rows := csvRows("/api/v1/sites?format=csv"); len(rows[0]) != len(SiteColumns) || rows[0][len(rows[0])-1] != "note" {
		t.Errorf("sites CSV without a period: header %v", rows[0])
	}
	if diff := cmp.Diff([]string{"site", "from", "to", "period_hosts", "period_vulnerable_hosts", "period_reports", "period_vulnerable_reports"},
		tail(csvRows("/api/v1/sites/SITE-B?format=csv&" + now))[0]); diff != "" {
		t.Errorf("site CSV header (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantB, tail(csvRows("/api/v1/sites/SITE-B?format=csv&" + now))[1]); diff != "" {
		t.Errorf("site CSV (-want +got):\n%s", diff)
	}

	// The pages.
	_, _, page := get(t, srv.URL+"/sites?"+now)
	for _, s := range []string{`<input type="date" name="from" value="` + day(-1) + `">`, `Vulnerable reports</th>`,
		`<td class="num">2</td><td class="num bad">2</td><td class="num">4</td><td class="num bad">4</td>`,
		`<td class="num">1</td><td class="num">0</td><td class="num">1</td><td class="num">0</td>`,
		`href="/api/v1/sites?format=csv&amp;from=` + day(-1) + `&amp;to=` + day(2) + `"`} {
		if !strings.Contains(page, s) {
			t.Errorf("/sites?%s lacks %s", now, s)
		}
	}
	_, _, page = get(t, srv.URL+"/sites")
	if strings.Contains(page, "Vulnerable reports") {
		t.Errorf("/sites without a period shows the period's columns")
	}
	_, _, page = get(t, srv.URL+"/sites/SITE-B?"+now)
	for _, s := range []string{`id="period-stats"`, `<th title="reports received in the period">Reports</th><td class="num">4</td>`,
		`Vulnerable reports</th><td class="num bad">4</td>`} {
		if !strings.Contains(page, s) {
			t.Errorf("/sites/SITE-B?%s lacks %s", now, s)
		}
	}

	// Bad periods: 400 and what is wrong, on every surface.
	for q, msg := range map[string]string{
		"from=2026-13-01":                 `from must be a date YYYY-MM-DD, not &#34;2026-13-01&#34;`,
		"to=yesterday":                    `to must be a date YYYY-MM-DD, not &#34;yesterday&#34;`,
		"from=2026-11-02&to=2026-11-01":   `from (2026-11-02) is after to (2026-11-01)`,
		"from=%3Cscript%3E&to=2026-11-01": `from must be a date YYYY-MM-DD, not &#34;&lt;script&gt;&#34;`,
	} {
		for _, path := range []string{"/sites?", "/sites/SITE-B?", "/api/v1/sites?", "/api/v1/sites/SITE-B?", "/api/v1/sites?format=csv&"} {
			code, _, body := get(t, srv.URL+path+q)
			want := msg
			if strings.HasPrefix(path, "/api/") {
				want = strings.NewReplacer("&#34;", `\"`, "&lt;", `\u003c`, "&gt;", `\u003e`).Replace(msg)
			}
			if code != 400 || !strings.Contains(body, want) {
				t.Errorf("%s%s: %d %.300s, want 400 and %s", path, q, code, body, want)
			}
		}
	}
}
