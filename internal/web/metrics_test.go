package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/metrics"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// The fleet of the metrics tests, on DSA-5343-1 ("[bullseye] - openssl
// 1.1.1n-0+deb11u4", {CVE-2022-2097 CVE-2022-4304 CVE-2022-4450
// CVE-2023-0215 CVE-2023-0286}, testdata/DSA-5343-1.txt): hosts on
// Debian 11 with openssl 1.1.1n-0+deb11u3 are exposed, with deb11u4 they
// are clean. The DSA list carries no urgency, so every open CVE's
// severity is unknown: the exposed hosts count under severity "other"
// (sites) and "unknown" (tags).
var metricsReports = []struct{ host, site, openssl string }{
	{"wn1.a.example.org", "SITE-A", "1.1.1n-0+deb11u3"}, // exposed
	{"wn2.a.example.org", "SITE-A", "1.1.1n-0+deb11u4"}, // clean
	{"wn1.b.example.org", "SITE-B", "1.1.1n-0+deb11u3"}, // exposed
	{"wn1.c.example.org", "SITE-C", "1.1.1n-0+deb11u4"}, // clean
}

// metricsReport is a protocol 5 report; each package is "name\tversion".
func metricsReport(host, site, system string, pkgs ...string) string {
	r := "#\nhost: " + host + "\nkernel: 5.10.0-20-amd64\nsite: " + site + "\nsystem: " + system + "\n#\n"
	for _, p := range pkgs {
		r += p + "\tamd64\n"
	}
	return r + "#\n"
}

// newMetricsServer is a server without authentication (everyone admin)
// with metrics on, the debian data of DSA-5343-1 loaded and the
// metricsReports fed through /feed/, then the first one sent again
// (unchanged) and one report refused (no host line).
func newMetricsServer(t *testing.T, mc metrics.Config) (*httptest.Server, *store.Store) {
	t.Helper()
	var reports []string
	for _, r := range metricsReports {
		reports = append(reports, metricsReport(r.host, r.site, "Debian GNU/Linux 11", "openssl\t"+r.openssl))
	}
	srv, st, post := newMetricsFleet(t, mc, "testdata/DSA-5343-1.txt", reports)
	post(reports[0], http.StatusOK)
	post("#\nsite: SITE-A\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1\tamd64\n#\n", http.StatusBadRequest)
	return srv, st
}

// newMetricsFleet is a server without authentication (everyone admin)
// with metrics on, the debian data of file loaded and reports fed.
func newMetricsFleet(t *testing.T, mc metrics.Config, file string, reports []string) (*httptest.Server, *store.Store, func(string, int)) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.SetSeverity(drivers.Registry().Severity) // as pakiti's commands open the store
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mc.Store, mc.Log = st, log
	m := metrics.New(mc)
	feed := intake.New(st, match.New(st, drivers.Registry(), log), log)
	feed.Observe = m.Report // as pakiti serve wires it
	h, err := New(Config{Store: st, Feed: feed, Log: log, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(),
		Eval: match.New(st, drivers.Registry(), log), Log: log, Now: time.Now}
	if _, err := im.Import(ctx, "debian", []string{file}, false); err != nil {
		t.Fatal(err)
	}
	post := func(body string, want int) {
		t.Helper()
		resp, err := http.Post(srv.URL+"/feed/?protocol=5", "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("feed: %d %s, want %d", resp.StatusCode, b, want)
		}
	}
	for _, r := range reports {
		post(r, http.StatusOK)
	}
	return srv, st, post
}

