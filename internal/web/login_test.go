package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/store"
)

func form(v url.Values) (map[string]string, *strings.Reader) {
	return map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, strings.NewReader(v.Encode())
}

// sessionCookie returns the pakiti_session cookie a response sets.
func sessionCookie(hd http.Header) *http.Cookie {
	for _, c := range (&http.Response{Header: hd}).Cookies() {
		if c.Name == "pakiti_session" {
			return c
		}
	}
	return nil
}

// TestLogin: the login page checks the password, sets an HttpOnly,
// SameSite=Lax session cookie (Secure behind an HTTPS proxy), the session
// sees the user's sites, and logging out ends it.
func TestLogin(t *testing.T) {
	fs := newFedServer(t)
	tests := []struct {
		name, user, password, next string
		wantCode                   int
		wantLocation               string
	}{
		{"wrong password", "ngi-cz", "password of fzu", "/hosts", http.StatusUnauthorized, ""},
		{"unknown user", "mallory", "password of ngi-cz", "/hosts", http.StatusUnauthorized, ""},
		{"empty password", "ngi-cz", "", "/hosts", http.StatusUnauthorized, ""},
		{"right", "ngi-cz", "password of ngi-cz", "/cves/CVE-2023-0286", http.StatusSeeOther, "/cves/CVE-2023-0286"},
		{"open redirect refused", "ngi-cz", "password of ngi-cz", "//evil.example.org/", http.StatusSeeOther, "/hosts"},
		{"absolute next refused", "ngi-cz", "password of ngi-cz", "https://evil.example.org/", http.StatusSeeOther, "/hosts"},
	}
	for _, tt := range tests {
		hd, body := form(url.Values{"username": {tt.user}, "password": {tt.password}, "next": {tt.next}})
		code, rh, page := fs.call(t, "POST", "/login", hd, body)
		if code != tt.wantCode || rh.Get("Location") != tt.wantLocation {
			t.Errorf("%s: %d to %q, want %d to %q", tt.name, code, rh.Get("Location"), tt.wantCode, tt.wantLocation)
		}
		c := sessionCookie(rh)
		if tt.wantCode != http.StatusSeeOther {
			if c != nil || !strings.Contains(page, "Wrong user name or password") {
				t.Errorf("%s: cookie %v, page %.200s", tt.name, c, page)
			}
			continue
		}
		if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" {
			t.Fatalf("%s: session cookie %+v", tt.name, c)
		}
	}
	// The session sees the user's sites only.
	hd, body := form(url.Values{"username": {"ngi-cz"}, "password": {"password of ngi-cz"}})
	_, rh, _ := fs.call(t, "POST", "/login", hd, body)
	cookie := map[string]string{"Cookie": sessionCookie(rh).String()}
	code, _, page := fs.call(t, "GET", "/hosts", cookie, nil)
	if code != http.StatusOK || !strings.Contains(page, "wn.fzu.example.org") || strings.Contains(page, "wn.gsi.example.org") ||
		!strings.Contains(page, `id="me">ngi-cz (viewer)`) {
		t.Errorf("hosts page of the session: %d %.300s", code, page)
	}
	// Logging out is a POST from this origin; then the cookie opens nothing.
	code, rh, _ = fs.call(t, "POST", "/logout", cookie, nil)
	if code != http.StatusSeeOther || sessionCookie(rh) == nil || sessionCookie(rh).MaxAge >= 0 {
		t.Errorf("logout: %d %v", code, rh)
	}
	if code, _, _ := fs.call(t, "GET", "/api/v1/hosts", cookie, nil); code != http.StatusUnauthorized {
		t.Errorf("after logout: %d, want 401", code)
	}
	// Behind a trusted HTTPS proxy the cookie is Secure.
	hd, body = form(url.Values{"username": {"fzu"}, "password": {"password of fzu"}})
	hd["X-Forwarded-Proto"] = "https"
	_, rh, _ = fs.call(t, "POST", "/login", hd, body)
	if c := sessionCookie(rh); c == nil || !c.Secure {
		t.Errorf("cookie behind an https proxy: %+v", c)
	}
	// A changed password ends the user's sessions.
	hd, body = form(url.Values{"username": {"fzu"}, "password": {"password of fzu"}})
	_, rh, _ = fs.call(t, "POST", "/login", hd, body)
	fzu := map[string]string{"Cookie": sessionCookie(rh).String()}
	if code, _, _ := fs.call(t, "GET", "/api/v1/me", fzu, nil); code != http.StatusOK {
		t.Fatalf("fzu session: %d", code)
	}
	h, _ := auth.HashPassword("a new password")
	if err := fs.st.SetUser(context.Background(), "fzu", "", nil, &h); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := fs.call(t, "GET", "/api/v1/me", fzu, nil); code != http.StatusUnauthorized {
		t.Errorf("session after a password change: %d, want 401", code)
	}
}

