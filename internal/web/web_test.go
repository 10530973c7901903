package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// hostile is a host name an attacker could report.
const hostile = `"><svg>.evil.org`

func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	st, err := store.Open(context.Background(), testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := New(Config{Store: st, Feed: intake.New(st, match.New(st, drivers.Registry(), log), log), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(),
		Eval: match.New(st, drivers.Registry(), log), Log: log, Now: time.Now}
	if _, err := im.Import(context.Background(), "debian", []string{"testdata/DSA-5343-1.txt"}, false); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{
		"#\nhost: old.example.org\nkernel: 5.10.0-20-amd64\nsite: SITE-B\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u3\tamd64\n#\n",
		"#\nhost: wn1.example.org\nkernel: 6.1.0-26-amd64\nsite: SITE-A\nsystem: Debian GNU/Linux 12\n#\nbash\t5.2.15-2+b7\tamd64\nlibc6\t2.36-9+deb12u8\tamd64\n#\n",
		"#\nhost: " + hostile + "\nsite: =HYPERLINK(\"x\")\nsystem: <b>OS</b>\n#\n<img src=x>\t1\tx\n#\n",
	} {
		resp, err := http.Post(srv.URL+"/feed/?protocol=5", "text/plain", strings.NewReader(r))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "OK\n" {
			t.Fatalf("feed: %s", b)
		}
	}
	return srv
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestAPIHosts(t *testing.T) {
	srv := newTestServer(t)
	code, _, body := get(t, srv.URL+"/api/v1/hosts?site=SITE-A")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var list struct {
		Hosts []map[string]any `json:"hosts"`
		Total int              `json:"total"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	if list.Total != 1 || len(list.Hosts) != 1 {
		t.Fatalf("got %+v", list)
	}
	h := list.Hosts[0]
	for k, want := range map[string]any{"hostname": "wn1.example.org", "site": "SITE-A", "os": "Debian GNU/Linux 12",
		"kernel": "6.1.0-26-amd64", "packages": 2.0, "tag": "", "arch": ""} {
		if !cmp.Equal(h[k], want) {
			t.Errorf("%s = %v, want %v", k, h[k], want)
		}
	}
	if _, ok := h["last_report"]; !ok {
		t.Error("no last_report")
	}
}

func TestAPIHost(t *testing.T) {
	srv := newTestServer(t)
	code, _, body := get(t, srv.URL+"/api/v1/hosts/wn1.example.org")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var d struct {
		Host     map[string]any      `json:"host"`
		Packages []map[string]string `json:"packages"`
		Reports  []map[string]any    `json:"reports"`
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{
		{"name": "bash", "version": "5.2.15-2+b7", "arch": "amd64", "source": "", "source_version": ""},
		{"name": "libc6", "version": "2.36-9+deb12u8", "arch": "amd64", "source": "", "source_version": ""},
	}
	if diff := cmp.Diff(want, d.Packages); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if d.Host["hostname"] != "wn1.example.org" || len(d.Reports) != 1 {
		t.Errorf("host %v reports %v", d.Host, d.Reports)
	}
	code, _, body = get(t, srv.URL+"/api/v1/hosts/nope.example.org")
	if code != 404 || !strings.Contains(body, "no host named nope.example.org") {
		t.Errorf("missing host: %d %s", code, body)
	}
}

func TestAPIErrorsAndCSV(t *testing.T) {
	srv := newTestServer(t)
	for _, q := range []string{"limit=0", "limit=x", "offset=-1", "format=xml", "limit=99999999"} {
		code, hd, body := get(t, srv.URL+"/api/v1/hosts?"+q)
		if code != 400 || hd.Get("Content-Type") != "application/json" || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %s", q, code, body)
		}
	}
	code, hd, body := get(t, srv.URL+"/api/v1/hosts?format=csv")
	if code != 200 || !strings.HasPrefix(hd.Get("Content-Type"), "text/csv") {
		t.Fatalf("%d %v", code, hd)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "hostname" {
		t.Fatalf("rows %v", rows)
	}
	// Formula injection is defused.
	if rows[1][1] != `'=HYPERLINK("x")` {
		t.Errorf("site cell %q", rows[1][1])
	}
	// DSA-5343-1 (5 CVEs) is all the data: partial, and said why.
	if got := strings.Join(rows[2], ","); !strings.Contains(got, "old.example.org,SITE-B") ||
		!strings.Contains(got, ",1,1,5,0,partial,no source covers debian:11 completely: only debian (5 records of debian:11),") {
		t.Errorf("old.example.org row %q: want 1 package, 1 vulnerable, 5 CVEs, 0 advisory findings, partial data and why", got)
	}
}

func TestPagesEscapeReportedValues(t *testing.T) {
	srv := newTestServer(t)
	for _, path := range []string{"/hosts", "/hosts/" + url.PathEscape(hostile)} {
		code, hd, body := get(t, srv.URL+path)
		if code != 200 {
			t.Fatalf("%s: %d", path, code)
		}
		if strings.Contains(body, "<svg") || strings.Contains(body, "<b>OS</b>") || strings.Contains(body, "<img src=x>") {
			t.Errorf("%s: reported value not escaped", path)
		}
		if !strings.Contains(body, "&#34;&gt;&lt;svg&gt;.evil.org") {
			t.Errorf("%s: escaped host name missing", path)
		}
		if !strings.Contains(hd.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("%s: no CSP", path)
		}
	}
}

func TestPages(t *testing.T) {
	srv := newTestServer(t)
	tests := []struct {
		path     string
		wantCode int
		want     []string
	}{
		{"/hosts", 200, []string{"wn1.example.org", `SITE-A (1)`, `<span class="count">3</span>`, "not evaluated"}},
		{"/hosts?sort=-cves&limit=1", 200, []string{"old.example.org", `name="sort" value="-cves"`}},
		{"/hosts?sort=bogus", 400, []string{"sort must be one of"}},
		{"/hosts?cve=CVE-2023-0286", 200, []string{"old.example.org", `<span class="count">1</span>`}},
		{"/hosts/old.example.org", 200, []string{"CVE-2023-0286", "1.1.1n-0&#43;deb11u4", "5</strong> CVEs", `href="/api/v1/hosts/old.example.org/findings?format=csv"`, `href="/api/v1/hosts/old.example.org/packages?format=csv"`}},
		{"/hosts/wn1.example.org", 200, []string{"Not evaluated: there is no vulnerability data for <code>debian:12</code>"}},
		{"/cves/CVE-2023-0286", 200, []string{"old.example.org", "DSA-5343-1", "debian:11"}},
		{"/cves/CVE-1999-0001", 404, []string{"Nothing is known of CVE-1999-0001."}},
		{"/cves/bad%3Cid", 400, []string{"Not a CVE"}},
		{"/sources", 200, []string{"debian", "debian:11", "DSA-5343-1.txt"}},
		{"/hosts?site=SITE-A", 200, []string{"wn1.example.org", `<option value="SITE-A" selected>`}},
		{"/hosts?q=nothing", 200, []string{"No host matches"}},
		{"/hosts/wn1.example.org", 200, []string{"libc6", "deb12u8", "Debian GNU/Linux 12", "Report history"}},
		{"/hosts/nope", 404, []string{"No host is named nope."}},
		{"/hosts?limit=abc", 400, []string{"limit must be a whole number"}},
		{"/static/style.css", 200, []string{"table.list"}},
	}
	for _, tt := range tests {
		code, _, body := get(t, srv.URL+tt.path)
		if code != tt.wantCode {
			t.Errorf("%s: %d, want %d", tt.path, code, tt.wantCode)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %q in page", tt.path, w)
			}
		}
	}
	if code, _, _ := get(t, srv.URL+"/healthz"); code != 200 {
		t.Errorf("healthz %d", code)
	}
}

func TestAPIFindingsAndCVE(t *testing.T) {
	srv := newTestServer(t)
	code, _, body := get(t, srv.URL+"/api/v1/hosts/old.example.org")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var d struct {
		Findings []map[string]any `json:"findings"`
	}
	json.Unmarshal([]byte(body), &d)
	if len(d.Findings) != 5 {
		t.Fatalf("%d findings, want the 5 CVEs of DSA-5343-1", len(d.Findings))
	}
	f := d.Findings[0]
	for k, want := range map[string]any{"cve": "CVE-2022-2097", "package": "openssl", "installed": "1.1.1n-0+deb11u3",
		"fixed": "1.1.1n-0+deb11u4", "status": "open", "vendor_status": "fixed", "advisory": "DSA-5343-1", "source": "debian-dsa",
		"source_package": "openssl", "basis": "binary-name"} {
		if f[k] != want {
			t.Errorf("finding %s = %v, want %v", k, f[k], want)
		}
	}
	code, _, body = get(t, srv.URL+"/api/v1/cves/CVE-2023-0286")
	var c struct {
		ID    string
		Hosts []map[string]any
	}
	json.Unmarshal([]byte(body), &c)
	if code != 200 || c.ID != "CVE-2023-0286" || len(c.Hosts) != 1 || c.Hosts[0]["hostname"] != "old.example.org" {
		t.Errorf("cve API: %d %s", code, body)
	}
	code, _, body = get(t, srv.URL+"/api/v1/sources")
	if code != 200 || !strings.Contains(body, `"records": 5`) {
		t.Errorf("sources API: %d %s", code, body)
	}
}

func TestReadyz(t *testing.T) {
	st, err := store.Open(context.Background(), testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := time.Now()
	st.SetCoverage(store.CoverageConfig{Now: func() time.Time { return now }})
	h, err := New(Config{Store: st, Feed: intake.New(st, nil, log), Log: log, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	if code, _, body := get(t, srv.URL+"/readyz"); code != 503 || !strings.Contains(body, "no vulnerability data") {
		t.Errorf("empty: %d %s", code, body)
	}
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(), Log: log, Now: time.Now}
	if _, err := im.Import(context.Background(), "debian", []string{"testdata/DSA-5343-1.txt"}, false); err != nil {
		t.Fatal(err)
	}
	if code, _, body := get(t, srv.URL+"/readyz"); code != 200 {
		t.Errorf("loaded: %d %s", code, body)
	}
	now = now.Add(49 * time.Hour) // the fake clock moves; nothing re-checked the source
	if code, _, body := get(t, srv.URL+"/readyz"); code != 503 || !strings.Contains(body, "source debian is stale: last checked") {
		t.Errorf("stale: %d %s", code, body)
	}
	im.Now = func() time.Time { return now }
	if _, err := im.Import(context.Background(), "debian", []string{"testdata/DSA-5343-1.txt"}, true); err != nil {
		t.Fatal(err)
	}
	if code, _, body := get(t, srv.URL+"/readyz"); code != 200 {
		t.Errorf("checked again: %d %s", code, body)
	}
	// A fetch that fails shows until an import succeeds.
	if _, err := im.Import(context.Background(), "debian", []string{"testdata/no-such-file"}, false); err == nil {
		t.Fatal("importing a missing file did not fail")
	}
	if code, _, body := get(t, srv.URL+"/readyz"); code != 503 || !strings.Contains(body, "source debian is failing: the import of") ||
		!strings.Contains(body, "no-such-file") {
		t.Errorf("failing: %d %s", code, body)
	}
	if code, _, body := get(t, srv.URL+"/sources"); code != 200 || !strings.Contains(body, "no-such-file") {
		t.Errorf("the sources page does not show the failed import: %d %s", code, body)
	}
}
