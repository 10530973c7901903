// Package web serves everything but the feed on the one HTTP listener: the
// HTML pages, the JSON/CSV API and the health checks. Pages and API read the
// same store queries, so a listing page and its API listing always agree.
package web

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/metrics"
	"github.com/pakiti-go/pakiti/internal/osrules"
	"github.com/pakiti-go/pakiti/internal/store"
)

// Server holds what the handlers need.
type Server struct {
	store   *store.Store
	log     *slog.Logger
	pages   *pages
	banner  string
	now     func() time.Time
	osRules *osrules.Service
	auth    *auth.Auth
	// onPolicy is Config.PolicyChanged.
	onPolicy func(context.Context)
	metrics  *metrics.Metrics // nil: none (the stats page's counters since start)
	started  time.Time
	// Fleet-wide reads kept per scope (dashboard_cache.go).
	dashCache  *scopeCache[store.DashboardData]
	sitesCache *scopeCache[[]store.SiteSummary]
	statsCache *scopeCache[store.Stats]
	// saved are the hosts page's saved filters (--saved-filters).
	saved *savedFilters
	// instance names this server in exports (Pakiti 3's modifier).
	instance string
}

// Config wires a Server.
type Config struct {
	Store  *store.Store
	Feed   http.Handler // the /feed/ intake
	Log    *slog.Logger
	Banner string           // shown on every page (demo data)
	Now    func() time.Time // injected clock; nil is time.Now
	// OSRules are the OS group rules in force (/os-rules); nil: the
	// built-in ones and the database's, changes not evaluated.
	OSRules *osrules.Service
	// Auth identifies requests and gives each its scope; nil is
	// auth.NoAuth (--auth none: everyone is admin), for tests.
	Auth *auth.Auth
	// DashboardCache is how long the dashboard's, the sites listing's and
	// the stats' numbers are kept per set of sites (0: read at every
	// request).
	DashboardCache time.Duration
	// Metrics, when set, instruments every request and serves /metrics
	// to admins and CSIRT members (its fleet series read all sites).
	Metrics *metrics.Metrics
	// PolicyChanged, when set, is called after an admin form changed the
	// CVE tags or exceptions, before the answer: pakiti serve re-reads
	// them (its evaluate job then writes the hosts again).
	PolicyChanged func(context.Context)
	// SavedFilters is a JSON file of named host views shown on the hosts
	// page (SavedFilter), read again when it changes; "": none.
	SavedFilters string
	// InstanceName names this server in the tags and exceptions XML
	// exports (Pakiti 3's modifier); "": each record's author.
	InstanceName string

	// routes, when set, receives every pattern registered (the access
	// tests check each is in their matrix).
	routes *[]string
}

// New returns the handler of the whole HTTP surface.
func New(c Config) (http.Handler, error) {
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	s := &Server{store: c.Store, log: c.Log, pages: p, banner: c.Banner, now: c.Now, osRules: c.OSRules, auth: c.Auth,
		onPolicy: c.PolicyChanged, metrics: c.Metrics, started: time.Now().UTC(), dashCache: &scopeCache[store.DashboardData]{ttl: c.DashboardCache},
		sitesCache: &scopeCache[[]store.SiteSummary]{ttl: c.DashboardCache}, statsCache: &scopeCache[store.Stats]{ttl: c.DashboardCache},
		saved: newSavedFilters(c.SavedFilters, c.Log), instance: c.InstanceName}
	if s.now == nil {
		s.now = time.Now
	}
	if s.osRules == nil {
		s.osRules = osrules.New(c.Store, nil, "", nil, c.Log)
	}
	if s.auth == nil {
		s.auth = auth.NoAuth()
	}
	mux := &routeMux{ServeMux: http.NewServeMux()}
	// Forms that change state refuse cross-origin requests (the feed's
	// clients are not browsers, and it is guarded by auth.FeedGuard).
	csrf := http.NewCrossOriginProtection()
	feedPaths := []string{"/feed/", "/feed", "/pakiti/feed/", "/pakiti/feed"}
	for _, path := range feedPaths {
		mux.Handle(path, c.Feed)
		csrf.AddInsecureBypassPattern(path)
	}
	s.auth.Routes(mux)
	s.adminRoutes(mux)
	s.policyRoutes(mux)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	csvs := s.csvListings()
	for _, r := range s.apiRoutes() {
		h := r.handler
		if c, ok := csvs[r.path]; ok {
			h = csvOr(c, h)
		}
		mux.HandleFunc("GET "+r.path, withFormats(r.path, h))
	}
	s.oldAPIRoutes(mux)
	s.osRuleRoutes(mux)
	mux.HandleFunc("GET /api/v1/openapi.json", serveOpenAPI)
	mux.HandleFunc("GET /{$}", s.pageDashboard)
	mux.HandleFunc("GET /sites", s.pageSites)
	mux.HandleFunc("GET /sites/{site}", s.pageSite)
	mux.Handle("POST /sites/{site}", auth.RequireAdmin(http.HandlerFunc(s.postSiteInfo)))
	mux.HandleFunc("GET /stats", s.pageStats)
	mux.HandleFunc("GET /hosts", s.pageHosts)
	mux.HandleFunc("GET /hosts/{hostname}", s.pageHost)
	mux.HandleFunc("GET /cves/{id}", s.pageCVE)
	mux.HandleFunc("GET /cves", s.pageVulns)
	mux.HandleFunc("GET /packages", s.pagePackages)
	mux.HandleFunc("GET /sources", s.pageSources)
	mux.HandleFunc("GET /oses", s.pageOSes)
	mux.HandleFunc("GET /exceptions", s.pageExceptions)
	mux.HandleFunc("GET /advisories/{id}", s.pageAdvisory)
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler()))
	var h http.Handler = mux
	if c.Metrics != nil {
		mux.Handle("GET /metrics", requireAllSites(c.Metrics.Handler()))
		h = metrics.Routed(mux) // the route pattern, for the request metrics
	}
	if c.routes != nil {
		*c.routes = mux.patterns
	}
	h = feedFirst(h, securityHeaders(csrf.Handler(s.auth.Handler(h))))
	if c.Metrics != nil {
		h = c.Metrics.Instrument(h)
	}
	return h, nil
}

