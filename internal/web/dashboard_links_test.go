package web

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/store"
)

// TestDashboardLinksList: the hosts listing answers every status and
// severity the dashboard and site pages link to, with the hosts they
// count. The fleet is TestDashboard's on DSA-5343-1: old.example.org has
// openssl 1.1.1n-0+deb11u3, below "[bullseye] - openssl 1.1.1n-0+deb11u4"
// (5 open CVEs, no severity word: "other"); fixed.example.org has the fix
// (clean); wn1 (Debian 12, no data) and the hostile host (no OS group) are
// not evaluated; debian:11 holds one DSA list only (partial data), so
// no host is clean: clean needs complete data (issue 10).
func TestDashboardLinksList(t *testing.T) {
	srv, st := newStoreServer(t)
	for _, r := range []string{repOld, repFixed, repWN1, repHostile} {
		post(t, srv.URL, "5", r)
	}
	check := func(query string, want []string) {
		t.Helper()
		resp, err := http.Get(srv.URL + "/api/v1/hosts?" + query)
		if err != nil {
			t.Fatal(err)
		}
		var list HostList
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			t.Fatalf("%s: %d %v", query, resp.StatusCode, err)
		}
		got := []string{}
		for _, h := range list.Hosts {
			got = append(got, h.Hostname)
		}
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" || list.Total != len(want) {
			t.Errorf("%s: total %d (-want +got):\n%s", query, list.Total, diff)
		}
	}
	check("status=clean", []string{})
	// With debian:11 declared complete, fixed.example.org (the fix
	// installed, no open CVE) is clean.
	declareComplete(t, st, "debian:11")
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"status=exposed", []string{"old.example.org"}},
		{"status=clean", []string{"fixed.example.org"}},
		{"status=not-evaluated", []string{hostile, "wn1.example.org"}},
		{"status=partial-data", []string{}},
		{"status=stale-data", []string{}},
		{"status=reboot-pending", []string{}},
		{"status=stale-host", []string{}},
		{"status=exposed&severity=other", []string{"old.example.org"}},
		{"status=exposed&severity=critical", []string{}},
		{"site=SITE-B&status=exposed&severity=other", []string{"old.example.org"}},
		{"site=SITE-A&status=exposed", []string{}},
	} {
		check(tc.query, tc.want)
	}
	for _, q := range []string{"status=nope", "severity=urgent", "status=partial-data&data_state=stale", "status=clean&data_state=partial"} {
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

// declareComplete records a part of source debian that its source declares
// complete for group, with no records. The claim is constructed: which
// documents earn it is tested with the sources (source/debian/coverage.go);
// here it lets a host's data be complete without loading a release's
// whole tracker data.
func declareComplete(t *testing.T, st *store.Store, group string) {
	t.Helper()
	_, err := st.ImportParts(context.Background(), store.ImportRun{Source: "debian", StartedAt: time.Now(),
		Locations: []store.Location{{Location: "complete-claim", Fingerprint: "complete-claim"}}},
		func(pl *store.PartLoader) error {
			return pl.EndDocument(store.Part{Name: "complete-claim", Locations: []string{"complete-claim"}, Complete: []string{group}})
		})
	if err != nil {
		t.Fatal(err)
	}
}
