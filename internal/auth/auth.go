// Package auth says who a request comes from and what it may see: the
// identity (no authentication, a local user's session or API token, a
// trusted reverse proxy's header or client certificate, OpenID Connect),
// the role (admin, csirt, viewer) and the store.Scope of the sites the
// user may see, built once per request from the user's grants and put in
// the request's context; every store read of the web layer takes that
// scope, so nothing is filtered in templates. It also guards /feed/
// (feed.go): per-site report tokens, allowed networks, host claims and a
// per-address rate limit.
package auth

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/pakiti-go/pakiti/internal/store"
)

// Mode is a way of identifying users.
type Mode string

// The modes of pakiti serve --auth.
const (
	None   Mode = "none"   // everybody is admin: single-admin installs and the demo, on loopback
	Local  Mode = "local"  // users with passwords (login page, session cookie) and API tokens
	Header Mode = "header" // a trusted reverse proxy's header, or the client certificate's DN
	OIDC   Mode = "oidc"   // OpenID Connect login
)

// ParseModes reads a comma-separated list of modes. none stands alone.
func ParseModes(s string) ([]Mode, error) {
	var out []Mode
	for _, f := range strings.Split(s, ",") {
		m := Mode(strings.TrimSpace(f))
		switch m {
		case None, Local, Header, OIDC:
		default:
			return nil, fmt.Errorf("--auth takes none, local, header or oidc (comma-separated), not %q", f)
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	if slices.Contains(out, None) && len(out) > 1 {
		return nil, fmt.Errorf("--auth none cannot be combined with other modes")
	}
	return out, nil
}

// Identity is who a request comes from.
type Identity struct {
	User   store.User
	Method string      // none, session, token, header, certificate, oidc
	Scope  store.Scope // the sites the user may see
}

// Admin tells whether the identity may change things.
func (id *Identity) Admin() bool { return id != nil && id.User.Role == store.RoleAdmin }

// Name is the user's name for logs and the audit log ("" in none mode is
// "anonymous-admin").
func (id *Identity) Name() string {
	if id == nil {
		return ""
	}
	if id.User.Name == "" {
		return "anonymous-admin"
	}
	return id.User.Name
}

type ctxKey struct{}

// WithIdentity returns ctx carrying id.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the identity of a request, or nil.
func FromContext(ctx context.Context) *Identity {
	id, _ := ctx.Value(ctxKey{}).(*Identity)
	return id
}

// Scope is the scope of a request's identity; a request without one sees
// nothing.
func Scope(r *http.Request) store.Scope {
	if id := FromContext(r.Context()); id != nil {
		return id.Scope
	}
	return store.Scope{}
}

// RequireAdmin lets only admins through to h: others get 403.
func RequireAdmin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !FromContext(r.Context()).Admin() {
			deny(w, r, http.StatusForbidden, "this needs the admin role")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// isAPI tells an API call (ours under /api/, and Pakiti 3's old API
// under /api/ and /pakiti/api/, which scripts call) from a page.
func isAPI(path string) bool {
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/pakiti/api/")
}

// deny answers an API call with JSON, a page with text.
func deny(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if isAPI(r.URL.Path) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, "{\"error\": %q}\n", msg)
		return
	}
	http.Error(w, msg, status)
}
