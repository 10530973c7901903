package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/store"
)

// access is what a route's matrix entry checks for each user of the
// federation (access_test.go).
type access int

const (
	// seesExactly: the hosts read from the answer are the user's.
	seesExactly access = iota
	// seesCount: the answer counts the user's hosts (hosts is a count
	// reader: everyHost[:n]) and names no other host or site.
	seesCount
	// namesNone: the answer names no host or site outside the user's.
	namesNone
	// perHost: the path holds {hostname}; a host of the user's is 200 and
	// names no other, any other host is 404 (it does not exist).
	perHost
	// perSite: the same with {site}.
	perSite
	// adminRoute: 403 to everyone but an admin (who gets 200 on a GET; a
	// POST, PUT or DELETE is not sent as the admin, TestAdminForms does).
	adminRoute
	// allSitesRoute: admins and CSIRT members (who see every site), 403 to
	// viewers (/metrics labels series with every site's name).
	allSitesRoute
)

// routeCase is one request of the route matrix.
type routeCase struct {
	method, path string
	check        access
	hosts        func(*testing.T, string) []string // seesExactly, seesCount
}

// routeMatrix is every page, API call and export of the server, with the
// check of each for every user. TestAccessEveryRoute fails when a route
// the server registers is neither here nor in publicRoutes: a new page
// cannot forget access.
var routeMatrix = []routeCase{
	// Hosts: lists, search, exports, details, history.
	{"GET", "/hosts", seesExactly, namedHosts},
	{"GET", "/hosts?q=wn&sort=site", seesExactly, namedHosts},
	{"GET", "/hosts/{hostname}", perHost, nil},
	{"GET", "/api/v1/hosts", seesExactly, jsonHosts("hosts")},
	{"GET", "/api/v1/hosts?q=example", seesExactly, jsonHosts("hosts")},
	{"GET", "/api/v1/hosts?format=csv", seesExactly, csvHosts},
	{"GET", "/api/v1/hosts/{hostname}", perHost, nil},
	{"GET", "/api/v1/hosts/{hostname}?history=1", perHost, nil},
	{"GET", "/api/v1/hosts/{hostname}/history", perHost, nil},
	{"GET", "/api/v1/hosts/{hostname}/changes", perHost, nil},
	{"GET", "/api/v1/hosts/{hostname}/changes?format=csv", perHost, nil},
	{"GET", "/api/v1/hosts/{hostname}/packages", perHost, nil},
	{"GET", "/api/v1/hosts/{hostname}/packages?format=csv", perHost, nil},
	{"GET", "/api/v1/hosts/{hostname}/findings", perHost, nil},
	{"GET", "/api/v1/hosts/{hostname}/findings?format=csv", perHost, nil},
	{"GET", "/hosts/{hostname}?tagged=1", perHost, nil},
	{"GET", "/api/v1/hosts/{hostname}/findings?tagged=1&format=csv", perHost, nil},
	// Sites: lists with their counts, pages, history.
	{"GET", "/sites", namesNone, nil},
	{"GET", "/sites/{site}", perSite, nil},
	{"GET", "/api/v1/sites", seesExactly, sitesHosts},
	{"GET", "/api/v1/sites?format=csv", seesExactly, csvSitesHosts},
	{"GET", "/api/v1/sites/{site}", perSite, nil},
	{"GET", "/api/v1/sites/{site}/history", perSite, nil},
	// Counts and plots.
	{"GET", "/", namesNone, nil},
	{"GET", "/api/v1/dashboard", seesCount, dashboardHosts},
	{"GET", "/stats", namesNone, nil},
	{"GET", "/api/v1/stats", seesCount, statsHosts},
	// Vulnerabilities, CVEs, advisories, packages, OSes.
	{"GET", "/cves", namesNone, nil},
	{"GET", "/api/v1/cves", seesCount, vulnHosts},
	{"GET", "/api/v1/cves?format=csv", namesNone, nil},
	{"GET", "/cves/CVE-2023-0286", seesExactly, namedHosts},
	{"GET", "/api/v1/cves/CVE-2023-0286", seesExactly, jsonHosts("hosts")},
	{"GET", "/api/v1/cves/CVE-2023-0286?format=csv", seesExactly, csvHosts},
	{"GET", "/advisories/DSA-5343-1", seesExactly, namedHosts},
	{"GET", "/api/v1/advisories/DSA-5343-1", seesExactly, jsonHosts("hosts")},
	{"GET", "/api/v1/advisories/DSA-5343-1?format=csv", namesNone, nil},
	{"GET", "/packages?name=openssl", seesExactly, namedHosts},
	{"GET", "/api/v1/packages?name=openssl", seesExactly, jsonHosts("matches")},
	{"GET", "/api/v1/packages?name=open*&format=csv", seesExactly, csvColumn("hostname")},
	{"GET", "/oses", namesNone, nil},
	{"GET", "/api/v1/oses", seesCount, osesHosts},
	{"GET", "/api/v1/oses?format=csv", namesNone, nil},
	{"GET", "/api/v1/cve-suggestions?q=CVE-2023", namesNone, nil}, // which ids: TestCVESuggestionsScope
	// Data sources, CVE tags, exceptions, OS rules: no host, but an
	// exception of a host or site names it.
	{"GET", "/sources", namesNone, nil},
	{"GET", "/api/v1/sources", namesNone, nil},
	{"GET", "/api/v1/sources?format=csv", namesNone, nil},
	{"GET", "/tags", namesNone, nil},
	{"GET", "/api/v1/tags", namesNone, nil},
	{"GET", "/api/v1/tags?format=csv", namesNone, nil},
	{"GET", "/exceptions", namesNone, nil},
	{"GET", "/api/v1/exceptions", namesNone, nil},
	{"GET", "/api/v1/exceptions?format=csv", namesNone, nil},
	{"GET", "/os-rules", namesNone, nil},
	{"GET", "/api/v1/os-rules", namesNone, nil},
	{"GET", "/api/v1/os-rules/{id}", namesNone, nil},
	{"GET", "/api/v1/me", namesNone, nil},
	// Pakiti 3's old API (CSV and XML), at both its paths.
	{"GET", "/api/hosts.php", seesExactly, csvColumn("host")},
	{"GET", "/pakiti/api/hosts.php", seesExactly, csvColumn("host")},
	{"GET", "/api/cve.php?cve=CVE-2023-0286", namesNone, nil},
	{"GET", "/pakiti/api/cve.php?cve=CVE-2023-0286", namesNone, nil},
	{"GET", "/api/exportCvesTags.php", namesNone, nil},
	{"GET", "/pakiti/api/exportCvesTags.php", namesNone, nil},
	{"GET", "/api/exportCvesExceptions.php", namesNone, nil},
	{"GET", "/pakiti/api/exportCvesExceptions.php", namesNone, nil},
	// Metrics: every site's series.
	{"GET", "/metrics", allSitesRoute, nil},
	// Administration: users, grants, tokens, sites, hosts, tags,
	// exceptions, OS rules, the audit log.
	{"GET", "/admin/users", adminRoute, nil},
	{"GET", "/admin/sites", adminRoute, nil},
	{"GET", "/admin/hosts/{hostname}/delete", adminRoute, nil},
	{"GET", "/audit", adminRoute, nil},
	{"GET", "/api/v1/audit", adminRoute, nil},
	{"POST", "/admin/users/add", adminRoute, nil},
	{"POST", "/admin/users/disable", adminRoute, nil},
	{"POST", "/admin/users/delete", adminRoute, nil},
	{"POST", "/admin/users/password", adminRoute, nil},
	{"POST", "/admin/tokens/add", adminRoute, nil},
	{"POST", "/admin/tokens/revoke", adminRoute, nil},
	{"POST", "/admin/grants/add", adminRoute, nil},
	{"POST", "/admin/grants/revoke", adminRoute, nil},
	{"POST", "/admin/sites/add", adminRoute, nil},
	{"POST", "/admin/groups/set", adminRoute, nil},
	{"POST", "/admin/sites/token", adminRoute, nil},
	{"POST", "/admin/sites/cert/add", adminRoute, nil},
	{"POST", "/admin/sites/cert/remove", adminRoute, nil},
	{"POST", "/admin/hosts/{hostname}/delete", adminRoute, nil},
	{"POST", "/admin/tags/add", adminRoute, nil},
	{"POST", "/admin/tags/remove", adminRoute, nil},
	{"POST", "/admin/tags/enable", adminRoute, nil},
	{"POST", "/admin/tags/import", adminRoute, nil},
	{"POST", "/admin/exceptions/add", adminRoute, nil},
	{"POST", "/admin/exceptions/remove", adminRoute, nil},
	{"POST", "/sites/{site}", adminRoute, nil},
	{"POST", "/api/v1/os-rules", adminRoute, nil},
	{"PUT", "/api/v1/os-rules/{id}", adminRoute, nil},
	{"DELETE", "/api/v1/os-rules/{id}", adminRoute, nil},
}

