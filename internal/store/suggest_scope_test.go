package store_test

// The CVE autocomplete (suggest.go) in the scope table of scope_test.go.

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

func init() {
	scopeReads = append(scopeReads, scopeRead{
		method: "CVESuggestions", name: "CVE autocomplete",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			// CVE-2023-0361 (DSA-5349-1, gnutls28) is on b1 only: SITE-B's.
			// The others of the seed are on both sites' hosts: DSA-5343-1's
			// (openssl) and DSA-5324-1's (the running kernel images).
			var out []string
			for _, prefix := range []string{"CVE-2023-036", "CVE-2023-03"} {
				ids, err := s.CVESuggestions(ctx, sc, prefix, 10)
				if err != nil {
					return nil, err
				}
				for _, id := range ids {
					if id == "CVE-2023-0361" {
						out = append(out, prefix+" "+id)
					}
				}
			}
			// The ids of both sites: all of them with any site, none
			// without one.
			both := []string{"CVE-2023-0179", "CVE-2023-0215", "CVE-2023-0266", "CVE-2023-0286", "CVE-2023-0394"}
			ids, err := s.CVESuggestions(ctx, sc, "CVE-2023-0", 10)
			if err != nil {
				return nil, err
			}
			ids = slices.DeleteFunc(ids, func(id string) bool { return id == "CVE-2023-0361" })
			_, seen, err := s.ListHosts(ctx, sc, store.HostFilter{})
			if err != nil {
				return nil, err
			}
			if want := map[bool][]string{true: both, false: {}}[seen > 0]; !slices.Equal(ids, want) {
				return nil, fmt.Errorf("CVE-2023-0 with %d hosts in scope: %v, want %v", seen, ids, want)
			}
			return out, nil
		},
		want: map[string][]string{
			"SITE-B": {"CVE-2023-036 CVE-2023-0361", "CVE-2023-03 CVE-2023-0361"},
		},
	})
}

// TestCVESuggestions: prefixes, order, limit and bad input, with every
// site. The ids are the seed's (scope_test.go): DSA-5343-1's, DSA-5349-1's
// and DSA-5324-1's.
func TestCVESuggestions(t *testing.T) {
	ctx := context.Background()
	s := seedScope(t)
	for _, c := range []struct {
		prefix string
		limit  int
		want   []string
	}{
		{"CVE-2022-4", 10, []string{"CVE-2022-41218", "CVE-2022-4304", "CVE-2022-4450", "CVE-2022-45934", "CVE-2022-4696", "CVE-2022-47929"}},
		{"CVE-2022-4", 2, []string{"CVE-2022-41218", "CVE-2022-4304"}},
		{"CVE-2022-4450", 10, []string{"CVE-2022-4450"}},
		{"CVE-2022-44500", 10, []string{}},
		{"CVE-2023-2345", 10, []string{"CVE-2023-23454", "CVE-2023-23455"}},
		{"CVE-2", 3, []string{"CVE-2022-2097", "CVE-2022-2873", "CVE-2022-3545"}},
		{"cve-2022", 10, []string{}}, // as stored: callers normalise
		{"DSA-", 10, []string{}},     // advisories are not findings' ids here
		{"CVE-2022-4", 0, []string{"CVE-2022-41218"}},
		{"CVE-2022-4", 1000, []string{"CVE-2022-41218", "CVE-2022-4304", "CVE-2022-4450", "CVE-2022-45934", "CVE-2022-4696", "CVE-2022-47929"}},
	} {
		got, err := s.CVESuggestions(ctx, store.AllSites(), c.prefix, c.limit)
		if err != nil {
			t.Fatalf("%q: %v", c.prefix, err)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%q limit %d (-want +got):\n%s", c.prefix, c.limit, diff)
		}
	}
	for _, bad := range []string{"", "CVE-\x7f", "CVE 2023", "CVÉ", string(make([]byte, 65))} {
		if got, err := s.CVESuggestions(ctx, store.AllSites(), bad, 10); err == nil {
			t.Errorf("%q: %v, want an error", bad, got)
		}
	}
}

// TestCVESuggestionsSkipExceptedAndRemoved: an excepted finding's CVE and
// a removed host's are not suggested. Constructed findings written
// directly (store.WriteFindings) on a host of the seed's kind.
func TestCVESuggestionsSkipExceptedAndRemoved(t *testing.T) {
	ctx := context.Background()
	s := seedScopeOn(t, testdb.Open(t))
	// b1 alone has CVE-2023-0361: removing it removes the suggestion.
	if got, _ := s.CVESuggestions(ctx, store.AllSites(), "CVE-2023-0361", 10); !slices.Equal(got, []string{"CVE-2023-0361"}) {
		t.Fatalf("before: %v", got)
	}
	if _, err := s.DeleteHost(ctx, store.AllSites(), "b1.example.org", scopeAt); err != nil {
		t.Fatal(err)
	}
	if got, err := s.CVESuggestions(ctx, store.AllSites(), "CVE-2023-0361", 10); err != nil || len(got) != 0 {
		t.Errorf("after b1 was removed: %v (%v), want none", got, err)
	}
	// CVE-2022-4450 excepted on openssl everywhere (seedPolicy): a2 has
	// it on openssl only, a1 on libssl1.1 too; with a1 removed as well,
	// only a2's excepted finding is left.
	if err := seedPolicy(ctx, s); err != nil {
		t.Fatal(err)
	}
	applyPolicy(t, s, scopeAt)
	if got, _ := s.CVESuggestions(ctx, store.AllSites(), "CVE-2022-4450", 10); !slices.Equal(got, []string{"CVE-2022-4450"}) {
		t.Fatalf("a1's libssl1.1 finding: %v", got)
	}
	if _, err := s.DeleteHost(ctx, store.AllSites(), "a1.example.org", scopeAt); err != nil {
		t.Fatal(err)
	}
	if got, err := s.CVESuggestions(ctx, store.AllSites(), "CVE-2022-4450", 10); err != nil || len(got) != 0 {
		t.Errorf("only an excepted finding left: %v (%v), want none", got, err)
	}
}
