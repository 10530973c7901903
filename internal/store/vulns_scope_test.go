package store_test

// The vulnerabilities listing, the package search and Pakiti 3's tagged
// host rows (vulns.go, packages_search.go), in the scope table of
// scope_test.go, on its seed.

import (
	"context"
	"fmt"

	"github.com/pakiti-go/pakiti/internal/store"
)

func init() {
	scopeReads = append(scopeReads,
		scopeRead{
			// A CVE's line once per host affected: a1 has CVE-2022-4450
			// on openssl and libssl1.1 and counts once.
			method: "Vulns", name: "vulnerabilities with hosts counted once",
			read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
				list, total, err := s.Vulns(ctx, sc, store.VulnFilter{Limit: store.MaxLimit})
				var out []string
				for _, v := range list {
					out = append(out, times(v.Hosts, v.CVE)...)
				}
				if total != len(list) {
					return nil, fmt.Errorf("total %d, listed %d", total, len(list))
				}
				return out, err
			},
			want: map[string][]string{
				// a1 and a2: DSA-5343-1; a1's running image: DSA-5324-1.
				"SITE-A": concat(dsa5343, dsa5343, dsa5324),
				// b1: DSA-5343-1 on libssl1.1, DSA-5349-1, DSA-5324-1.
				"SITE-B": concat(dsa5343, dsa5349, dsa5324),
			},
		},
		scopeRead{
			method: "PackageHosts", name: "hosts with a package",
			read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
				var out []string
				for _, name := range []string{"libssl1.1", "linux-image-*"} {
					ms, total, err := s.PackageHosts(ctx, sc, store.PackageSearch{Name: name})
					if err != nil {
						return nil, err
					}
					for _, m := range ms {
						out = append(out, fmt.Sprintf("%s %s %s %s", m.Name, m.Version, m.Hostname, m.Site))
					}
					out = append(out, times(total, name+" counted")...)
				}
				return out, nil
			},
			want: map[string][]string{
				"SITE-A": {"libssl1.1 1.1.1n-0+deb11u3 a1.example.org SITE-A", "libssl1.1 counted",
					"linux-image-5.10.0-19-amd64 5.10.149-2 a1.example.org SITE-A", "linux-image-5.10.0-20-amd64 5.10.158-2 a1.example.org SITE-A",
					"linux-image-* counted", "linux-image-* counted"},
				"SITE-B": {"libssl1.1 1.1.1n-0+deb11u3 b1.example.org SITE-B", "libssl1.1 counted",
					"linux-image-5.10.0-19-amd64 5.10.149-2 b1.example.org SITE-B", "linux-image-5.10.0-20-amd64 5.10.158-2 b1.example.org SITE-B",
					"linux-image-* counted", "linux-image-* counted"},
			},
		},
		scopeRead{
			method: "EachPackageHost", name: "hosts with a package, exported",
			read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
				var out []string
				n, err := s.EachPackageHost(ctx, sc, store.PackageSearch{Name: "libssl1.1"}, func(m store.PackageHost) error {
					out = append(out, fmt.Sprintf("%s %s %s %s", m.Name, m.Version, m.Hostname, m.Site))
					return nil
				})
				return append(out, times(n, "counted")...), err
			},
			want: map[string][]string{
				"SITE-A": {"libssl1.1 1.1.1n-0+deb11u3 a1.example.org SITE-A", "counted"},
				"SITE-B": {"libssl1.1 1.1.1n-0+deb11u3 b1.example.org SITE-B", "counted"},
			},
		},
		scopeRead{
			// seedPolicy's enabled tags; its exceptions take out
			// openssl's CVE-2022-4450 (a2 has no other package of it) and
			// b1's libgnutls30 CVE-2023-0361.
			method: "TaggedHostCVEs", name: "tagged host rows (api/hosts.php)",
			read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
				if err := seedPolicy(ctx, s); err != nil {
					return nil, err
				}
				var out []string
				err := s.TaggedHostCVEs(ctx, sc, store.TaggedFilter{Now: scopeAt}, func(r store.TaggedHostCVE) error {
					out = append(out, fmt.Sprintf("%s %s %s %s %s", r.Tag, r.CVE, r.Site, r.Host, r.Arch))
					return nil
				})
				return out, err
			},
			want: map[string][]string{
				"SITE-A": {"EGI-Critical CVE-2022-4450 SITE-A a1.example.org x86_64", "EGI-Critical CVE-2023-0266 SITE-A a1.example.org x86_64"},
				"SITE-B": {"EGI-Critical CVE-2022-4450 SITE-B b1.example.org x86_64", "EGI-Critical CVE-2023-0266 SITE-B b1.example.org x86_64"},
			},
		},
		scopeRead{
			// The DSA list covers no release completely: partial data.
			method: "ListHosts", name: "hosts by data state, OS order",
			read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
				var out []string
				for _, st := range store.DataStateNames {
					hosts, total, err := s.ListHosts(ctx, sc, store.HostFilter{DataState: st, Sort: "-os"})
					if err != nil {
						return nil, err
					}
					for _, h := range hosts {
						out = append(out, st+" "+h.Hostname)
					}
					out = append(out, times(total, st+" counted")...)
				}
				return out, nil
			},
			want: map[string][]string{
				"SITE-A": {"partial a1.example.org", "partial a2.example.org", "partial counted", "partial counted"},
				"SITE-B": {"partial b1.example.org", "partial counted"},
			},
		},
	)
}
