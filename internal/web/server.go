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
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
)

// Server holds what the handlers need.
type Server struct {
	store  *store.Store
	log    *slog.Logger
	pages  *pages
	banner string
	now    func() time.Time
}

// Config wires a Server.
type Config struct {
	Store  *store.Store
	Feed   http.Handler // the /feed/ intake
	Log    *slog.Logger
	Banner string           // shown on every page (demo data)
	Now    func() time.Time // injected clock; nil is time.Now
}

// New returns the handler of the whole HTTP surface.
func New(c Config) (http.Handler, error) {
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	s := &Server{store: c.Store, log: c.Log, pages: p, banner: c.Banner, now: c.Now}
	if s.now == nil {
		s.now = time.Now
	}
	mux := http.NewServeMux()
	for _, path := range []string{"/feed/", "/feed", "/pakiti/feed/", "/pakiti/feed"} {
		mux.Handle(path, c.Feed)
	}
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	for _, r := range s.apiRoutes() {
		mux.HandleFunc("GET "+r.path, r.handler)
	}
	mux.HandleFunc("GET /api/v1/openapi.json", serveOpenAPI)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/hosts", http.StatusFound)
	})
	mux.HandleFunc("GET /hosts", s.pageHosts)
	mux.HandleFunc("GET /hosts/{hostname}", s.pageHost)
	mux.HandleFunc("GET /cves/{id}", s.pageCVE)
	mux.HandleFunc("GET /sources", s.pageSources)
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler()))
	return securityHeaders(mux), nil
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
		{"/api/v1/sites", s.apiSites},
		{"/api/v1/sites/{site}/history", s.apiSiteHistory},
		{"/api/v1/cves/{id}", s.apiCVE},
		{"/api/v1/sources", s.apiSources},
	}
}

// scope is the set of sites the caller may see. Authentication is not
// there yet, so every caller sees all; this is the one place it will change.
func scope(*http.Request) store.Scope { return store.AllSites() }

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

// readyz says whether the server can give verdicts: the database answers
// and some vulnerability data is loaded, none of it older than StaleAfter.
// A load balancer or monitor reads the 503 and its reason.
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
		if age := s.now().Sub(src.CheckedAt); age > StaleAfter {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not ready: source %s last checked %s ago (stale after %s)\n", src.Source, age.Round(time.Minute), StaleAfter)
			return
		}
	}
	w.Write([]byte("ready\n"))
}

// StaleAfter is how long a source may go unchecked before /readyz fails.
var StaleAfter = 48 * time.Hour

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
