package store_test

// The tag and exception reads that take a Scope, in the scope table of
// scope_test.go (added here so that the table's file stays as it was),
// and the tag and exception methods that take none, with why.

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
)

// scopeAt is the time the scoped tag reads judge exceptions at.
var scopeAt = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// seedPolicy puts the tags and exceptions the scoped reads below rely on
// (idempotent: each read runs it again). The tag decisions are ours, made
// for the test, on the CVEs of the real DSA records of the seed:
// CVE-2022-4450 (DSA-5343-1) and CVE-2023-0266 (DSA-5324-1) EGI-Critical,
// CVE-2023-0361 (DSA-5349-1) EGI-High. The exceptions are constructed (no
// public exception data exists): openssl's CVE-2022-4450 everywhere (not
// libssl1.1's), and libgnutls30 3.7.1-5+deb11u2's CVE-2023-0361 on SITE-B.
func seedPolicy(ctx context.Context, s *store.Store) error {
	for _, t := range []store.CVETag{
		{CVE: "CVE-2022-4450", Tag: "EGI-Critical", Enabled: true, Author: "csirt", ModifiedAt: scopeAt},
		{CVE: "CVE-2023-0266", Tag: "EGI-Critical", Enabled: true, Author: "csirt", ModifiedAt: scopeAt},
		{CVE: "CVE-2023-0361", Tag: "EGI-High", Enabled: true, Author: "csirt", ModifiedAt: scopeAt},
		// Disabled: counts nowhere.
		{CVE: "CVE-2022-2097", Tag: "EGI-High", Enabled: false, Author: "csirt", ModifiedAt: scopeAt},
	} {
		if err := s.PutTag(ctx, t); err != nil {
			return err
		}
	}
	for _, e := range []store.Exception{
		{CVE: "CVE-2022-4450", Package: "openssl", ScopeKind: store.ScopeAll, Reason: "openssl binary unused", Author: "admin", CreatedAt: scopeAt},
		{CVE: "CVE-2023-0361", Package: "libgnutls30", Version: "3.7.1-5+deb11u2", ScopeKind: store.ScopeSite, Scope: "SITE-B",
			Reason: "patched locally", Author: "admin", CreatedAt: scopeAt},
	} {
		if _, err := s.PutException(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

func init() {
	scopeReads = append(scopeReads,
		scopeRead{
			method: "TaggedCounts", name: "tagged and excepted counts",
			read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
				if err := seedPolicy(ctx, s); err != nil {
					return nil, err
				}
				cs, err := s.TaggedCounts(ctx, sc, scopeNames(), scopeAt)
				var out []string
				for host, c := range cs {
					line := fmt.Sprintf("%s tagged=%d excepted=%d", host, c.TaggedCVEs, c.Excepted)
					var tags []string
					for tag, n := range c.ByTag {
						tags = append(tags, fmt.Sprintf(" %s=%d", tag, n))
					}
					sort.Strings(tags)
					for _, t := range tags {
						line += t
					}
					out = append(out, line)
				}
				return out, err
			},
			want: map[string][]string{
				// a1: CVE-2022-4450 on libssl1.1 (its openssl one excepted), CVE-2023-0266 on the running image.
				// a2: only openssl's CVE-2022-4450, excepted.
				"SITE-A": {"a1.example.org tagged=2 excepted=1 EGI-Critical=2", "a2.example.org tagged=0 excepted=1"},
				// b1: CVE-2022-4450 (libssl1.1), CVE-2023-0266 (image); CVE-2023-0361 excepted on SITE-B.
				"SITE-B": {"b1.example.org tagged=2 excepted=1 EGI-Critical=2"},
			},
		},
		scopeRead{
			method: "ListHosts", name: "hosts filtered by CVE tag",
			read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
				if err := seedPolicy(ctx, s); err != nil {
					return nil, err
				}
				var out []string
				for _, tag := range []string{store.AnyTag, "EGI-Critical", "EGI-High"} {
					hosts, total, err := s.ListHosts(ctx, sc, store.HostFilter{CVETag: tag, At: scopeAt})
					if err != nil {
						return nil, err
					}
					for _, h := range hosts {
						out = append(out, tag+" "+h.Hostname)
					}
					out = append(out, times(total, tag+" counted")...)
				}
				return out, nil
			},
			want: map[string][]string{
				// a2's only tagged finding is excepted; EGI-High's only host finding (b1's gnutls) too.
				"SITE-A": {"* a1.example.org", "* counted", "EGI-Critical a1.example.org", "EGI-Critical counted"},
				"SITE-B": {"* b1.example.org", "* counted", "EGI-Critical b1.example.org", "EGI-Critical counted"},
			},
		},
		scopeRead{
			method: "AuditExceptions", name: "exceptions audit",
			read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
				if err := seedPolicy(ctx, s); err != nil {
					return nil, err
				}
				cov, err := s.AuditExceptions(ctx, sc, scopeAt)
				// The exception of every host is listed whatever the
				// scope; SITE-B's names SITE-B: listed in its scope only.
				all := 0
				var out []string
				for _, c := range cov {
					if c.ScopeKind == store.ScopeAll {
						all++
					} else {
						out = append(out, fmt.Sprintf("listed %s %s", c.CVE, c.Scope))
					}
					for _, h := range c.Sample {
						out = append(out, fmt.Sprintf("%s %s %s", c.CVE, c.Package, h))
					}
					out = append(out, times(c.Findings, c.CVE+" finding")...)
				}
				if err == nil && all != 1 {
					return nil, fmt.Errorf("%d exceptions of every host listed, want 1 whatever the scope", all)
				}
				return out, err
			},
			want: map[string][]string{
				"SITE-A": {"CVE-2022-4450 openssl a1.example.org", "CVE-2022-4450 openssl a2.example.org",
					"CVE-2022-4450 finding", "CVE-2022-4450 finding"},
				"SITE-B": {"CVE-2023-0361 libgnutls30 b1.example.org", "CVE-2023-0361 finding", "listed CVE-2023-0361 SITE-B"},
			},
		},
	)
	for name, why := range map[string]string{
		"PutTag": "admin write: tag definitions", "RemoveTag": "admin write", "SetTagEnabled": "admin write",
		"Tags": "tag definitions, global, no host data", "ImportTags": "admin write: tag definitions",
		"PutException": "admin write: exception definitions", "RemoveException": "admin write",
		"Exceptions":       "exception definitions, global, no host data",
		"ImportExceptions": "admin write: exception definitions",
		"LoadPolicy":       "tag and exception definitions for the findings writer, no host data",
		"PolicyFor":        "tag and exception definitions of given CVEs, no host data",
	} {
		unscoped[name] = why
	}
}

// TestPolicySeedSeesAllSites is a guard for the table above: with every
// site the counts are exactly the union (the scope cases would pass
// vacuously if the seed failed to tag anything).
func TestPolicySeedSeesAllSites(t *testing.T) {
	ctx := context.Background()
	s := seedScope(t)
	if err := seedPolicy(ctx, s); err != nil {
		t.Fatal(err)
	}
	tags, err := s.Tags(ctx, store.TagFilter{EnabledOnly: true})
	if err != nil || len(tags) != 3 {
		t.Fatalf("%d enabled tags (%v), want 3", len(tags), err)
	}
}
