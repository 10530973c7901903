package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/metrics"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// The federation of the access tests: EGI with two NGIs of two sites
// each, and a site in no NGI; one host per site. Every host runs openssl
// 1.1.1n-0+deb11u3 on Debian 11, which DSA-5343-1 fixes ("[bullseye] -
// openssl 1.1.1n-0+deb11u4", testdata/DSA-5343-1.txt), so every host has
// an open finding of CVE-2023-0286 and shows on that CVE's page.
var (
	fedSites = map[string]string{ // site -> NGI
		"prague_lcg2": "NGI_CZ", "FZU": "NGI_CZ", "GSI-LCG2": "NGI_DE", "DESY-HH": "NGI_DE", "ORPHAN-SITE": "",
	}
	fedHosts = map[string]string{ // host -> site
		"wn.prague.example.org": "prague_lcg2", "wn.fzu.example.org": "FZU", "wn.gsi.example.org": "GSI-LCG2",
		"wn.desy.example.org": "DESY-HH", "wn.orphan.example.org": "ORPHAN-SITE",
	}
	everyHost = []string{"wn.desy.example.org", "wn.fzu.example.org", "wn.gsi.example.org", "wn.orphan.example.org", "wn.prague.example.org"}
)

// fedUser is a user of the access tests and the hosts it must see,
// written by hand from its grants and the hierarchy above.
type fedUser struct {
	name, role string
	grants     []string
	sees       []string // sorted
}

var fedUsers = []fedUser{
	{"root", store.RoleAdmin, nil, everyHost},
	{"csirt", store.RoleCSIRT, nil, everyHost},
	{"egi-csirt", store.RoleViewer, []string{"EGI"}, []string{"wn.desy.example.org", "wn.fzu.example.org", "wn.gsi.example.org", "wn.prague.example.org"}},
	{"ngi-cz", store.RoleViewer, []string{"NGI_CZ"}, []string{"wn.fzu.example.org", "wn.prague.example.org"}},
	{"ngi-de", store.RoleViewer, []string{"NGI_DE"}, []string{"wn.desy.example.org", "wn.gsi.example.org"}},
	{"fzu", store.RoleViewer, []string{"FZU"}, []string{"wn.fzu.example.org"}},
	{"two-sites", store.RoleViewer, []string{"FZU", "DESY-HH"}, []string{"wn.desy.example.org", "wn.fzu.example.org"}},
	{"nobody", store.RoleViewer, nil, []string{}},
}

// fedServer is a server with authentication on (local users and the
// header of a proxy on loopback), seeded with the federation.
type fedServer struct {
	srv    *httptest.Server
	st     *store.Store
	tokens map[string]string // user -> API token
	routes []string          // every pattern the server registered
}

// withModes sets the server's auth modes (default local).
func withModes(m ...auth.Mode) func(*auth.Config) { return func(c *auth.Config) { c.Modes = m } }

func newFedServer(t *testing.T, opts ...func(*auth.Config)) *fedServer {
	t.Helper()
	return newFedServerWith(t, nil, opts...)
}

