package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDashboardLinksList: the hosts listing answers every status and
// severity the dashboard and site pages link to, with the hosts they
// count. The fleet is TestDashboard's on DSA-5343-1: old.example.org has
// openssl 1.1.1n-0+deb11u3, below "[bullseye] - openssl 1.1.1n-0+deb11u4"
// (5 open CVEs, no severity word: "other"); fixed.example.org has the fix
// (clean); wn1 (Debian 12, no data) and the hostile host (no OS group) are
// not evaluated; debian:11 holds one DSA list only (partial data).
func TestDashboardLinksList(t *testing.T) {
	srv, _ := newStoreServer(t)
	for _, r := range []string{repOld, repFixed, repWN1, repHostile} {
		post(t, srv.URL, "5", r)
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"status=exposed", []string{"old.example.org"}},
		{"status=clean", []string{"fixed.example.org"}},
		{"status=not-evaluated", []string{hostile, "wn1.example.org"}},
		{"status=partial-data", []string{"fixed.example.org", "old.example.org"}},
		{"status=stale-data", []string{}},
		{"status=reboot-pending", []string{}},
		{"status=stale-host", []string{}},
		{"status=exposed&severity=other", []string{"old.example.org"}},
		{"status=exposed&severity=critical", []string{}},
		{"site=SITE-B&status=exposed&severity=other", []string{"old.example.org"}},
		{"site=SITE-A&status=exposed", []string{}},
	} {
		resp, err := http.Get(srv.URL + "/api/v1/hosts?" + tc.query)
		if err != nil {
			t.Fatal(err)
		}
		var list HostList
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			t.Fatalf("%s: %d %v", tc.query, resp.StatusCode, err)
		}
		got := []string{}
		for _, h := range list.Hosts {
			got = append(got, h.Hostname)
		}
		slices.Sort(got)
		if diff := cmp.Diff(tc.want, got); diff != "" || list.Total != len(tc.want) {
			t.Errorf("%s: total %d (-want +got):\n%s", tc.query, list.Total, diff)
		}
	}
	for _, q := range []string{"status=nope", "severity=urgent", "status=partial-data&data_state=stale"} {
		resp, err := http.Get(srv.URL + "/api/v1/hosts?" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, resp.StatusCode)
		}
	}
}
