package store_test

// The known-exploited reads (kev.go: the vulnerabilities list's and the
// hosts list's exploited filter, the dashboard's count) and the
// vulnerabilities list's activity filter, in the scope table of
// scope_test.go, on its seed with the real KEV excerpt loaded.

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/pakiti-go/pakiti/internal/source/kev"
	"github.com/pakiti-go/pakiti/internal/store"
)

// kevLoaded marks the stores the excerpt was loaded into.
var kevLoaded sync.Map

// loadKEV loads the real excerpt of CISA's catalogue 2025.08.25
// (internal/source/kev/testdata, PROVENANCE.tsv there) into s once. It
// lists CVE-2023-0266 ("Linux Kernel Use-After-Free Vulnerability",
// dateAdded 2023-03-30), one of DSA-5324-1's 13 CVEs: the running image of
// a1 and of b1 has it; no other CVE of the seed's DSA records is listed.
func loadKEV(ctx context.Context, s *store.Store) error {
	if _, done := kevLoaded.LoadOrStore(s, true); done {
		return nil
	}
	f, err := os.Open("../source/kev/testdata/kev-2025.08.25.excerpt.json")
	if err != nil {
		return err
	}
	defer f.Close()
	cat, entries, err := kev.Parse(f)
	if err != nil {
		return err
	}
	_, err = s.ReplaceKEV(ctx, store.ImportRun{Source: store.KEVSource, StartedAt: time.Date(2026, 11, 25, 7, 30, 0, 0, time.UTC),
		Locations: []store.Location{{Location: "kev-2025.08.25.excerpt.json", Fingerprint: "x"}}}, cat, entries)
	return err
}

func init() {
	scopeReads = append(scopeReads,
		scopeRead{
			method: "Vulns", name: "known-exploited vulnerabilities",
			read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
				if err := loadKEV(ctx, s); err != nil {
					return nil, err
				}
				list, total, err := s.Vulns(ctx, sc, store.VulnFilter{Exploited: true})
				if total != len(list) {
					return nil, fmt.Errorf("total %d, listed %d", total, len(list))
				}
				var out []string
				for _, v := range list {
					out = append(out, times(v.Hosts, fmt.Sprintf("%s exploited=%v", v.CVE, v.Exploited))...)
				}
				return out, err
			},
			want: map[string][]string{
				"SITE-A": {"CVE-2023-0266 exploited=true"},
				"SITE-B": {"CVE-2023-0266 exploited=true"},
			},
		},
		scopeRead{
			method: "ListHosts", name: "hosts exposed to known-exploited CVEs",
			read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
				if err := loadKEV(ctx, s); err != nil {
					return nil, err
				}
				hosts, total, err := s.ListHosts(ctx, sc, store.HostFilter{Exploited: true})
				var out []string
				for _, h := range hosts {
					out = append(out, h.Hostname)
				}
				return append(out, times(total, "counted")...), err
			},
			want: map[string][]string{
				// a2 has openssl's findings only.
				"SITE-A": {"a1.example.org", "counted"},
				"SITE-B": {"b1.example.org", "counted"},
			},
		},
		scopeRead{
			method: "Dashboard", name: "dashboard: hosts exposed to known-exploited CVEs",
			read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
				if err := loadKEV(ctx, s); err != nil {
					return nil, err
				}
				d, err := s.Dashboard(ctx, sc, time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
				if err != nil {
					return nil, err
				}
				if !d.Loaded || d.Version != "2025.08.25" {
					return nil, fmt.Errorf("catalogue %+v, want 2025.08.25 loaded", d.KEVExposure)
				}
				return times(d.KEVExposure.Hosts, "exposed to known exploited"), nil
			},
			want: map[string][]string{
				"SITE-A": {"exposed to known exploited"},
				"SITE-B": {"exposed to known exploited"},
			},
		},
		scopeRead{
			// Seen from far ahead, every CVE's first exposure is before
			// the last 24 h ("-24h") and none within them ("24h").
			method: "Vulns", name: "vulnerabilities by first exposure",
			read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
				later := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
				var out []string
				for _, act := range []string{"-24h", "24h"} {
					a, err := store.ParseActivity(act)
					if err != nil {
						return nil, err
					}
					list, _, err := s.Vulns(ctx, sc, store.VulnFilter{Activity: a, Now: later, Limit: store.MaxLimit})
					if err != nil {
						return nil, err
					}
					for _, v := range list {
						out = append(out, times(v.Hosts, act+" "+v.CVE)...)
					}
				}
				return out, nil
			},
			want: map[string][]string{
				"SITE-A": prefixed("-24h", concat(dsa5343, dsa5343, dsa5324)),
				"SITE-B": prefixed("-24h", concat(dsa5343, dsa5349, dsa5324)),
			},
		},
	)
}
