package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pakiti-go/pakiti/internal/metrics"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestStats: the counts of the dashboard's fleet, by hand. old reports
// twice the same (one history record standing for two reports).
func TestStats(t *testing.T) {
	srv, _ := newStoreServer(t)
	for _, r := range []string{repOld, repOld, repFixed, repWN1, repHostile} {
		post(t, srv.URL, "5", r)
	}
	post(t, srv.URL, "6", repTwo)
	code, _, body := get(t, srv.URL+"/api/v1/stats")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	checkSchema(t, "GET /api/v1/stats", []byte(body))
	var got StatsAnswer
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := store.Stats{
		Sites: 3, Hosts: 5, // SITE-A, SITE-B, the hostile one
		OSes:          3, // Debian GNU/Linux 11 and 12, <b>OS</b>
		OSGroups:      2, // debian:11, debian:12 (the hostile OS has none)
		ReportRecords: 5, ReportsReceived: 6,
		// openssl u3 (old, no source), openssl u3 and libssl1.1 u3 of
		// source openssl (two), openssl u4, bash, <img src=x>.
		Packages:    6,
		PackageSets: 5,                // one per host: no two hosts alike
		CVEs:        5, Advisories: 5, // DSA-5343-1: 5 CVEs, bullseye only
		Sources: 1,
	}
	if diff := cmp.Diff(want, got.Stats, cmpopts.IgnoreFields(store.Stats{}, "FirstReport")); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if got.FirstReport.IsZero() || got.Intake != nil {
		t.Errorf("first report %v, intake %v: want a time, and no counters without metrics", got.FirstReport, got.Intake)
	}
	code, _, body = get(t, srv.URL+"/stats")
	for _, s := range []string{"<th>Report history records</th><td class=\"num\">5</td>", "<td class=\"num\">6</td>",
		"<th>CVEs with vulnerability data</th><td class=\"num\">5</td>"} {
		if !strings.Contains(body, s) {
			t.Errorf("stats page (%d) lacks %s", code, s)
		}
	}
}

// TestStatsIntakeCounters: with metrics on, the stats count the reports
// /feed/ answered since start by outcome: old stored, old sent again
// unchanged, one without a host line refused.
func TestStatsIntakeCounters(t *testing.T) {
	srv, _, post := newMetricsFleet(t, metrics.Config{CacheTTL: -1}, "testdata/DSA-5343-1.txt", nil)
	// Metrics kept, nothing received yet: the page says so, and does not
	// ask for the metrics it has.
	if _, _, page := get(t, srv.URL+"/stats"); !strings.Contains(page, "No report received since this server started") ||
		strings.Contains(page, "need the metrics") {
		t.Errorf("stats page before any report: no \"No report received\", or asks for metrics")
	}
	post(repOld, http.StatusOK)
	post(repOld, http.StatusOK)
	post("#\nsite: SITE-A\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1\tamd64\n#\n", http.StatusBadRequest)
	code, _, body := get(t, srv.URL+"/api/v1/stats")
	var got StatsAnswer
	if err := json.Unmarshal([]byte(body), &got); code != 200 || err != nil {
		t.Fatalf("%d %v %s", code, err, body)
	}
	checkSchema(t, "GET /api/v1/stats", []byte(body))
	if diff := cmp.Diff(map[string]float64{"stored": 1, "unchanged": 1, "refused": 1}, got.Intake); diff != "" || got.Started.IsZero() {
		t.Errorf("intake since %v (-want +got):\n%s", got.Started, diff)
	}
	if _, _, page := get(t, srv.URL+"/stats"); !strings.Contains(page, "<th>Reports unchanged since this server started") {
		t.Errorf("stats page lacks the counters:\n%s", page)
	}
}