// newFedServerWith is newFedServer with web, when not nil, changing the
// server's Config (a dashboard cache...).
func newFedServerWith(t *testing.T, web func(*Config), opts ...func(*auth.Config)) *fedServer {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Sites and hosts first: a report for a site makes the site.
	feed := intake.New(st, match.New(st, drivers.Registry(), log), log)
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(),
		Eval: match.New(st, drivers.Registry(), log), Log: log, Now: time.Now}
	if _, err := im.Import(ctx, "debian", []string{"testdata/DSA-5343-1.txt"}, false); err != nil {
		t.Fatal(err)
	}
	for host, site := range fedHosts {
		rep := "#\nhost: " + host + "\nkernel: 5.10.0-20-amd64\nsite: " + site +
			"\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u3\tamd64\n#\n"
		rec := httptest.NewRecorder()
		feed.ServeHTTP(rec, httptest.NewRequest("POST", "/feed/?protocol=5", strings.NewReader(rep)))
		if rec.Body.String() != "OK\n" {
			t.Fatalf("feed %s: %s", host, rec.Body)
		}
	}
	must(st.SetGroup(ctx, "NGI_CZ", "EGI", store.OriginLocal))
	must(st.SetGroup(ctx, "NGI_DE", "EGI", store.OriginLocal))
	for site, ngi := range fedSites {
		must(st.AddSite(ctx, site, ngi, nil))
	}
	fs := &fedServer{st: st, tokens: map[string]string{}}
	for _, u := range fedUsers {
		hash, err := auth.HashPassword("password of " + u.name)
		must(err)
		must(st.AddUser(ctx, store.User{Name: u.name, Role: u.role, DN: "/DC=org/DC=example/CN=" + u.name}, hash))
		for _, g := range u.grants {
			must(st.Grant(ctx, u.name, g, store.OriginLocal))
		}
		tok, th := auth.NewToken(auth.APITokenPrefix)
		_, err = st.AddAPIToken(ctx, u.name, th, time.Time{})
		must(err)
		fs.tokens[u.name] = tok
	}
	// The server's address is known before its handler (OIDC needs it).
	fs.srv = httptest.NewUnstartedServer(nil)
	t.Cleanup(fs.srv.Close)
	base := "http://" + fs.srv.Listener.Addr().String()
	cfg := auth.Config{Store: st, Modes: []auth.Mode{auth.Local}, Header: "X-Remote-User",
		TrustedProxies: trustedLoopback(), Log: log}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.OIDC != nil {
		cfg.OIDC.RedirectURL = base + "/auth/oidc/callback"
	}
	a, err := auth.New(ctx, cfg)
	must(err)
	// Metrics on, as pakiti serve has them: /metrics is in the access
	// tests (metrics_test.go).
	// The CVE tags and exceptions as pakiti serve applies them: a live
	// policy, re-read after an admin form changed them; here the hosts
	// are written again at once (serve's evaluate job does it).
	live := store.NewLivePolicy(st, time.Hour, nil, nil)
	st.SetPolicy(live)
	evaluator := match.New(st, drivers.Registry(), log)
	policyChanged := func(ctx context.Context) {
		live.Refresh()
		if _, err := evaluator.EvaluateHosts(ctx, nil); err != nil {
			t.Errorf("evaluate after a policy change: %v", err)
		}
	}
	wc := Config{Store: st, Feed: feed, Log: log, Auth: a, Metrics: metrics.New(metrics.Config{Store: st, Log: log}),
		PolicyChanged: policyChanged, routes: &fs.routes}
	if web != nil {
		web(&wc)
	}
	h, err := New(wc)
	must(err)
	fs.srv.Config.Handler = h
	fs.srv.Start()
	return fs
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// call sends a request with the headers in hd.
func (fs *fedServer) call(t *testing.T, method, path string, hd map[string]string, body io.Reader) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, fs.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hd {
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func (fs *fedServer) as(t *testing.T, user, path string) (int, string) {
	t.Helper()
	code, _, body := fs.call(t, "GET", path, map[string]string{"Authorization": "Bearer " + fs.tokens[user]}, nil)
	return code, body
}

// surface is one page, API call or export, and how to read the hosts it
// shows.
type surface struct {
	path  string
	hosts func(t *testing.T, body string) []string
}

func jsonHosts(field string) func(*testing.T, string) []string {
	return func(t *testing.T, body string) []string {
		t.Helper()
		var v map[string]json.RawMessage
		var hosts []map[string]any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatalf("%v: %.200s", err, body)
		}
		if err := json.Unmarshal(v[field], &hosts); err != nil {
			t.Fatalf("%s: %v: %.200s", field, err, body)
		}
		out := []string{}
		for _, h := range hosts {
			out = append(out, h["hostname"].(string))
		}
		return out
	}
}

func csvHosts(t *testing.T, body string) []string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) == 0 || rows[0][0] != "hostname" {
		t.Fatalf("csv: %v %.200s", err, body)
	}
	out := []string{}
	for _, r := range rows[1:] {
		out = append(out, r[0])
	}
	return out
}

// namedHosts are the federation's hosts whose names the body holds.
func namedHosts(_ *testing.T, body string) []string {
	out := []string{}
	for _, h := range everyHost {
		if strings.Contains(body, h) {
			out = append(out, h)
		}
	}
	return out
}

