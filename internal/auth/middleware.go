package auth

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/pakiti-go/pakiti/internal/store"
)

// Config sets up an Auth.
type Config struct {
	Store *store.Store
	Modes []Mode
	// Header mode: the header holding the user (a name or a certificate
	// DN), believed only from TrustedProxies; a client certificate
	// verified by this server's TLS is read as a DN too.
	Header         string
	TrustedProxies []netip.Prefix
	// UserCAs, when set, are the CAs of the users' client certificates: a
	// certificate TLS verified against another CA the server takes (the
	// feed's, --feed-client-ca) names no user. nil: any verified one does.
	UserCAs    *x509.CertPool
	SessionTTL time.Duration // default 12 h
	OIDC       *OIDCConfig   // with mode oidc
	Log        *slog.Logger
	Now        func() time.Time
}

// Auth identifies the requests of the web UI and the API.
type Auth struct {
	c    Config
	oidc *oidcLogin
}

// New checks c and returns its Auth.
func New(ctx context.Context, c Config) (*Auth, error) {
	if len(c.Modes) == 0 {
		c.Modes = []Mode{None}
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	a := &Auth{c: c}
	if a.has(Header) && c.Header == "" {
		return nil, errors.New("--auth header needs --auth-header NAME (e.g. X-Remote-User, or SSL_CLIENT_S_DN as the proxy sets it)")
	}
	if a.has(Header) && len(c.TrustedProxies) == 0 {
		return nil, errors.New("--auth header needs --trusted-proxy CIDR: the header is believed from those addresses only")
	}
	if a.has(OIDC) {
		if c.OIDC == nil {
			return nil, errors.New("--auth oidc needs --oidc-issuer, --oidc-client-id, --oidc-client-secret and --oidc-redirect-url")
		}
		// The provider's keys are fetched later with this context's
		// client: it lives as long as the server, each request bounded.
		o, err := newOIDC(oidc.ClientContext(ctx, &http.Client{Timeout: oidcTimeout}), c.OIDC)
		if err != nil {
			return nil, err
		}
		a.oidc = o
	}
	return a, nil
}

// NoAuth is the Auth of --auth none: every request is an admin's.
func NoAuth() *Auth {
	a, _ := New(context.Background(), Config{Modes: []Mode{None}})
	return a
}

func (a *Auth) has(m Mode) bool { return slices.Contains(a.c.Modes, m) }

// Open tells whether the server runs without authentication.
func (a *Auth) Open() bool { return a.has(None) }

// public paths need no identity: the feed (guarded by FeedGuard), health
// checks, static files, the login pages, the API's description.
func public(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/login", "/logout", "/api/v1/openapi.json", "/feed", "/pakiti/feed":
		return true
	}
	return strings.HasPrefix(path, "/static/") || strings.HasPrefix(path, "/feed/") ||
		strings.HasPrefix(path, "/pakiti/feed/") || strings.HasPrefix(path, "/auth/")
}

// Handler identifies each request to h and puts its Identity (with its
// scope) in the context; an anonymous request for anything but a public
// path gets 401 (API) or a redirect to the login page.
func (a *Auth) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, status, msg := a.identify(r)
		if id != nil {
			r = r.WithContext(WithIdentity(r.Context(), id))
		}
		switch {
		case public(r.URL.Path) || id != nil:
			h.ServeHTTP(w, r)
		case status != 0:
			a.c.Log.Warn("request refused", "path", r.URL.Path, "addr", r.RemoteAddr, "status", status, "reason", msg)
			deny(w, r, status, msg)
		case isAPI(r.URL.Path) || r.URL.Path == "/metrics" || !a.has(Local) && !a.has(OIDC):
			w.Header().Set("WWW-Authenticate", `Bearer realm="pakiti"`)
			deny(w, r, http.StatusUnauthorized, "authentication required: send Authorization: Bearer TOKEN (pakiti users token NAME)")
		default:
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
		}
	})
}

