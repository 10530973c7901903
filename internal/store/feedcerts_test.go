package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestFeedCerts: certificates registered for sites by DN or fingerprint,
// one site each unless a proxy's; what a certificate may report for.
func TestFeedCerts(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, site := range []string{"FZU", "prague_lcg2", "DESY-HH"} {
		if err := s.AddSite(ctx, site, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	const (
		hostDN  = "/DC=org/DC=example/CN=wn1.fzu.example.org"
		proxyDN = "/DC=org/DC=example/CN=proxy.example.org"
	)
	// openssl x509 -fingerprint -sha256 writes upper case with colons.
	fpColons := strings.ToUpper(strings.Repeat("ab:", 31) + "ab")
	fp := strings.Repeat("ab", 32)
	add := []struct {
		c       FeedCert
		wantErr string
	}{
		{FeedCert{Site: "FZU", Match: CertByDN, Value: hostDN}, ""},
		{FeedCert{Site: "FZU", Match: CertByDN, Value: hostDN}, "registered for FZU already"},
		{FeedCert{Site: "DESY-HH", Match: CertByDN, Value: hostDN}, "reports for one site"},
		{FeedCert{Site: "prague_lcg2", Match: CertByFingerprint, Value: fpColons}, ""},
		{FeedCert{Site: "FZU", Match: CertByDN, Value: proxyDN, Proxy: true}, ""},
		{FeedCert{Site: "DESY-HH", Match: CertByDN, Value: proxyDN, Proxy: true}, ""},
		{FeedCert{Site: "prague_lcg2", Match: CertByDN, Value: proxyDN}, "reports for one site"},
		{FeedCert{Site: "NO-SUCH", Match: CertByDN, Value: "/CN=x"}, "no site is named"},
		{FeedCert{Site: "FZU", Match: CertByDN, Value: "CN=x,O=y"}, "want the subject as /DC="},
		{FeedCert{Site: "FZU", Match: CertByFingerprint, Value: "abcd"}, "64 hex digits"},
		{FeedCert{Site: "FZU", Match: "serial", Value: "1"}, "dn or fingerprint"},
	}
	for _, a := range add {
		_, err := s.AddFeedCert(ctx, a.c)
		if a.wantErr == "" && err != nil || a.wantErr != "" && (err == nil || !strings.Contains(err.Error(), a.wantErr)) {
			t.Errorf("AddFeedCert(%+v) = %v, want %q", a.c, err, a.wantErr)
		}
	}
	for _, c := range []struct {
		dn, fp string
		sites  []string
		proxy  bool
	}{
		{hostDN, "", []string{"FZU"}, false},
		{"/CN=someone else", fp, []string{"prague_lcg2"}, false},
		{proxyDN, "", []string{"DESY-HH", "FZU"}, true},
		{"/CN=unknown", strings.Repeat("00", 32), nil, false},
	} {
		sites, proxy, err := s.CertSites(ctx, c.dn, c.fp)
		if err != nil || !cmp.Equal(sites, c.sites) || proxy != c.proxy {
			t.Errorf("CertSites(%q, %q) = %v %v %v, want %v %v", c.dn, c.fp, sites, proxy, err, c.sites, c.proxy)
		}
	}
	list, err := s.FeedCerts(ctx, "FZU")
	if err != nil {
		t.Fatal(err)
	}
	want := []FeedCert{{Site: "FZU", Match: CertByDN, Value: proxyDN, Proxy: true}, {Site: "FZU", Match: CertByDN, Value: hostDN}}
	if diff := cmp.Diff(want, list, cmpopts.IgnoreFields(FeedCert{}, "ID", "CreatedAt")); diff != "" {
		t.Errorf("FeedCerts(FZU) (-want +got):\n%s", diff)
	}
	if err := s.RemoveFeedCert(ctx, FeedCert{Site: "FZU", Match: CertByDN, Value: proxyDN}); err != nil {
		t.Fatal(err)
	}
	if sites, _, _ := s.CertSites(ctx, proxyDN, ""); !cmp.Equal(sites, []string{"DESY-HH"}) {
		t.Errorf("after removing the proxy's FZU: %v", sites)
	}
	if err := s.RemoveFeedCert(ctx, FeedCert{Site: "FZU", Match: CertByDN, Value: proxyDN}); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing twice: %v", err)
	}
	if all, _ := s.FeedCerts(ctx, ""); len(all) != 3 {
		t.Errorf("every site's certificates: %d, want 3", len(all))
	}
}

// TestUserDisabled: disabling a user ends its sessions and is undone by
// enabling it; deleting a disabled user leaves nothing disabled.
func TestUserDisabled(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	if err := s.AddUser(ctx, User{Name: "alice", Role: RoleViewer}, "x"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddSession(ctx, "alice", "h1", now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	u, _, _ := s.UserByName(ctx, "alice")
	if d, err := s.UserDisabled(ctx, u.ID); d || err != nil {
		t.Fatalf("new user disabled: %v %v", d, err)
	}
	if err := s.SetUserDisabled(ctx, "alice", true, now); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.UserDisabled(ctx, u.ID); !d {
		t.Error("disabled user not disabled")
	}
	if _, err := s.UserBySession(ctx, "h1", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("session of a disabled user: %v", err)
	}
	if m, _ := s.DisabledUsers(ctx); !m["alice"] || len(m) != 1 {
		t.Errorf("DisabledUsers = %v", m)
	}
	if err := s.SetUserDisabled(ctx, "alice", false, now); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.UserDisabled(ctx, u.ID); d {
		t.Error("enabled user still disabled")
	}
	if err := s.SetUserDisabled(ctx, "alice", true, now); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.DisabledUsers(ctx); len(m) != 0 {
		t.Errorf("a deleted user is still disabled: %v", m)
	}
	if err := s.SetUserDisabled(ctx, "nobody", true, now); !errors.Is(err, ErrNotFound) {
		t.Errorf("disabling no user: %v", err)
	}
}
