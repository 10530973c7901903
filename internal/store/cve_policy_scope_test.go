package store_test

// The CVE page's tags and exceptions (cves.go), in the scope table of
// scope_test.go: a CVE's tags are global definitions, its exceptions of
// a site or host are seen only in that site's scope.

import (
	"context"
	"errors"
	"fmt"

	"github.com/pakiti-go/pakiti/internal/store"
)

func init() {
	scopeReads = append(scopeReads, scopeRead{
		method: "CVE", name: "tags and exceptions of a CVE (CVE page)",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			if err := seedPolicy(ctx, s); err != nil {
				return nil, err
			}
			// Besides seedPolicy's (CVE-2022-4450's of every host,
			// CVE-2023-0361's of SITE-B), constructed for this read and
			// removed after it, covering no finding (no host has these
			// versions): one of a1, and the only thing known of a CVE
			// the data does not name, of b1.
			var ids []int64
			for _, e := range []store.Exception{
				{CVE: "CVE-2022-4450", Package: "libssl1.1", Version: "1.1.1n-0+deb11u3+rebuilt", ScopeKind: store.ScopeHost,
					Scope: "a1.example.org", Reason: "rebuilt", Author: "admin", CreatedAt: scopeAt},
				{CVE: "CVE-2099-0001", Package: "openssl", Version: "9.9", ScopeKind: store.ScopeHost,
					Scope: "b1.example.org", Reason: "constructed", Author: "admin", CreatedAt: scopeAt},
			} {
				id, err := s.PutException(ctx, e)
				if err != nil {
					return nil, err
				}
				ids = append(ids, id)
			}
			defer func() {
				for _, id := range ids {
					s.RemoveException(ctx, id)
				}
			}()
			var out []string
			for _, id := range []string{"CVE-2022-4450", "CVE-2023-0361", "CVE-2099-0001"} {
				info, err := s.CVE(ctx, sc, id)
				if errors.Is(err, store.ErrNotFound) && id == "CVE-2099-0001" {
					continue // known only by an exception of a host out of scope
				}
				if err != nil {
					return nil, err
				}
				if id == "CVE-2099-0001" {
					out = append(out, id+" found")
				}
				if want := map[string]int{"CVE-2022-4450": 1, "CVE-2023-0361": 1}[id]; len(info.Tags) != want {
					return nil, fmt.Errorf("%s: %d tags, want %d whatever the scope", id, len(info.Tags), want)
				}
				all := 0
				for _, e := range info.Exceptions {
					if e.ScopeKind == store.ScopeAll {
						all++
						continue
					}
					out = append(out, fmt.Sprintf("%s %s %s %s active=%v", id, e.Package, e.ScopeKind, e.Scope, e.Active))
				}
				if want := map[string]int{"CVE-2022-4450": 1}[id]; all != want {
					return nil, fmt.Errorf("%s: %d exceptions of every host, want %d whatever the scope", id, all, want)
				}
			}
			return out, nil
		},
		want: map[string][]string{
			"SITE-A": {"CVE-2022-4450 libssl1.1 host a1.example.org active=true"},
			"SITE-B": {"CVE-2023-0361 libgnutls30 site SITE-B active=true",
				"CVE-2099-0001 found", "CVE-2099-0001 openssl host b1.example.org active=true"},
		},
	})
}
