package store

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOSPageTakesUnknownGroupsLast: a host whose OS group is not among
// the groups read for the OS order (one new since) is listed after the
// known groups, as the CASE's ELSE put it, whatever its group's name
// sorts as: the ranges between the known groups find it.
func TestOSPageTakesUnknownGroupsLast(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, h := range []struct{ name, group string }{
		{"a.example.org", "debian:11"}, {"b.example.org", "debian:3.0"}, {"c.example.org", "alma:9"},
		{"d.example.org", "debian:10"}, {"e.example.org", "zz:1"}, {"f.example.org", "debian:11"},
	} {
		in := incoming(t, "testdata/vaultwarden.pakiti5.txt", h.name, "A", t0)
		in.Host.OSGroup = h.group
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		sort    string
		unknown string // left out of the groups read
		want    []string
	}{
		{"all known", "os", "", []string{"c.example.org", "b.example.org", "d.example.org", "a.example.org", "f.example.org", "e.example.org"}},
		{"one between others", "os", "debian:10", []string{"c.example.org", "b.example.org", "a.example.org", "f.example.org", "e.example.org", "d.example.org"}},
		{"the first", "os", "alma:9", []string{"b.example.org", "d.example.org", "a.example.org", "f.example.org", "e.example.org", "c.example.org"}},
		{"the last", "os", "zz:1", []string{"c.example.org", "b.example.org", "d.example.org", "a.example.org", "f.example.org", "e.example.org"}},
		{"descending, first", "-os", "debian:10", []string{"d.example.org", "e.example.org", "a.example.org", "f.example.org", "b.example.org", "c.example.org"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := HostFilter{Sort: tt.sort, Limit: 100}
			q, err := s.hostQuery(ctx, AllSites(), f)
			if err != nil {
				t.Fatal(err)
			}
			var groups []string
			for _, g := range q.osGroups {
				if g != tt.unknown {
					groups = append(groups, g)
				}
			}
			q.osGroups = groups
			hosts, err := s.listPage(ctx, f, q, -1)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hosts {
				got = append(got, h.Hostname)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