// publicRoutes are the routes that answer without an identity, and why
// each may. TestAccessPublicRoutes checks they name no host.
var publicRoutes = map[string]string{
	"/feed/":                   "the feed: reports prove themselves to auth.FeedGuard (tokens, networks, certificates), not as users",
	"/feed":                    "the feed (as /feed/)",
	"/pakiti/feed/":            "the feed at Pakiti 3's path (as /feed/)",
	"/pakiti/feed":             "the feed at Pakiti 3's path (as /feed/)",
	"GET /login":               "the login form",
	"POST /login":              "checks the password it is sent",
	"POST /logout":             "ends the caller's own session",
	"GET /auth/oidc/login":     "starts the OpenID Connect login",
	"GET /auth/oidc/callback":  "ends it: the provider's signed answer identifies the user",
	"GET /healthz":             "a load balancer's probe: whether a report would be stored; names no host",
	"GET /readyz":              "a monitor's probe: whether the data sources are current; names no host",
	"GET /api/v1/openapi.json": "the API's description, the same for everyone",
	"GET /static/":             "style sheet and scripts",
}

// TestAccessEveryRoute: every route the server registers (read from its
// mux, with OpenID Connect on so its routes are registered too) is in
// routeMatrix or publicRoutes, and each of those is a route.
func TestAccessEveryRoute(t *testing.T) {
	fs, _ := newOIDCServer(t)
	covered := matrixPatterns(t, fs.routes)
	for _, r := range fs.routes {
		if _, ok := publicRoutes[r]; !ok && !covered[r] {
			t.Errorf("route %q is in no access test: add it to routeMatrix (access_routes_test.go) or, with a reason, to publicRoutes", r)
		}
	}
	for r := range publicRoutes {
		if !slices.Contains(fs.routes, r) {
			t.Errorf("publicRoutes lists %q, which the server does not register", r)
		}
		if covered[r] {
			t.Errorf("%q is both public and in routeMatrix", r)
		}
	}
	for r := range covered {
		if !slices.Contains(fs.routes, r) {
			t.Errorf("routeMatrix requests %q, which the server does not register", r)
		}
	}
}