// TestCSRF: a form that changes state, posted from another origin, is
// refused (http.CrossOriginProtection); from this origin it works and is
// audited. Only admins may post it.
func TestCSRF(t *testing.T) {
	fs := newFedServer(t)
	revoke := url.Values{"user": {"two-sites"}, "target": {"DESY-HH"}}
	admin := "Bearer " + fs.tokens["root"]
	cross := []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "http://evil.example.org"},
	}
	for _, extra := range cross {
		hd, body := form(revoke)
		hd["Authorization"] = admin
		for k, v := range extra {
			hd[k] = v
		}
		if code, _, page := fs.call(t, "POST", "/admin/grants/revoke", hd, body); code != http.StatusForbidden {
			t.Errorf("cross-origin revoke %v: %d %.100s", extra, code, page)
		}
		hd, body = form(url.Values{"username": {"root"}, "password": {"password of root"}})
		for k, v := range extra {
			hd[k] = v
		}
		if code, rh, _ := fs.call(t, "POST", "/login", hd, body); code != http.StatusForbidden || sessionCookie(rh) != nil {
			t.Errorf("cross-origin login %v: %d", extra, code)
		}
	}
	u, _, _ := fs.st.UserByName(context.Background(), "two-sites")
	if !slices.Equal(u.Grants, []string{"DESY-HH", "FZU"}) {
		t.Fatalf("a refused form changed the grants: %v", u.Grants)
	}
	// A viewer or csirt may not, even from this origin.
	for _, who := range []string{"csirt", "two-sites"} {
		hd, body := form(revoke)
		hd["Authorization"] = "Bearer " + fs.tokens[who]
		if code, _, _ := fs.call(t, "POST", "/admin/grants/revoke", hd, body); code != http.StatusForbidden {
			t.Errorf("%s revoking: %d, want 403", who, code)
		}
	}
	hd, body := form(revoke)
	hd["Authorization"] = admin
	hd["Sec-Fetch-Site"] = "same-origin"
	if code, rh, page := fs.call(t, "POST", "/admin/grants/revoke", hd, body); code != http.StatusSeeOther {
		t.Fatalf("same-origin revoke: %d %v %.200s", code, rh, page)
	}
	u, _, _ = fs.st.UserByName(context.Background(), "two-sites")
	log, _ := fs.st.AuditLog(context.Background(), "root", 10)
	if !slices.Equal(u.Grants, []string{"FZU"}) || len(log) != 1 || log[0].Action != "grant.revoke" || log[0].Detail != "DESY-HH" {
		t.Errorf("after the revoke: grants %v, audit %+v", u.Grants, log)
	}
	if code, body := fs.as(t, "root", "/audit"); code != http.StatusOK || !strings.Contains(body, "grant.revoke") {
		t.Errorf("audit page: %d %.300s", code, body)
	}
}

// TestHeaderAuth: a trusted proxy's header names a user (by name or
// certificate DN); from an untrusted address the header is ignored; a
// name that is no user is refused.
func TestHeaderAuth(t *testing.T) {
	fs := newFedServer(t, withModes(auth.Header))
	tests := []struct {
		name, value string
		code        int
		sees        []string
	}{
		{"user name", "fzu", http.StatusOK, []string{"FZU"}},
		{"certificate DN", "/DC=org/DC=example/CN=ngi-de", http.StatusOK, []string{"DESY-HH", "GSI-LCG2"}},
		{"csirt", "csirt", http.StatusOK, []string{"DESY-HH", "FZU", "GSI-LCG2", "ORPHAN-SITE", "prague_lcg2"}},
		{"unknown", "mallory", http.StatusForbidden, nil},
		{"no header", "", http.StatusUnauthorized, nil},
	}
	for _, tt := range tests {
		hd := map[string]string{}
		if tt.value != "" {
			hd["X-Remote-User"] = tt.value
		}
		code, _, body := fs.call(t, "GET", "/api/v1/sites", hd, nil)
		if code != tt.code {
			t.Errorf("%s: %d, want %d (%.100s)", tt.name, code, tt.code, body)
			continue
		}
		if tt.sees != nil {
			if got := sitesOf(t, body); !slices.Equal(got, tt.sees) {
				t.Errorf("%s sees %v, want %v", tt.name, got, tt.sees)
			}
		}
	}
	// The same header from an address that is no trusted proxy is ignored.
	a, err := auth.New(context.Background(), auth.Config{Store: fs.st, Modes: []auth.Mode{auth.Header}, Header: "X-Remote-User",
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(Config{Store: fs.st, Feed: http.NotFoundHandler(), Log: slog.New(slog.DiscardHandler), Auth: a})
	if err != nil {
		t.Fatal(err)
	}
	other := &fedServer{srv: httptest.NewServer(h), st: fs.st}
	defer other.srv.Close()
	if code, _, _ := other.call(t, "GET", "/api/v1/sites", map[string]string{"X-Remote-User": "csirt"}, nil); code != http.StatusUnauthorized {
		t.Errorf("header from an untrusted address: %d, want 401", code)
	}
}

func sitesOf(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	for _, s := range decodeSites(t, body) {
		out = append(out, s.Name)
	}
	return out
}

func decodeSites(t *testing.T, body string) []store.SiteCount {
	t.Helper()
	var v struct {
		Sites []store.SiteCount `json:"sites"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	return v.Sites
}