func sitesHosts(t *testing.T, body string) []string {
	t.Helper()
	var v struct {
		Sites []store.SiteCount `json:"sites"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, s := range v.Sites {
		for h, site := range fedHosts {
			if site == s.Name && s.Hosts == 1 {
				out = append(out, h)
			}
		}
	}
	return out
}

// sitePeriodHosts reads the hosts a sites answer with a period says
// reported in it (each federation site has one host).
func sitePeriodHosts(t *testing.T, body string) []string {
	t.Helper()
	var v struct {
		Sites []store.SiteSummary `json:"sites"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, s := range v.Sites {
		for h, site := range fedHosts {
			if site == s.Name && s.Period != nil && s.Period.Hosts == 1 && s.Period.Reports == 1 {
				out = append(out, h)
			}
		}
	}
	return out
}

var surfaces = []surface{
	{"/api/v1/hosts", jsonHosts("hosts")},
	{"/api/v1/hosts?format=csv", csvHosts},
	{"/api/v1/hosts?q=example", jsonHosts("hosts")},                     // search
	{"/api/v1/hosts?cve=CVE-2023-0286", jsonHosts("hosts")},             // hosts of a CVE
	{"/api/v1/hosts?os_group=debian:11&sort=-cves", jsonHosts("hosts")}, // of an OS group
	{"/api/v1/hosts?site=FZU", jsonHosts("hosts")},                      // a site's: FZU's host only where FZU is seen
	{"/api/v1/hosts?inline=1&sort=-reports", jsonHosts("hosts")},        // tagged CVEs inline, by #reports
	{"/api/v1/cves/CVE-2023-0286", jsonHosts("hosts")},                  // affected hosts
	{"/api/v1/cves/CVE-2023-0286?format=csv", csvHosts},                 // their export
	{"/api/v1/sites", sitesHosts},                                       // sites with their counts
	{"/api/v1/sites?from=2000-01-01", sitePeriodHosts},                  // and their reports since 2000
	{"/api/v1/me", namedHosts},                                          // names no host
	{"/hosts", namedHosts},                                              // the listing page
	{"/hosts?q=wn&sort=site", namedHosts},                               // its search
	{"/hosts?inline=1&sort=reports", namedHosts},                        // tagged CVEs inline, by #reports
	{"/cves/CVE-2023-0286", namedHosts},                                 // a CVE's page
	{"/sources", namedHosts},                                            // names no host
	// Pages that count or list other things (hiddenOnly): they must name
	// no host or site outside the user's scope.
	{"/", namedHosts},                                        // the dashboard
	{"/api/v1/dashboard", namedHosts},                        // its API
	{"/sites", namedHosts},                                   // sites page
	{"/sites?from=2000-01-01&to=2100-01-01", namedHosts},     // with a period
	{"/stats", namedHosts},                                   // stats
	{"/api/v1/stats", namedHosts},                            //
	{"/cves", namedHosts},                                    // vulnerabilities
	{"/api/v1/cves?format=csv", namedHosts},                  //
	{"/packages?name=openssl", namedHosts},                   // package search
	{"/api/v1/packages?name=openssl&format=csv", namedHosts}, //
	{"/api/hosts.php", namedHosts},                           // Pakiti 3's old API
	{"/pakiti/api/cve.php?cve=CVE-2023-0286", namedHosts},
}

// hiddenOnly are the surfaces checked only for what they must not name.
var hiddenOnly = map[string]bool{"/": true, "/api/v1/dashboard": true, "/sites": true, "/sites?from=2000-01-01&to=2100-01-01": true, "/stats": true, "/api/v1/stats": true,
	"/cves": true, "/api/v1/cves?format=csv": true, "/packages?name=openssl": true, "/api/v1/packages?name=openssl&format=csv": true,
	"/api/hosts.php": true, "/pakiti/api/cve.php?cve=CVE-2023-0286": true}

// TestAccessMatrix: for every role and grant, every page, API call and
// export shows exactly the hosts of the user's sites (no cross-site leak
// through lists, details, CVE pages, search, CSV, counts or history), on
// the store's scope.
func TestAccessMatrix(t *testing.T) {
	fs := newFedServer(t)
	for _, u := range fedUsers {
		t.Run(u.name, func(t *testing.T) {
			// The hosts and site names this user must never see.
			var hidden []string
			for _, h := range everyHost {
				if !slices.Contains(u.sees, h) {
					hidden = append(hidden, h, fedHosts[h])
				}
			}
			for _, s := range surfaces {
				code, body := fs.as(t, u.name, s.path)
				if code != http.StatusOK {
					t.Errorf("%s: %d %.200s", s.path, code, body)
					continue
				}
				want := u.sees
				switch {
				case s.path == "/api/v1/me" || s.path == "/sources":
					want = []string{}
				case strings.Contains(s.path, "site=FZU"):
					want = []string{}
					if slices.Contains(u.sees, "wn.fzu.example.org") {
						want = []string{"wn.fzu.example.org"}
					}
				}
				got := s.hosts(t, body)
				slices.Sort(got)
				if hiddenOnly[s.path] {
					want = got // what it may name is checked below
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s shows (-want +got):\n%s", s.path, diff)
				}
				for _, name := range hidden {
					if strings.Contains(body, name) && !slices.Contains(u.grants, name) {
						t.Errorf("%s names %q, outside %s's sites", s.path, name, u.name)
					}
				}
			}
			// Counts: the listing's total is the hosts seen.
			_, body := fs.as(t, u.name, "/api/v1/hosts?limit=1")
			var list HostList
			if err := json.Unmarshal([]byte(body), &list); err != nil || list.Total != len(u.sees) {
				t.Errorf("total %d (%v), want %d", list.Total, err, len(u.sees))
			}
			// Details and history: a host outside the scope does not exist.
			for _, h := range everyHost {
				want := http.StatusNotFound
				if slices.Contains(u.sees, h) {
					want = http.StatusOK
				}
				for _, p := range []string{"/api/v1/hosts/" + h, "/api/v1/hosts/" + h + "?history=1", "/hosts/" + h} {
					if code, body := fs.as(t, u.name, p); code != want {
						t.Errorf("%s: %d, want %d (%.100s)", p, code, want, body)
					}
				}
			}
			// Admin pages are the admin's.
			for _, p := range []string{"/admin/users", "/audit", "/api/v1/audit"} {
				want := http.StatusForbidden
				if u.role == store.RoleAdmin {
					want = http.StatusOK
				}
				if code, body := fs.as(t, u.name, p); code != want {
					t.Errorf("%s: %d, want %d (%.100s)", p, code, want, body)
				}
			}
		})
	}
}

// TestAnonymous: with authentication on, an anonymous API call gets 401
// and a page redirects to the login page; public paths stay open.
func TestAnonymous(t *testing.T) {
	fs := newFedServer(t)
	for _, s := range surfaces {
		code, hd, body := fs.call(t, "GET", s.path, nil, nil)
		switch {
		case strings.HasPrefix(s.path, "/api/") || strings.HasPrefix(s.path, "/pakiti/api/"):
			if code != http.StatusUnauthorized || hd.Get("WWW-Authenticate") == "" || !strings.Contains(body, `"error"`) {
				t.Errorf("%s: %d %v %s", s.path, code, hd, body)
			}
		case code != http.StatusFound || !strings.HasPrefix(hd.Get("Location"), "/login?next="):
			t.Errorf("%s: %d to %q", s.path, code, hd.Get("Location"))
		}
		for _, h := range everyHost {
			if strings.Contains(body, h) {
				t.Errorf("%s tells an anonymous caller of %s", s.path, h)
			}
		}
	}
	// Pakiti 3's old API, called by scripts, answers 401 like ours, at
	// both its paths.
	for _, p := range []string{"/api/hosts.php", "/pakiti/api/hosts.php", "/pakiti/api/cve.php?cve=CVE-2023-0286"} {
		if code, hd, body := fs.call(t, "GET", p, nil, nil); code != http.StatusUnauthorized || hd.Get("WWW-Authenticate") == "" {
			t.Errorf("old API %s: %d %q %.100s, want 401", p, code, hd.Get("Location"), body)
		}
	}
	for _, p := range []string{"/healthz", "/login", "/static/style.css", "/api/v1/openapi.json"} {
		if code, _, _ := fs.call(t, "GET", p, nil, nil); code != http.StatusOK && code != http.StatusServiceUnavailable {
			t.Errorf("public %s: %d", p, code)
		}
	}
	// A token that is wrong, revoked or not ours is refused, not ignored.
	for _, tok := range []string{"pkt_wrong", "pkf_" + strings.Repeat("x", 43), fs.tokens["fzu"] + "x"} {
		if code, _, _ := fs.call(t, "GET", "/api/v1/hosts", map[string]string{"Authorization": "Bearer " + tok}, nil); code != http.StatusUnauthorized {
			t.Errorf("token %.8s...: %d, want 401", tok, code)
		}
	}
}

func trustedLoopback() []netip.Prefix {
	return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}
