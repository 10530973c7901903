package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// TestHostFacts: what a report said of the host's Ubuntu Pro services and
// module streams is in its matching state (HostStates, HostsOnSet) until
// a report says nothing of it; a host that never said has no facts.
func TestHostFacts(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	// adduser of inventory ubuntu-18.04/fanal-testdata-dpkg (real).
	pkgs := []model.Package{{Name: "adduser", Version: "3.116ubuntu1", Arch: "all", SourceName: "adduser", SourceVersion: "3.116ubuntu1"}}
	at := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	save := func(host string, pro store.HostPro, m store.HostModules) {
		t.Helper()
		in := store.Incoming{
			Host:     model.Host{Hostname: host, Site: "S", OS: "Ubuntu 18.04", Packager: "dpkg", Protocol: 6, OSGroup: "ubuntu:18.04"},
			Packages: report.SortPackages(pkgs), SetHash: report.PackageSetHash(pkgs), HeaderHash: host + at.String(),
			ReceivedAt: at, Pro: pro, Modules: m,
		}
		at = at.Add(time.Minute)
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	factsOf := func() map[string]map[string]string {
		t.Helper()
		hs, err := s.HostStates(ctx, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]map[string]string{}
		for _, h := range hs {
			out[h.Hostname] = h.Facts
		}
		on, err := s.HostsOnSet(ctx, "ubuntu:18.04", hs[0].SetID)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range on {
			if !cmp.Equal(h.Facts, out[h.Hostname]) {
				t.Errorf("HostsOnSet gives %s facts %v, HostStates %v", h.Hostname, h.Facts, out[h.Hostname])
			}
		}
		return out
	}
	save("pro.example.org", store.HostPro{Known: true, Services: []string{"esm-infra", "esm-apps"}}, store.HostModules{})
	save("nopro.example.org", store.HostPro{Known: true}, store.HostModules{Known: true})
	save("p5.example.org", store.HostPro{}, store.HostModules{})
	want := map[string]map[string]string{
		"pro.example.org":   {store.FactPro: "esm-infra esm-apps"},
		"nopro.example.org": {store.FactPro: "none", store.FactModules: ""},
		"p5.example.org":    nil,
	}
	if diff := cmp.Diff(want, factsOf()); diff != "" {
		t.Errorf("facts (-want +got):\n%s", diff)
	}
	// A changed report says other services; then one that says nothing.
	save("pro.example.org", store.HostPro{Known: true, Services: []string{"esm-infra"}}, store.HostModules{})
	save("nopro.example.org", store.HostPro{}, store.HostModules{})
	want["pro.example.org"] = map[string]string{store.FactPro: "esm-infra"}
	want["nopro.example.org"] = nil
	if diff := cmp.Diff(want, factsOf()); diff != "" {
		t.Errorf("facts after changed reports (-want +got):\n%s", diff)
	}
}
