package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestUserScope: a viewer sees the sites granted to it and those of the
// groups granted, down the hierarchy federation -> NGI -> site; csirt and
// admin see all; a viewer without grants sees nothing.
func TestUserScope(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, h := range []struct{ name, site string }{
		{"cz1", "prague_lcg2"}, {"cz2", "FZU"}, {"de1", "GSI-LCG2"}, {"de2", "DESY-HH"}, {"lone", "ORPHAN"},
	} {
		if _, err := s.SaveReport(ctx, incoming(t, "testdata/vaultwarden.pakiti5.txt", h.name, h.site, t0)); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.SetGroup(ctx, "NGI_CZ", "EGI", OriginLocal))
	must(s.SetGroup(ctx, "NGI_DE", "EGI", OriginLocal))
	for site, ngi := range map[string]string{"prague_lcg2": "NGI_CZ", "FZU": "NGI_CZ", "GSI-LCG2": "NGI_DE", "DESY-HH": "NGI_DE"} {
		must(s.AddSite(ctx, site, ngi, nil))
	}
	if err := s.SetGroup(ctx, "EGI", "NGI_CZ", OriginLocal); err == nil {
		t.Error("a cycle EGI -> NGI_CZ -> EGI was accepted")
	}
	if err := s.AddSite(ctx, "NGI_CZ", "", nil); err == nil {
		t.Error("a site named like a group was accepted")
	}
	users := []struct {
		name, role string
		grants     []string
		want       []string
	}{
		{"admin", RoleAdmin, nil, []string{"cz1", "cz2", "de1", "de2", "lone"}},
		{"csirt", RoleCSIRT, nil, []string{"cz1", "cz2", "de1", "de2", "lone"}},
		{"egi-sec", RoleViewer, []string{"EGI"}, []string{"cz1", "cz2", "de1", "de2"}},
		{"cz-sec", RoleViewer, []string{"NGI_CZ"}, []string{"cz1", "cz2"}},
		{"fzu-admin", RoleViewer, []string{"FZU"}, []string{"cz2"}},
		{"two", RoleViewer, []string{"FZU", "NGI_DE", "GSI-LCG2"}, []string{"cz2", "de1", "de2"}},
		{"nobody", RoleViewer, nil, []string{}},
	}
	for _, u := range users {
		must(s.AddUser(ctx, User{Name: u.name, Role: u.role}, ""))
		for _, g := range u.grants {
			must(s.Grant(ctx, u.name, g, OriginLocal))
			must(s.Grant(ctx, u.name, g, OriginLocal)) // twice is once
		}
	}
	if err := s.AddUser(ctx, User{Name: "fzu-admin", Role: RoleViewer}, ""); !errors.Is(err, ErrExists) {
		t.Errorf("second fzu-admin: %v, want ErrExists", err)
	}
	if err := s.Grant(ctx, "nobody", "NO-SUCH-SITE", OriginLocal); !errors.Is(err, ErrNotFound) {
		t.Errorf("grant on an unknown site: %v", err)
	}
	for _, u := range users {
		got, _, err := s.UserByName(ctx, u.name)
		must(err)
		if diff := cmp.Diff(append([]string{}, slices.Sorted(slices.Values(u.grants))...), got.Grants); diff != "" {
			t.Errorf("%s grants (-want +got):\n%s", u.name, diff)
		}
		sc, err := s.UserScope(ctx, got)
		must(err)
		hosts, total, err := s.ListHosts(ctx, sc, HostFilter{})
		must(err)
		names := []string{}
		for _, h := range hosts {
			names = append(names, h.Hostname)
		}
		if diff := cmp.Diff(u.want, names); diff != "" || total != len(u.want) {
			t.Errorf("%s sees (-want +got):\n%s", u.name, diff)
		}
	}
	// Revoking a grant narrows the scope at once.
	must(s.Revoke(ctx, "two", "NGI_DE"))
	u, _, _ := s.UserByName(ctx, "two")
	sc, _ := s.UserScope(ctx, u)
	if hosts, _, _ := s.ListHosts(ctx, sc, HostFilter{}); len(hosts) != 2 {
		t.Errorf("after revoking NGI_DE, two sees %d hosts, want 2 (cz2, de1)", len(hosts))
	}
	must(s.RemoveUser(ctx, "two"))
	if _, _, err := s.UserByName(ctx, "two"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removed user: %v", err)
	}
}

// TestTokensAndSessions: tokens and sessions are found by hash while
// live; revoked or expired ones find nobody.
func TestTokensAndSessions(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	if err := s.AddUser(ctx, User{Name: "ci", Role: RoleCSIRT}, ""); err != nil {
		t.Fatal(err)
	}
	forever, err := s.AddAPIToken(ctx, "ci", "h-forever", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddAPIToken(ctx, "ci", "h-day", now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		hash string
		at   time.Time
		ok   bool
	}{
		{"h-forever", now.Add(1000 * time.Hour), true},
		{"h-day", now.Add(time.Hour), true},
		{"h-day", now.Add(24 * time.Hour), false},
		{"unknown", now, false},
	}
	for _, tt := range tests {
		u, err := s.UserByAPIToken(ctx, tt.hash, tt.at)
		if ok := err == nil && u.Name == "ci"; ok != tt.ok {
			t.Errorf("token %s at %s: %v %v, want ok=%v", tt.hash, tt.at, u.Name, err, tt.ok)
		}
	}
	if err := s.RevokeAPIToken(ctx, "ci", forever); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByAPIToken(ctx, "h-forever", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked token: %v", err)
	}
	if err := s.AddSession(ctx, "ci", "sess", now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if u, err := s.UserBySession(ctx, "sess", now.Add(59*time.Minute)); err != nil || u.Name != "ci" {
		t.Errorf("live session: %v %v", u.Name, err)
	}
	if _, err := s.UserBySession(ctx, "sess", now.Add(time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired session: %v", err)
	}
	if err := s.DeleteSession(ctx, "sess"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserBySession(ctx, "sess", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted session: %v", err)
	}
	if _, err := s.AddFeedToken(ctx, "FZU", "f1"); err != nil {
		t.Fatal(err)
	}
	if site, err := s.FeedTokenSite(ctx, "f1"); err != nil || site != "FZU" {
		t.Errorf("feed token: %q %v", site, err)
	}
	if n, err := s.RevokeFeedTokens(ctx, "FZU"); err != nil || n != 1 {
		t.Errorf("revoke feed tokens: %d %v", n, err)
	}
	if _, err := s.FeedTokenSite(ctx, "f1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked feed token: %v", err)
	}
	if err := s.Audit(ctx, AuditEntry{At: now, Actor: "cli:root", Action: "user.add", Target: "ci"}); err != nil {
		t.Fatal(err)
	}
	log, err := s.AuditLog(ctx, "", 10)
	if err != nil || len(log) != 1 || log[0].Action != "user.add" || !log[0].At.Equal(now) {
		t.Errorf("audit log: %+v %v", log, err)
	}
}
