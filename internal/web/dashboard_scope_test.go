package web

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestDashboardScope: in the access tests' federation (one host per site,
// each with the 5 open CVEs of DSA-5343-1), every user's dashboard, sites
// and stats count only the hosts of the user's sites, and name no other
// host or site; another site's page is not found.
func TestDashboardScope(t *testing.T) {
	fs := newFedServer(t)
	if _, err := fs.st.SnapshotExposure(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, u := range fedUsers {
		t.Run(u.name, func(t *testing.T) {
			var hidden, seenSites []string
			for _, h := range everyHost {
				if slices.Contains(u.sees, h) {
					seenSites = append(seenSites, fedHosts[h])
				} else {
					hidden = append(hidden, h, fedHosts[h])
				}
			}
			sort.Strings(seenSites)
			n := len(u.sees)
			code, body := fs.as(t, u.name, "/api/v1/dashboard")
			if code != 200 {
				t.Fatalf("dashboard: %d %s", code, body)
			}
			checkSchema(t, "GET /api/v1/dashboard", []byte(body))
			var d Dashboard
			if err := json.Unmarshal([]byte(body), &d); err != nil {
				t.Fatal(err)
			}
			if d.Totals.Hosts != n || d.Totals.Exposed != n || d.BySeverity["other"] != n || d.NewlyExposed24h != n {
				t.Errorf("dashboard: totals %+v, by severity %v, newly %d; want %d hosts, all exposed, all new",
					d.Totals, d.BySeverity, d.NewlyExposed24h, n)
			}
			wantTop := 5
			if n == 0 {
				wantTop = 0
			}
			if len(d.TopCVEs) != wantTop || wantTop > 0 && d.TopCVEs[0].Hosts != n {
				t.Errorf("top CVEs %+v, want the 5 CVEs on %d hosts", d.TopCVEs, n)
			}
			got := []string{}
			for s := range d.History.BySite {
				got = append(got, s)
			}
			sort.Strings(got)
			if diff := cmp.Diff(append([]string{}, seenSites...), got); diff != "" {
				t.Errorf("plotted sites (-want +got):\n%s", diff)
			}
			if d.History.Exposed[len(d.History.Exposed)-1] != n {
				t.Errorf("exposed today %v, want %d", d.History.Exposed, n)
			}
			code, body = fs.as(t, u.name, "/api/v1/stats")
			var st StatsAnswer
			if err := json.Unmarshal([]byte(body), &st); code != 200 || err != nil {
				t.Fatalf("stats: %d %v %s", code, err, body)
			}
			if st.Hosts != n || st.Sites != n || st.ReportRecords != n {
				t.Errorf("stats: %d hosts, %d sites, %d reports; want %d of each", st.Hosts, st.Sites, st.ReportRecords, n)
			}
			code, body = fs.as(t, u.name, "/api/v1/sites")
			var sl SiteList
			if err := json.Unmarshal([]byte(body), &sl); code != 200 || err != nil {
				t.Fatalf("sites: %d %v %s", code, err, body)
			}
			if len(sl.Sites) != n {
				t.Errorf("%d sites listed, want %d", len(sl.Sites), n)
			}
			for _, path := range []string{"/", "/api/v1/dashboard", "/sites", "/api/v1/sites", "/api/v1/sites?format=csv", "/stats"} {
				code, body := fs.as(t, u.name, path)
				if code != 200 {
					t.Errorf("%s: %d", path, code)
				}
				for _, h := range hidden {
					if strings.Contains(body, h) {
						t.Errorf("%s names %s, outside the user's sites", path, h)
					}
				}
			}
			for _, h := range hidden {
				if site := fedHosts[h]; site != "" {
					for _, path := range []string{"/sites/" + url.PathEscape(site), "/api/v1/sites/" + url.PathEscape(site)} {
						if code, _ := fs.as(t, u.name, path); code != 404 {
							t.Errorf("%s: %d, want 404", path, code)
						}
					}
				}
			}
		})
	}
	// A site's history is of that site alone, even for who sees them all.
	code, body := fs.as(t, "root", "/api/v1/sites/FZU")
	var d SiteDetail
	if err := json.Unmarshal([]byte(body), &d); code != 200 || err != nil {
		t.Fatalf("%d %v %s", code, err, body)
	}
	if diff := cmp.Diff(map[string][]int{"FZU": {1}}, d.History.BySite); diff != "" || !slices.Equal(d.History.Exposed, []int{1}) {
		t.Errorf("FZU's history: exposed %v, by site (-want +got):\n%s", d.History.Exposed, diff)
	}
}
