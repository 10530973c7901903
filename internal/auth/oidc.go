package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/pakiti-go/pakiti/internal/store"
)

// OIDCConfig configures OpenID Connect login (--auth oidc).
type OIDCConfig struct {
	Issuer       string // discovery at Issuer/.well-known/openid-configuration
	ClientID     string
	ClientSecret string
	RedirectURL  string // this server's /auth/oidc/callback as the provider sees it
	// UserClaim names the user (default preferred_username, then email,
	// then sub); GroupsClaim lists the user's groups (default groups).
	UserClaim, GroupsClaim string
	// A user in AdminGroup is admin, in CSIRTGroup csirt; otherwise a
	// viewer granted the sites and groups (NGIs) its groups name.
	AdminGroup, CSIRTGroup string
}

// OriginOIDC is the origin of users made by an OIDC login.
const OriginOIDC = "oidc"

type oidcLogin struct {
	c        OIDCConfig
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func newOIDC(ctx context.Context, c *OIDCConfig) (*oidcLogin, error) {
	if c.Issuer == "" || c.ClientID == "" || c.RedirectURL == "" {
		return nil, errors.New("--auth oidc needs --oidc-issuer, --oidc-client-id, --oidc-client-secret and --oidc-redirect-url")
	}
	p, err := oidc.NewProvider(ctx, c.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OIDC provider %s: %w", c.Issuer, err)
	}
	if c.GroupsClaim == "" {
		c.GroupsClaim = "groups"
	}
	return &oidcLogin{
		c: *c,
		oauth: oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, RedirectURL: c.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile", "email"}},
		verifier: p.Verifier(&oidc.Config{ClientID: c.ClientID}),
	}, nil
}

// oidcCookie carries the state, the nonce and where to go back to
// between the redirect to the provider and its callback.
const oidcCookie = "pakiti_oidc"

// oidcStart sends the browser to the provider.
func (a *Auth) oidcStart(w http.ResponseWriter, r *http.Request) {
	state, _ := NewToken("")
	nonce, _ := NewToken("")
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: state + "." + nonce + "." + base64.RawURLEncoding.EncodeToString([]byte(next(r))),
		Path: "/auth/oidc/", HttpOnly: true, Secure: a.secure(r), SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, a.oidc.oauth.AuthCodeURL(state, oidc.Nonce(nonce)), http.StatusFound)
}

// oidcCallback takes the provider's answer: checks the state, exchanges
// the code, verifies the ID token and its nonce, maps the claims to the
// user and starts a session.
func (a *Auth) oidcCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := r.Cookie(oidcCookie)
	parts := []string{}
	if err == nil {
		parts = strings.Split(c.Value, ".")
	}
	if len(parts) != 3 || r.URL.Query().Get("state") != parts[0] || parts[0] == "" {
		a.c.Log.Warn("oidc login refused", "reason", "state", "addr", r.RemoteAddr)
		http.Error(w, "login expired or not started here: log in again", http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: "/auth/oidc/", MaxAge: -1, HttpOnly: true})
	if e := r.URL.Query().Get("error"); e != "" {
		http.Error(w, "the identity provider refused the login: "+clip(e), http.StatusUnauthorized)
		return
	}
	tok, err := a.oidc.oauth.Exchange(ctx, r.URL.Query().Get("code"))
	if err != nil {
		a.c.Log.Warn("oidc login refused", "reason", "code exchange", "error", err)
		http.Error(w, "the login could not be completed: log in again", http.StatusUnauthorized)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := a.oidc.verifier.Verify(ctx, raw)
	if err != nil || idt.Nonce != parts[1] {
		a.c.Log.Warn("oidc login refused", "reason", "id token", "error", err)
		http.Error(w, "the identity provider's token is not valid", http.StatusUnauthorized)
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		http.Error(w, "the identity provider's token is not valid", http.StatusUnauthorized)
		return
	}
	du := a.oidc.user(claims, idt.Subject)
	if du.Name == "" {
		http.Error(w, "the identity provider gave no user name", http.StatusUnauthorized)
		return
	}
	u, err := a.c.Store.SyncUser(ctx, OriginOIDC, du)
	if err == nil {
		err = a.startSession(w, r, u)
	}
	if err != nil {
		a.c.Log.Error("oidc login", "error", err)
		http.Error(w, "the user database is unavailable; try again later", http.StatusServiceUnavailable)
		return
	}
	back, _ := base64.RawURLEncoding.DecodeString(parts[2])
	a.c.Log.Info("login", "user", u.Name, "addr", r.RemoteAddr, "method", "oidc", "role", u.Role)
	r.Form = map[string][]string{"next": {string(back)}}
	http.Redirect(w, r, next(r), http.StatusSeeOther)
}

// user maps the claims: the user's name, its role and grants.
func (o *oidcLogin) user(claims map[string]any, subject string) store.DirectoryUser {
	name := ""
	for _, k := range []string{o.c.UserClaim, "preferred_username", "email"} {
		if v, ok := claims[k].(string); k != "" && ok && v != "" {
			name = v
			break
		}
	}
	if name == "" {
		name = subject
	}
	var groups []string
	switch g := claims[o.c.GroupsClaim].(type) {
	case []any:
		for _, v := range g {
			if s, ok := v.(string); ok {
				groups = append(groups, s)
			}
		}
	case string:
		groups = strings.Fields(g)
	}
	u := store.DirectoryUser{Name: name, Role: store.RoleViewer}
	switch {
	case o.c.AdminGroup != "" && slices.Contains(groups, o.c.AdminGroup):
		u.Role = store.RoleAdmin
	case o.c.CSIRTGroup != "" && slices.Contains(groups, o.c.CSIRTGroup):
		u.Role = store.RoleCSIRT
	default:
		u.Grants = groups
	}
	return u
}

// oidcTimeout bounds the provider's discovery at start.
const oidcTimeout = 30 * time.Second
