package web

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/auth/oidctest"
	"github.com/pakiti-go/pakiti/internal/store"
)

// newOIDCServer is the federation's server with --auth local,oidc and an
// in-process provider.
func newOIDCServer(t *testing.T) (*fedServer, *oidctest.Provider) {
	t.Helper()
	p := oidctest.New()
	t.Cleanup(p.Close)
	fs := newFedServer(t, func(c *auth.Config) {
		c.Modes = []auth.Mode{auth.Local, auth.OIDC}
		c.OIDC = &auth.OIDCConfig{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.Secret, AdminGroup: "pakiti-admins"}
	})
	return fs, p
}

type me struct {
	User   string   `json:"user"`
	Role   string   `json:"role"`
	Method string   `json:"method"`
	Grants []string `json:"grants"`
	Sites  []string `json:"sites"`
}

// oidcLogin logs in through the provider with a fresh browser-like
// client and returns what /api/v1/me then says, or the failing status.
func oidcLogin(t *testing.T, fs *fedServer) (me, int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(fs.srv.URL + "/auth/oidc/login?next=/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m me
	var b strings.Builder
	if resp.StatusCode != http.StatusOK {
		buf := make([]byte, 512)
		n, _ := resp.Body.Read(buf)
		b.Write(buf[:n])
		return m, resp.StatusCode, b.String()
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m, resp.StatusCode, ""
}

// TestOIDCLogin: an OIDC login makes (or updates) the user from its
// claims: groups naming sites or NGIs are its grants, the admin group
// makes an admin; a token the provider did not sign, or a callback
// without the state of a login started here, is refused; a user made by
// hand keeps its own grants.
func TestOIDCLogin(t *testing.T) {
	fs, p := newOIDCServer(t)
	tests := []struct {
		name   string
		claims map[string]any
		want   me
	}{
		{"NGI member", map[string]any{"sub": "u-1", "preferred_username": "olga", "groups": []string{"NGI_DE", "some-vo"}},
			me{User: "olga", Role: "viewer", Method: "session", Grants: []string{"NGI_DE"}, Sites: []string{"DESY-HH", "GSI-LCG2"}}},
		{"groups changed", map[string]any{"sub": "u-1", "preferred_username": "olga", "groups": []string{"FZU"}},
			me{User: "olga", Role: "viewer", Method: "session", Grants: []string{"FZU"}, Sites: []string{"FZU"}}},
		{"no name claim: sub", map[string]any{"sub": "u-2"},
			me{User: "u-2", Role: "viewer", Method: "session", Grants: []string{}, Sites: []string{}}},
		{"admin group", map[string]any{"sub": "u-3", "email": "boss@example.org", "groups": []string{"pakiti-admins"}},
			me{User: "boss@example.org", Role: "admin", Method: "session", Grants: []string{},
				Sites: []string{"DESY-HH", "FZU", "GSI-LCG2", "ORPHAN-SITE", "prague_lcg2"}}},
		{"local user keeps its grants", map[string]any{"sub": "u-4", "preferred_username": "fzu", "groups": []string{"pakiti-admins", "NGI_DE"}},
			me{User: "fzu", Role: "viewer", Method: "session", Grants: []string{"FZU"}, Sites: []string{"FZU"}}},
	}
	for _, tt := range tests {
		p.LoginAs(tt.claims)
		got, code, body := oidcLogin(t, fs)
		if code != http.StatusOK {
			t.Errorf("%s: %d %s", tt.name, code, body)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	p.LoginAs(map[string]any{"sub": "u-9", "preferred_username": "mallory", "groups": []string{"pakiti-admins"}})
	p.Forge()
	if _, code, _ := oidcLogin(t, fs); code != http.StatusUnauthorized {
		t.Errorf("forged token: %d, want 401", code)
	}
	if users, _ := fs.st.Users(t.Context()); slices.ContainsFunc(users, func(u store.User) bool { return u.Name == "mallory" }) {
		t.Error("a forged token made a user")
	}
	code, _, _ := fs.call(t, "GET", "/auth/oidc/callback?code=x&state=y", nil, nil)
	if code != http.StatusBadRequest {
		t.Errorf("callback without a login started here: %d, want 400", code)
	}
}