// matrixPatterns are the route patterns routeMatrix's requests reach,
// as the server's mux (its registered patterns) routes them.
func matrixPatterns(t *testing.T, routes []string) map[string]bool {
	t.Helper()
	mux := http.NewServeMux()
	for _, r := range routes {
		mux.Handle(r, http.NotFoundHandler())
	}
	out := map[string]bool{}
	for _, c := range routeMatrix {
		p := strings.NewReplacer("{hostname}", "wn.fzu.example.org", "{site}", "FZU", "{id}", "1").Replace(c.path)
		_, pattern := mux.Handler(httptest.NewRequest(c.method, p, nil))
		if pattern == "" {
			t.Errorf("%s %s reaches no route", c.method, c.path)
			continue
		}
		out[pattern] = true
	}
	return out
}

// TestAccessRoutes: for every user of the federation and every route of
// routeMatrix, the answer shows the user's hosts and sites and none
// other; admin routes refuse everyone else; nothing is changed by a
// refused form. Each host and site has an exception naming it, so a
// listing of exceptions that ignores the scope is seen.
func TestAccessRoutes(t *testing.T) {
	fs := newFedServer(t)
	ctx := context.Background()
	now := time.Now().UTC()
	// Exceptions of a CVE the hosts do not have (CVE-2022-0778 is fixed in
	// bullseye's 1.1.1n, before 1.1.1n-0+deb11u3), so no finding changes:
	// constructed records, only their names matter here.
	for h, site := range fedHosts {
		for _, e := range []store.Exception{
			{CVE: "CVE-2022-0778", Package: "openssl", ScopeKind: store.ScopeHost, Scope: h},
			{CVE: "CVE-2022-0778", Package: "openssl", ScopeKind: store.ScopeSite, Scope: site},
			// Of the hosts' CVE-2023-0286 but of a version no host has:
			// listed on its CVE page (in scope only), covering nothing.
			{CVE: "CVE-2023-0286", Package: "openssl", Version: "1.1.1n-0+deb11u3+rebuilt", ScopeKind: store.ScopeHost, Scope: h},
			{CVE: "CVE-2023-0286", Package: "openssl", Version: "1.1.1n-0+deb11u3+rebuilt", ScopeKind: store.ScopeSite, Scope: site},
		} {
			e.Reason, e.Author, e.CreatedAt = "access matrix", "root", now
			if _, err := fs.st.PutException(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	// hosts.php lists tagged CVEs only.
	if err := fs.st.PutTag(ctx, store.CVETag{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Reason: "X.400",
		Enabled: true, Author: "csirt", ModifiedAt: now}); err != nil {
		t.Fatal(err)
	}
	rule, err := fs.st.AddOSRule(ctx, store.OSRule{Pattern: "^Access Matrix Linux 1$", Group: "debian:11"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.st.SnapshotExposure(ctx, now); err != nil {
		t.Fatal(err)
	}
	for _, u := range fedUsers {
		t.Run(u.name, func(t *testing.T) {
			hidden := hiddenNames(u)
			for _, c := range routeMatrix {
				for _, p := range expand(c.path, rule.ID) {
					fs.checkRoute(t, u, c, p, hidden)
				}
			}
		})
	}
	// The refused forms changed nothing: every host, user and grant is
	// still there.
	for _, h := range everyHost {
		if code, _ := fs.as(t, "root", "/api/v1/hosts/"+h); code != http.StatusOK {
			t.Errorf("host %s: %d after the refused forms", h, code)
		}
	}
	for _, u := range fedUsers {
		var m me
		code, body := fs.as(t, u.name, "/api/v1/me")
		want := slices.Sorted(slices.Values(u.grants))
		if err := json.Unmarshal([]byte(body), &m); code != http.StatusOK || err != nil || !slices.Equal(m.Grants, want) && len(want) > 0 {
			t.Errorf("%s after the refused forms: %d %v %s", u.name, code, err, body)
		}
	}
}

// path is one concrete request of a routeCase, and for perHost and
// perSite the host or site it names.
type path struct{ url, host, site string }

// expand fills a routeCase's wildcards: every host, every site, the OS
// rule's id.
func expand(p string, rule int64) []path {
	p = strings.ReplaceAll(p, "{id}", strconvI(rule))
	switch {
	case strings.Contains(p, "{hostname}"):
		var out []path
		for _, h := range everyHost {
			out = append(out, path{url: strings.ReplaceAll(p, "{hostname}", url.PathEscape(h)), host: h})
		}
		return out
	case strings.Contains(p, "{site}"):
		var out []path
		for h, s := range fedHosts {
			out = append(out, path{url: strings.ReplaceAll(p, "{site}", url.PathEscape(s)), host: h, site: s})
		}
		return out
	}
	return []path{{url: p}}
}

func strconvI(n int64) string { b, _ := json.Marshal(n); return string(b) }

// hiddenNames are the hosts and sites user u must never see named.
func hiddenNames(u fedUser) []string {
	var hidden []string
	for _, h := range everyHost {
		if !slices.Contains(u.sees, h) {
			hidden = append(hidden, h, fedHosts[h])
		}
	}
	return hidden
}

// checkRoute sends one request of the matrix as user u and checks it.
func (fs *fedServer) checkRoute(t *testing.T, u fedUser, c routeCase, p path, hidden []string) {
	t.Helper()
	hd := map[string]string{"Authorization": "Bearer " + fs.tokens[u.name]}
	if c.method != "GET" && c.check == adminRoute {
		if u.role == store.RoleAdmin {
			return // TestAdminForms sends them
		}
		hd["Content-Type"] = "application/x-www-form-urlencoded"
	}
	body := ""
	if c.method != "GET" {
		// What each form needs to act, so that a refusal is the
		// refusal of the user, not of an empty form.
		body = "name=intruder&role=admin&password=intruder-password-1&user=fzu&grant=EGI&site=FZU&group=EGI" +
			"&cve=CVE-2023-0286&package=openssl&tag=X&scope_kind=all&id=1&pattern=x&os_group=debian:11&confirm=" + url.QueryEscape(p.host)
	}
	code, _, got := fs.call(t, c.method, p.url, hd, strings.NewReader(body))
	want := http.StatusOK
	switch c.check {
	case perHost, perSite:
		if !slices.Contains(u.sees, p.host) {
			want = http.StatusNotFound
		}
	case adminRoute:
		if u.role != store.RoleAdmin {
			want = http.StatusForbidden
		}
	case allSitesRoute:
		if u.role != store.RoleAdmin && u.role != store.RoleCSIRT {
			want = http.StatusForbidden
		}
	}
	if code != want {
		t.Errorf("%s %s: %d, want %d (%.200s)", c.method, p.url, code, want, got)
		return
	}
	if code == http.StatusNotFound {
		// The answer for a host or site outside the scope is the answer
		// for one that does not exist: it echoes the name asked for,
		// and says nothing more.
		name, fake := p.host, "nosuch.example.org"
		if c.check == perSite {
			name, fake = p.site, "NO-SUCH-SITE"
		}
		_, _, none := fs.call(t, c.method, strings.ReplaceAll(p.url, url.PathEscape(name), fake), hd, nil)
		if strings.ReplaceAll(got, name, fake) != none {
			t.Errorf("%s %s: its 404 differs from a missing one's:\n%s\n%s", c.method, p.url, got, none)
		}
		return
	}
	for _, name := range hidden {
		if strings.Contains(got, name) && !slices.Contains(u.grants, name) {
			t.Errorf("%s %s names %q, outside %s's sites", c.method, p.url, name, u.name)
		}
	}
	switch c.check {
	case seesExactly, seesCount:
		want := u.sees
		if c.check == seesCount {
			want = everyHost[:len(u.sees)]
		}
		shown := c.hosts(t, got)
		slices.Sort(shown)
		if diff := cmp.Diff(want, shown); diff != "" {
			t.Errorf("%s shows (-want +got):\n%s", p.url, diff)
		}
	}
}

// csvSitesHosts reads the sites CSV as the hosts of its sites.
func csvSitesHosts(t *testing.T, body string) []string {
	t.Helper()
	out := []string{}
	for _, site := range csvColumn("site")(t, body) {
		for h, s := range fedHosts {
			if s == site {
				out = append(out, h)
			}
		}
	}
	return out
}

// dashboardHosts reads the dashboard's host total as a count.
func dashboardHosts(t *testing.T, body string) []string {
	t.Helper()
	var d Dashboard
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if d.Totals.Exposed != d.Totals.Hosts {
		t.Errorf("dashboard: %d hosts, %d exposed; every host is exposed", d.Totals.Hosts, d.Totals.Exposed)
	}
	return everyHost[:d.Totals.Hosts]
}

// statsHosts reads /api/v1/stats' host count.
func statsHosts(t *testing.T, body string) []string {
	t.Helper()
	var st StatsAnswer
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if st.Sites != st.Hosts {
		t.Errorf("stats: %d hosts in %d sites; one host per site", st.Hosts, st.Sites)
	}
	return everyHost[:st.Hosts]
}

// TestAccessPublicRoutes: the public routes answer an anonymous caller
// (no 401, no redirect to the login page) and name no host or site.
func TestAccessPublicRoutes(t *testing.T) {
	fs, _ := newOIDCServer(t)
	for r := range publicRoutes {
		method, p, ok := strings.Cut(r, " ")
		if !ok {
			method, p = "POST", r // the feed: an empty report
		}
		if p == "/static/" {
			p += "style.css"
		}
		code, hd, body := fs.call(t, method, p, nil, nil)
		// Logging in without a password is refused, logging out goes
		// to the login page: their own answers, not the middleware's.
		own := r == "POST /login" && code == http.StatusUnauthorized || r == "POST /logout" && code == http.StatusSeeOther
		if !own && (code == http.StatusUnauthorized || strings.HasPrefix(hd.Get("Location"), "/login")) {
			t.Errorf("%s: %d to %q, want an answer to anyone", r, code, hd.Get("Location"))
		}
		for _, name := range hiddenNames(fedUser{}) {
			if strings.Contains(body, name) {
				t.Errorf("%s names %q to an anonymous caller", r, name)
			}
		}
	}
}

// TestAccessCaches: with the dashboard cache on, users of different
// scopes asking in turn each get their own numbers, never another's
// cached answer (the dashboard, sites and stats caches, the
// vulnerabilities listing's per-target cache).
func TestAccessCaches(t *testing.T) {
	fs := newFedServerWith(t, func(c *Config) { c.DashboardCache = time.Hour })
	if _, err := fs.st.SnapshotExposure(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	cases := []routeCase{
		{"GET", "/api/v1/dashboard", seesCount, dashboardHosts},
		{"GET", "/api/v1/stats", seesCount, statsHosts},
		{"GET", "/api/v1/sites", seesExactly, sitesHosts},
		{"GET", "/api/v1/cves", seesCount, vulnHosts},
		{"GET", "/api/v1/oses", seesCount, osesHosts},
		{"GET", "/", namesNone, nil},
		{"GET", "/sites", namesNone, nil},
		{"GET", "/stats", namesNone, nil},
		{"GET", "/cves", namesNone, nil},
	}
	users := map[string]fedUser{}
	for _, u := range fedUsers {
		users[u.name] = u
	}
	// The widest scope first, then narrower ones, then the widest again;
	// and two users of the same sites but different grants.
	for _, name := range []string{"csirt", "fzu", "ngi-de", "nobody", "root", "two-sites", "ngi-cz", "egi-csirt", "csirt", "fzu"} {
		u := users[name]
		for _, c := range cases {
			fs.checkRoute(t, u, c, path{url: c.path}, hiddenNames(u))
		}
	}
}
