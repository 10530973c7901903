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

// TestSavedStateIsHostStates: the matching state a save hands to the
// evaluation (Saved.State) is what HostStates reads right after it, for
// every kind of new host; a save that cannot know it without a read (a
// changed or unchanged host, a report that said its modules or Pro
// services) hands none.
func TestSavedStateIsHostStates(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	// adduser of inventory ubuntu-18.04/fanal-testdata-dpkg (real).
	pkgs := report.SortPackages([]model.Package{{Name: "adduser", Version: "3.116ubuntu1", Arch: "all", SourceName: "adduser", SourceVersion: "3.116ubuntu1"}})
	at := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	in := func(host, site, kernel string, protocol int) store.Incoming {
		return store.Incoming{
			Host: model.Host{Hostname: host, Site: site, OS: "Ubuntu 18.04", Kernel: kernel, Packager: "dpkg",
				Protocol: protocol, OSGroup: "ubuntu:18.04"},
			Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: host + site + kernel, ReceivedAt: at,
		}
	}
	for _, tc := range []struct {
		name      string
		in        store.Incoming
		wantState bool
	}{
		{"new host", in("a.example.org", "S", "4.15.0-20-generic", 6), true},
		{"new host, default site", in("b.example.org", "", "", 5), true},
		{"new host on a known set, another site", in("c.example.org", "T", "4.15.0-21-generic", 5), true},
		{"changed host", in("a.example.org", "S", "4.15.0-22-generic", 6), false},
		{"unchanged host", in("a.example.org", "S", "4.15.0-22-generic", 6), false},
		{"new host with modules", func() store.Incoming {
			i := in("d.example.org", "S", "", 6)
			i.Modules = store.HostModules{Known: true}
			return i
		}(), false},
		{"new host with Pro", func() store.Incoming {
			i := in("e.example.org", "S", "", 6)
			i.Pro = store.HostPro{Known: true, Services: []string{"esm-infra"}}
			return i
		}(), false},
	} {
		saved, err := s.SaveReport(ctx, tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if (saved.State != nil) != tc.wantState {
			t.Errorf("%s: state handed %v, want %v", tc.name, saved.State != nil, tc.wantState)
		}
		if saved.State == nil {
			continue
		}
		read, err := s.HostStates(ctx, []string{tc.in.Host.Hostname}, nil)
		if err != nil || len(read) != 1 {
			t.Fatalf("%s: HostStates %v, %v", tc.name, read, err)
		}
		if d := cmp.Diff(read[0], *saved.State); d != "" {
			t.Errorf("%s: handed state differs from the state read (-read +handed):\n%s", tc.name, d)
		}
	}
}
