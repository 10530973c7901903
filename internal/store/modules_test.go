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

// TestPackageModule: a build first reported without its module stream (an
// older protocol-6 client) gets it from the first report that names it;
// both hosts then share the row, which carries the stream. The host's
// enabled streams are kept until a report says nothing of them.
func TestPackageModule(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	// perl-IO-Socket-SSL of inventory alma-8/vuls-alma8 (real NEVRA); the
	// source and stream are constructed (no inventory has the label).
	plain := model.Package{Name: "perl-IO-Socket-SSL", Version: "0:2.066-4.module_el8.6.0+2811+fe6c84b0", Arch: "noarch",
		SourceName: "perl-IO-Socket-SSL", SourceVersion: "0:2.066-4.module_el8.6.0+2811+fe6c84b0"}
	labelled := plain
	labelled.Module = "perl-IO-Socket-SSL:2.066"
	bash := model.Package{Name: "bash", Version: "0:4.4.20-4.el8_6", Arch: "x86_64", SourceName: "bash", SourceVersion: "0:4.4.20-4.el8_6"}
	at := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	save := func(host string, m store.HostModules, pkgs ...model.Package) {
		t.Helper()
		pkgs = report.SortPackages(pkgs)
		in := store.Incoming{
			Host: model.Host{Hostname: host, Site: "S", OS: "AlmaLinux release 8.9 (Midnight Oncilla)", Packager: "rpm",
				Protocol: 6, OSGroup: "alma:8"},
			Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: host + at.String(), ReceivedAt: at, Modules: m,
		}
		at = at.Add(time.Minute)
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	pkgsOf := func(host string) []model.Package {
		t.Helper()
		ps, err := s.HostPackages(ctx, store.AllSites(), host)
		if err != nil {
			t.Fatal(err)
		}
		return ps
	}
	modulesOf := func(host string) store.HostModules {
		t.Helper()
		m, err := s.HostModules(ctx, store.AllSites(), host)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	save("old.example.org", store.HostModules{}, bash, plain)
	if diff := cmp.Diff([]model.Package{bash, plain}, pkgsOf("old.example.org")); diff != "" {
		t.Errorf("old client's packages (-want +got):\n%s", diff)
	}
	enabled := store.HostModules{Known: true, Streams: []string{"perl-IO-Socket-SSL:2.066", "perl-libwww-perl:6.34"}}
	save("new.example.org", enabled, bash, labelled)
	for _, h := range []string{"old.example.org", "new.example.org"} {
		if diff := cmp.Diff([]model.Package{bash, labelled}, pkgsOf(h)); diff != "" {
			t.Errorf("%s packages after a labelled report (-want +got):\n%s", h, diff)
		}
	}
	// The old client again, with its cached catalogue id: still the labelled row.
	save("old.example.org", store.HostModules{}, plain)
	if diff := cmp.Diff([]model.Package{labelled}, pkgsOf("old.example.org")); diff != "" {
		t.Errorf("old client's packages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(enabled, modulesOf("new.example.org")); diff != "" {
		t.Errorf("enabled streams (-want +got):\n%s", diff)
	}
	if m := modulesOf("old.example.org"); m.Known {
		t.Errorf("a host that said nothing has module state %+v", m)
	}
	save("new.example.org", store.HostModules{Known: true}, bash, labelled)
	if m := modulesOf("new.example.org"); !m.Known || len(m.Streams) != 0 {
		t.Errorf("no stream enabled: got %+v", m)
	}
	save("new.example.org", store.HostModules{}, bash, labelled)
	if m := modulesOf("new.example.org"); m.Known {
		t.Errorf("a report without module state kept %+v", m)
	}
}
