package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/store"
)

// TestDeleteHostScope: a host outside the caller's scope cannot be
// deleted (not found); inside, it leaves the listings, its open findings
// resolve as host-removed and stay as history.
func TestDeleteHostScope(t *testing.T) {
	ctx := context.Background()
	s := seedScope(t)
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	if _, err := s.DeleteHost(ctx, store.SitesScope("SITE-B"), "a1.example.org", now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete outside scope: %v, want ErrNotFound", err)
	}
	open, err := s.HostFindings(ctx, store.AllSites(), "a1.example.org", false)
	if err != nil || len(open) == 0 {
		t.Fatalf("a1 before delete: %d open findings (%v)", len(open), err)
	}
	n, err := s.DeleteHost(ctx, store.SitesScope("SITE-A"), "a1.example.org", now)
	if err != nil || n != int64(len(open)) {
		t.Fatalf("delete: %d resolved (%v), want %d", n, err, len(open))
	}
	if _, err := s.Host(ctx, store.AllSites(), "a1.example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted host still shown: %v", err)
	}
	hosts, total, err := s.ListHosts(ctx, store.AllSites(), store.HostFilter{})
	if err != nil || total != 2 {
		t.Errorf("listing after delete: %d hosts (%v), want 2", total, err)
	}
	for _, h := range hosts {
		if h.Hostname == "a1.example.org" {
			t.Errorf("deleted host listed")
		}
	}
	if _, err := s.DeleteHost(ctx, store.AllSites(), "a1.example.org", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
}

// TestStaleAndActivity: with the clock injected, hosts are stale after the
// stale period, the activity filters keep the hosts that reported within
// a period ("24h") or not ("-7d"), and prune candidates are those not
// reported since the cut. The seed's hosts reported at 2026-11-25 08:00.
func TestStaleAndActivity(t *testing.T) {
	ctx := context.Background()
	s := seedScope(t)
	reported := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	names := func(f store.HostFilter) []string {
		t.Helper()
		hs, _, err := s.ListHosts(ctx, store.AllSites(), f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hs {
			out = append(out, h.Hostname)
			if h.Stale != (f.Now.Sub(reported) > 7*24*time.Hour) {
				t.Errorf("%s at %s: stale %v", h.Hostname, f.Now, h.Stale)
			}
		}
		return out
	}
	all := []string{"a1.example.org", "a2.example.org", "b1.example.org"}
	day, week := store.Activity{Within: 24 * time.Hour}, store.Activity{Within: 7 * 24 * time.Hour, Absent: true}
	tests := []struct {
		name string
		f    store.HostFilter
		want []string
	}{
		{"24h, an hour later", store.HostFilter{Activity: day, Now: reported.Add(time.Hour)}, all},
		{"24h, two days later", store.HostFilter{Activity: day, Now: reported.Add(48 * time.Hour)}, nil},
		{"-7d, six days later", store.HostFilter{Activity: week, Now: reported.Add(6 * 24 * time.Hour)}, nil},
		{"-7d, eight days later", store.HostFilter{Activity: week, Now: reported.Add(8 * 24 * time.Hour)}, all},
		{"stale, six days later", store.HostFilter{Stale: true, Now: reported.Add(6 * 24 * time.Hour)}, nil},
		{"stale, eight days later", store.HostFilter{Stale: true, Now: reported.Add(8 * 24 * time.Hour)}, all},
		{"all, eight days later", store.HostFilter{Now: reported.Add(8 * 24 * time.Hour)}, all},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, names(tt.f)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	s.SetClock(func() time.Time { return reported.Add(8 * 24 * time.Hour) })
	sites, err := s.Sites(ctx, store.AllSites())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.SiteCount{{Name: "SITE-A", Hosts: 2, Stale: 2}, {Name: "SITE-B", Hosts: 1, Stale: 1}}, sites); diff != "" {
		t.Errorf("sites, eight days later (-want +got):\n%s", diff)
	}
	for _, a := range []struct {
		in   string
		want store.Activity
		err  bool
	}{{"24h", day, false}, {"-7d", week, false}, {"7", store.Activity{}, true}, {"-0d", store.Activity{}, true}} {
		got, err := store.ParseActivity(a.in)
		if (err != nil) != a.err || got != a.want {
			t.Errorf("ParseActivity(%q) = %v, %v", a.in, got, err)
		}
	}
}