// scrape reads /metrics (with the headers in hd) and returns its families.
func scrape(t *testing.T, url string, hd map[string]string) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/metrics", nil)
	for k, v := range hd {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("/metrics: %d %s", resp.StatusCode, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// series returns the values of a family as "label=value,label=value" ->
// value (counters, gauges; histograms give their count), dropping the
// series whose labels miss one of keep's pairs.
func series(fams map[string]*dto.MetricFamily, name string, keep ...string) map[string]float64 {
	out := map[string]float64{}
	f := fams[name]
	if f == nil {
		return out
	}
next:
	for _, m := range f.Metric {
		var parts []string
		have := map[string]string{}
		for _, l := range m.Label {
			parts = append(parts, l.GetName()+"="+l.GetValue())
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(keep); i += 2 {
			if have[keep[i]] != keep[i+1] {
				continue next
			}
		}
		sort.Strings(parts)
		var v float64
		switch {
		case m.Counter != nil:
			v = m.Counter.GetValue()
		case m.Gauge != nil:
			v = m.Gauge.GetValue()
		case m.Histogram != nil:
			v = float64(m.Histogram.GetSampleCount())
		}
		out[strings.Join(parts, ",")] = v
	}
	return out
}

func TestMetricsScrape(t *testing.T) {
	srv, st := newMetricsServer(t, metrics.Config{CacheTTL: -1})
	if code, _, _ := get(t, srv.URL+"/hosts/wn1.a.example.org"); code != http.StatusOK {
		t.Fatalf("host page: %d", code)
	}
	get(t, srv.URL+"/hosts/nope.example.org")
	fams := scrape(t, srv.URL, nil)
	srcs, err := st.Sources(context.Background())
	if err != nil || len(srcs) != 1 {
		t.Fatalf("sources %v %v", srcs, err)
	}
	tests := []struct {
		name string
		keep []string
		want map[string]float64
	}{
		// Four reports stored, one sent again unchanged, one refused
		// (no host line: 400).
		{"pakiti_intake_reports_total", nil, map[string]float64{
			"code=2xx,outcome=stored": 4, "code=2xx,outcome=unchanged": 1, "code=4xx,outcome=refused": 1}},
		{"pakiti_intake_duration_seconds", nil, map[string]float64{
			"outcome=stored": 4, "outcome=unchanged": 1, "outcome=refused": 1}},
		// Requests by route pattern, never by raw path: both host pages
		// count under one series.
		{"pakiti_http_requests_total", []string{"route", "/feed/"}, map[string]float64{
			"code=200,method=POST,route=/feed/": 5, "code=400,method=POST,route=/feed/": 1}},
		{"pakiti_http_requests_total", []string{"route", "GET /hosts/{hostname}"}, map[string]float64{
			"code=200,method=GET,route=GET /hosts/{hostname}": 1, "code=404,method=GET,route=GET /hosts/{hostname}": 1}},
		{"pakiti_http_request_duration_seconds", []string{"route", "GET /hosts/{hostname}"}, map[string]float64{
			"method=GET,route=GET /hosts/{hostname}": 2}},
		// Hosts per site, and the exposed ones by their worst severity.
		{"pakiti_site_hosts", nil, map[string]float64{"site=SITE-A": 2, "site=SITE-B": 1, "site=SITE-C": 1}},
		{"pakiti_site_exposed_hosts", []string{"severity", "other"}, map[string]float64{
			"severity=other,site=SITE-A": 1, "severity=other,site=SITE-B": 1, "severity=other,site=SITE-C": 0}},
		{"pakiti_site_exposed_hosts", []string{"site", "SITE-A"}, map[string]float64{
			"severity=critical,site=SITE-A": 0, "severity=high,site=SITE-A": 0, "severity=medium,site=SITE-A": 0,
			"severity=low,site=SITE-A": 0, "severity=other,site=SITE-A": 1}},
		{"pakiti_evaluation_queue_depth", nil, map[string]float64{"": 0}},
		{"pakiti_intake_queue_depth", nil, map[string]float64{"": 0}},
		// The store's own figure of the one source (how many records
		// the DSA list gives is the importer's business).
		{"pakiti_source_records", nil, map[string]float64{"source=debian": float64(srcs[0].Records)}},
		{"pakiti_source_state", []string{"source", "debian"}, map[string]float64{
			"source=debian,state=current": 1, "source=debian,state=stale": 0, "source=debian,state=failing": 0}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, series(fams, tt.name, tt.keep...)); diff != "" {
			t.Errorf("%s %v (-want +got):\n%s", tt.name, tt.keep, diff)
		}
	}
	// Data states: every one of the four hosts is in exactly one.
	var hosts float64
	for _, v := range series(fams, "pakiti_hosts_data_state") {
		hosts += v
	}
	if hosts != 4 {
		t.Errorf("hosts over the data states: %v, want 4 (%v)", hosts, series(fams, "pakiti_hosts_data_state"))
	}
	if v := series(fams, "pakiti_source_age_seconds")["source=debian"]; v < 0 || v > 600 {
		t.Errorf("source age %v s just after the import", v)
	}

	// A tag on CVE-2023-0286 (one of DSA-5343-1's CVEs): the two exposed
	// hosts count under it; a disabled tag counts nobody.
	ctx := context.Background()
	for _, tg := range []store.CVETag{
		{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Enabled: true, ModifiedAt: time.Now()},
		{CVE: "CVE-2023-0215", Tag: "Disabled", Enabled: false, ModifiedAt: time.Now()},
	} {
		if err := st.PutTag(ctx, tg); err != nil {
			t.Fatal(err)
		}
	}
	fams = scrape(t, srv.URL, nil)
	if diff := cmp.Diff(map[string]float64{"severity=unknown,tag=EGI-Critical": 2},
		series(fams, "pakiti_tag_exposed_hosts")); diff != "" {
		t.Errorf("tag exposure (-want +got):\n%s", diff)
	}
}

// Severities from the Debian tracker's urgencies
// (testdata/vulnerablecode_debian.json, buster): librsync CVE-2014-8242
// "status": "open", "urgency": "low" (0.9.7-10 in buster); mimetex
// CVE-2009-1382 and CVE-2009-2459 "fixed_version": "1.50-1.1",
// "urgency": "medium"; atomicparsley CVE-2021-37231 and CVE-2021-37232
// "status": "open", "urgency": "not yet assigned" (0.9.6-2). The
// installed versions are the hosts' (mimetex 1.50-1 is chosen below the
// fix, 1.76-1 is buster's own, above it).
func TestMetricsSeverity(t *testing.T) {
	const buster = "Debian GNU/Linux 10"
	srv, st, _ := newMetricsFleet(t, metrics.Config{CacheTTL: -1}, "testdata/vulnerablecode_debian.json", []string{
		metricsReport("low.example.org", "SITE-A", buster, "librsync\t0.9.7-10"),
		metricsReport("medium.example.org", "SITE-A", buster, "librsync\t0.9.7-10", "mimetex\t1.50-1"),
		metricsReport("unassigned.example.org", "SITE-A", buster, "atomicparsley\t0.9.6-2"),
		metricsReport("clean.example.org", "SITE-B", buster, "mimetex\t1.76-1"),
	})
	// A tag on the low CVE: the medium host counts under low there (the
	// tag's CVEs decide, not the host's worst).
	// T-MIX tags the low and a medium CVE: a host with both counts once,
	// under medium.
	for _, tg := range []store.CVETag{
		{CVE: "CVE-2014-8242", Tag: "T-LOW", Enabled: true, ModifiedAt: time.Now()},
		{CVE: "CVE-2014-8242", Tag: "T-MIX", Enabled: true, ModifiedAt: time.Now()},
		{CVE: "CVE-2009-1382", Tag: "T-MIX", Enabled: true, ModifiedAt: time.Now()},
	} {
		if err := st.PutTag(context.Background(), tg); err != nil {
			t.Fatal(err)
		}
	}
	fams := scrape(t, srv.URL, nil)
	want := map[string]float64{
		"severity=critical,site=SITE-A": 0, "severity=high,site=SITE-A": 0, "severity=medium,site=SITE-A": 1,
		"severity=low,site=SITE-A": 1, "severity=other,site=SITE-A": 1,
		"severity=critical,site=SITE-B": 0, "severity=high,site=SITE-B": 0, "severity=medium,site=SITE-B": 0,
		"severity=low,site=SITE-B": 0, "severity=other,site=SITE-B": 0,
	}
	if diff := cmp.Diff(want, series(fams, "pakiti_site_exposed_hosts")); diff != "" {
		t.Errorf("site exposure (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]float64{"severity=low,tag=T-LOW": 2,
		"severity=low,tag=T-MIX": 1, "severity=medium,tag=T-MIX": 1}, series(fams, "pakiti_tag_exposed_hosts")); diff != "" {
		t.Errorf("tag exposure (-want +got):\n%s", diff)
	}
}

// The fleet figures are read at most once per cache period.
func TestMetricsCache(t *testing.T) {
	now := time.Now()
	srv, _ := newMetricsServer(t, metrics.Config{CacheTTL: 30 * time.Second, Now: func() time.Time { return now }})
	want := map[string]float64{"site=SITE-A": 2, "site=SITE-B": 1, "site=SITE-C": 1}
	if diff := cmp.Diff(want, series(scrape(t, srv.URL, nil), "pakiti_site_hosts")); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	resp, err := http.Post(srv.URL+"/feed/?protocol=5", "text/plain",
		strings.NewReader(metricsReport("wn3.a.example.org", "SITE-A", "Debian GNU/Linux 11", "openssl\t1.1.1n-0+deb11u4")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	now = now.Add(29 * time.Second)
	if diff := cmp.Diff(want, series(scrape(t, srv.URL, nil), "pakiti_site_hosts")); diff != "" {
		t.Errorf("within the cache period (-want +got):\n%s", diff)
	}
	now = now.Add(2 * time.Second)
	want["site=SITE-A"] = 3
	if diff := cmp.Diff(want, series(scrape(t, srv.URL, nil), "pakiti_site_hosts")); diff != "" {
		t.Errorf("after the cache period (-want +got):\n%s", diff)
	}
}

// Beyond --metrics-max-sites, the sites with the fewest exposed hosts
// (then the fewest hosts, then by name) are summed under site="other".
func TestMetricsSiteCap(t *testing.T) {
	srv, _ := newMetricsServer(t, metrics.Config{CacheTTL: -1, MaxSites: 1})
	fams := scrape(t, srv.URL, nil)
	// SITE-A and SITE-B have one exposed host each; SITE-A has more hosts.
	if diff := cmp.Diff(map[string]float64{"site=SITE-A": 2, "site=other": 2},
		series(fams, "pakiti_site_hosts")); diff != "" {
		t.Errorf("hosts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]float64{"severity=other,site=SITE-A": 1, "severity=other,site=other": 1},
		series(fams, "pakiti_site_exposed_hosts", "severity", "other")); diff != "" {
		t.Errorf("exposed (-want +got):\n%s", diff)
	}
}

// With authentication on, /metrics is for admins and CSIRT members (an
// API token scrapes), refused to viewers and anonymous callers.
func TestMetricsAccess(t *testing.T) {
	fs := newFedServer(t)
	code, hd, body := fs.call(t, "GET", "/metrics", nil, nil)
	if code != http.StatusUnauthorized || hd.Get("WWW-Authenticate") == "" {
		t.Errorf("anonymous: %d %v %s", code, hd, body)
	}
	for _, u := range []string{"fzu", "egi-csirt", "nobody"} {
		if code, body := fs.as(t, u, "/metrics"); code != http.StatusForbidden || strings.Contains(body, "FZU") {
			t.Errorf("viewer %s: %d %.200s", u, code, body)
		}
	}
	// Every host of the federation is exposed (DSA-5343-1, see
	// access_test.go): one per site.
	for _, u := range []string{"root", "csirt"} {
		fams := scrape(t, fs.srv.URL, map[string]string{"Authorization": "Bearer " + fs.tokens[u]})
		want := map[string]float64{}
		for _, site := range fedHosts {
			want["severity=other,site="+site] = 1
		}
		if diff := cmp.Diff(want, series(fams, "pakiti_site_exposed_hosts", "severity", "other")); diff != "" {
			t.Errorf("%s (-want +got):\n%s", u, diff)
		}
	}
	// The refused scrapes count, the anonymous one before any route.
	fams := scrape(t, fs.srv.URL, map[string]string{"Authorization": "Bearer " + fs.tokens["root"]})
	got := series(fams, "pakiti_http_requests_total", "method", "GET")
	for k, want := range map[string]float64{"code=401,method=GET,route=none": 1, "code=403,method=GET,route=GET /metrics": 3,
		"code=200,method=GET,route=GET /metrics": 2} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v (%v)", k, got[k], want, got)
		}
	}
}

// Every metric the Grafana dashboard (deploy/grafana/pakiti.json) queries
// is one pakiti exports.
func TestGrafanaDashboardMetrics(t *testing.T) {
	b, err := os.ReadFile("../../deploy/grafana/pakiti.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	// A registry with a child of every family: the fleet of the scrape
	// test, a tag, one request, report and evaluation.
	_, st := newMetricsServer(t, metrics.Config{CacheTTL: -1})
	if err := st.PutTag(context.Background(), store.CVETag{CVE: "CVE-2023-0286", Tag: "T", Enabled: true, ModifiedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	m := metrics.New(metrics.Config{Store: st, CacheTTL: -1})
	m.Instrument(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	m.Report("stored", http.StatusOK, time.Millisecond)
	m.Evaluation("report", time.Millisecond)
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range fams {
		have[f.GetName()] = true
		if f.GetType() == dto.MetricType_HISTOGRAM {
			have[f.GetName()+"_bucket"] = true
		}
	}
	name := regexp.MustCompile(`pakiti_[a-z_]+`)
	n := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, used := range name.FindAllString(tg.Expr, -1) {
				n++
				if !have[used] {
					t.Errorf("panel %q queries %s, which pakiti does not export", p.Title, used)
				}
			}
		}
	}
	if n == 0 {
		t.Error("the dashboard queries no pakiti metric")
	}
}
