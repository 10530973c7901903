package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestResolveScope: a scope of hundreds of sites, by name or resolved to
// ids, keeps exactly the hosts of its sites, with one list parameter.
func TestResolveScope(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, h := range []struct{ name, site string }{{"a1", "A"}, {"a2", "A"}, {"b1", "B"}, {"c1", "C"}} {
		if _, err := s.SaveReport(ctx, incoming(t, "testdata/vaultwarden.pakiti5.txt", h.name, h.site, t0)); err != nil {
			t.Fatal(err)
		}
	}
	many := []string{"A"}
	for i := range 500 {
		many = append(many, fmt.Sprintf("NGI-SITE-%03d", i)) // sites without hosts, or unknown
	}
	many = append(many, "C")
	tests := []struct {
		name  string
		scope Scope
		want  []string
	}{
		{"all", AllSites(), []string{"a1", "a2", "b1", "c1"}},
		{"one site", SitesScope("B"), []string{"b1"}},
		{"502 sites", SitesScope(many...), []string{"a1", "a2", "c1"}},
		{"unknown sites", SitesScope("X", "Y"), []string{}},
		{"no sites", SitesScope(), []string{}},
		{"zero scope", Scope{}, []string{}},
	}
	for _, tt := range tests {
		resolved, err := s.ResolveScope(ctx, tt.scope)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for _, sc := range []struct {
			how   string
			scope Scope
		}{{"by name", tt.scope}, {"resolved", resolved}} {
			cond, args := s.scopeSQL(sc.scope, "s", 1)
			if len(args) > 1 {
				t.Errorf("%s %s: %d parameters (%s)", tt.name, sc.how, len(args), cond)
			}
			hosts, total, err := s.ListHosts(ctx, sc.scope, HostFilter{})
			if err != nil {
				t.Fatalf("%s %s: %v", tt.name, sc.how, err)
			}
			got := []string{}
			for _, h := range hosts {
				got = append(got, h.Hostname)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || total != len(tt.want) {
				t.Errorf("%s %s: total %d (-want +got):\n%s", tt.name, sc.how, total, diff)
			}
		}
	}
	// Resolved scopes compare ids: the ids are those of the named sites.
	r, err := s.ResolveScope(ctx, SitesScope("C", "A", "nowhere"))
	if err != nil {
		t.Fatal(err)
	}
	var a, c int64
	s.r.QueryRow(`SELECT id FROM sites WHERE name = 'A'`).Scan(&a)
	s.r.QueryRow(`SELECT id FROM sites WHERE name = 'C'`).Scan(&c)
	if diff := cmp.Diff([]int64{a, c}, r.ids); diff != "" || !r.resolved {
		t.Errorf("resolved ids (-want +got):\n%s", diff)
	}
	// Every read that takes a scope honours a resolved one.
	if _, err := s.Host(ctx, r, "b1"); err != ErrNotFound {
		t.Errorf("host outside the resolved scope: %v", err)
	}
	if p, err := s.HostPackages(ctx, r, "a1"); err != nil || len(p) != 26 {
		t.Errorf("packages in scope: %d %v", len(p), err)
	}
	if sites, _ := s.Sites(ctx, r); len(sites) != 2 {
		t.Errorf("sites in the resolved scope: %v", sites)
	}
}