// routeMux is the server's mux, keeping the patterns registered on it.
type routeMux struct {
	*http.ServeMux
	patterns []string
}

func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (m *routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}

// apiRoute is one GET endpoint of the JSON API; openapi.json documents
// every one (a test holds them together).
type apiRoute struct {
	path    string
	handler http.HandlerFunc
}

func (s *Server) apiRoutes() []apiRoute {
	return []apiRoute{
		{"/api/v1/hosts", s.apiHosts},
		{"/api/v1/hosts/{hostname}", s.apiHost},
		{"/api/v1/hosts/{hostname}/history", s.apiHostHistory},
		{"/api/v1/hosts/{hostname}/changes", s.apiHostChanges},
		{"/api/v1/sites", s.apiSiteList},
		{"/api/v1/sites/{site}", s.apiSite},
		{"/api/v1/dashboard", s.apiDashboard},
		{"/api/v1/stats", s.apiStats},
		{"/api/v1/sites/{site}/history", s.apiSiteHistory},
		{"/api/v1/cves/{id}", s.apiCVE},
		{"/api/v1/sources", s.apiSources},
		{"/api/v1/tags", s.apiTags},
		{"/api/v1/exceptions", s.apiExceptions},
		{"/api/v1/advisories/{id}", s.apiAdvisory},
		{"/api/v1/os-rules", s.apiOSRules},
		{"/api/v1/os-rules/{id}", s.apiOSRule},
		{"/api/v1/me", s.apiMe},
		{"/api/v1/audit", s.apiAudit},
		{"/api/v1/cves", s.apiVulns},
		{"/api/v1/packages", s.apiPackages},
		{"/api/v1/hosts/{hostname}/packages", s.apiHostPackages},
		{"/api/v1/hosts/{hostname}/findings", s.apiHostFindings},
		{"/api/v1/oses", s.apiOSes},
		{"/api/v1/cve-suggestions", s.apiCVESuggestions},
	}
}

// scope is the set of sites the caller may see: the scope auth.Handler
// built from the request's identity (none: nothing).
func scope(r *http.Request) store.Scope { return auth.Scope(r) }

// requireAllSites lets only the roles that see every site (admin, csirt)
// through to h: /metrics labels series with every site's name.
func requireAllSites(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := auth.FromContext(r.Context())
		if id == nil || id.User.Role != store.RoleAdmin && id.User.Role != store.RoleCSIRT {
			http.Error(w, "metrics need the admin or csirt role", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// healthz says whether a report sent now would be stored: the database
// answers, takes a write (a probe cached for store.HealthTTL) and, on
// SQLite, is still the file the server opened. A 503 carries the reason.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.store.Health(ctx); err != nil {
		s.log.Error("health check", "error", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "unhealthy: %v\n", err)
		return
	}
	w.Write([]byte("ok\n"))
}

// readyz says whether the server can give verdicts: the database answers,
// some vulnerability data is loaded, and no source is failing (its latest
// import failed) or stale (not checked successfully within the data max
// age, store.SetCoverage). A load balancer or monitor reads the 503 and
// its reason.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	srcs, err := s.store.Sources(ctx)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch {
	case err != nil:
		s.log.Error("readiness check", "error", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready: database unavailable\n"))
		return
	case len(srcs) == 0:
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready: no vulnerability data loaded (pakiti import)\n"))
		return
	}
	for _, src := range srcs {
		if src.State != store.SourceCurrent {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not ready: source %s is %s: %s\n", src.Source, src.State, src.Reason)
			return
		}
	}
	w.Write([]byte("ready\n"))
}

// feedFirst sends the feed's requests to routed (the mux) without the
// middleware of the pages and the API: the feed reads no session or user
// (its clients prove themselves to its own guard: report tokens, client
// certificates), takes no browser form (the cross-origin check bypassed
// it already) and answers plain text with its own nosniff header. That
// is a user lookup, a cross-origin check and four headers less on each of
// a fleet's reports; the metrics still count them.
func feedFirst(routed, web http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isFeedPath(r.URL.Path) {
			routed.ServeHTTP(w, r)
			return
		}
		web.ServeHTTP(w, r)
	})
}

// isFeedPath tells whether the mux routes path to the feed.
func isFeedPath(p string) bool {
	switch p {
	case "/feed", "/pakiti/feed":
		return true
	}
	return strings.HasPrefix(p, "/feed/") || strings.HasPrefix(p, "/pakiti/feed/")
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		h.ServeHTTP(w, r)
	})
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// apiError answers {"error": msg}.
func apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// validCVE accepts CVE ids and the vendors' own ids (TEMP-..., DSA-...).
func validCVE(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