// identify returns the request's identity, or nil with a status and
// reason when the request carried credentials that are refused, or nil
// and 0 when it carried none.
func (a *Auth) identify(r *http.Request) (*Identity, int, string) {
	ctx := r.Context()
	if a.has(None) {
		return &Identity{User: store.User{Role: store.RoleAdmin}, Method: "none", Scope: store.AllSites()}, 0, ""
	}
	if tok, ok := bearer(r); ok {
		if !strings.HasPrefix(tok, APITokenPrefix) {
			return nil, http.StatusUnauthorized, "not a pakiti API token"
		}
		u, err := a.c.Store.UserByAPIToken(ctx, HashToken(tok), a.c.Now())
		return a.identity(ctx, u, err, "token")
	}
	if a.has(Header) {
		if v, how := a.headerUser(r); v != "" {
			u, _, err := a.c.Store.UserByName(ctx, v)
			if errors.Is(err, store.ErrNotFound) {
				u, _, err = a.c.Store.UserByDN(ctx, v)
			}
			if errors.Is(err, store.ErrNotFound) {
				return nil, http.StatusForbidden, fmt.Sprintf("%s is not a pakiti user: ask an admin (pakiti users add, or the GOCDB import)", v)
			}
			return a.identity(ctx, u, err, how)
		}
	}
	if c, err := r.Cookie(sessionCookie); err == nil && (a.has(Local) || a.has(OIDC)) {
		u, err := a.c.Store.UserBySession(ctx, HashToken(c.Value), a.c.Now())
		if errors.Is(err, store.ErrNotFound) {
			return nil, 0, "" // expired or logged out: log in again
		}
		return a.identity(ctx, u, err, "session")
	}
	return nil, 0, ""
}

// identity resolves the scope of a user found by method.
func (a *Auth) identity(ctx context.Context, u store.User, err error, method string) (*Identity, int, string) {
	if errors.Is(err, store.ErrNotFound) {
		return nil, http.StatusUnauthorized, "unknown, expired or revoked token"
	}
	if err == nil {
		var disabled bool
		if disabled, err = a.c.Store.UserDisabled(ctx, u.ID); err == nil && disabled {
			return nil, http.StatusForbidden, fmt.Sprintf("user %s is disabled: ask an admin", u.Name)
		}
	}
	if err == nil {
		var sc store.Scope
		if sc, err = a.c.Store.UserScope(ctx, u); err == nil {
			return &Identity{User: u, Method: method, Scope: sc}, 0, ""
		}
	}
	a.c.Log.Error("identify", "method", method, "error", err)
	return nil, http.StatusServiceUnavailable, "the user database is unavailable"
}

// bearer returns the token of an Authorization: Bearer header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}

// headerUser returns the user a trusted proxy names in the header, or the
// DN of the client certificate this server verified, and how.
func (a *Auth) headerUser(r *http.Request) (string, string) {
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 && a.userCert(r.TLS.PeerCertificates) {
		return CertificateDN(r.TLS.VerifiedChains[0][0]), "certificate"
	}
	v := strings.TrimSpace(r.Header.Get(a.c.Header))
	if v == "" {
		return "", ""
	}
	if !a.trusted(r) {
		a.c.Log.Warn("identity header from an untrusted address ignored", "header", a.c.Header, "addr", r.RemoteAddr)
		return "", ""
	}
	return v, "header"
}

// userCert tells whether a verified client certificate chain is a user's:
// it chains to UserCAs, when they are set.
func (a *Auth) userCert(chain []*x509.Certificate) bool {
	if a.c.UserCAs == nil {
		return true
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{Roots: a.c.UserCAs, Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	return err == nil
}

// trusted tells whether the request's peer is a trusted proxy.
func (a *Auth) trusted(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range a.c.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// secure tells whether the browser reached us over HTTPS: directly, or
// through a trusted proxy that says so.
func (a *Auth) secure(r *http.Request) bool {
	return r.TLS != nil || a.trusted(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}
