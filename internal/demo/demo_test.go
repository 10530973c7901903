package demo

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// TestLoad loads the bundle as pakiti serve --demo does and checks that the
// demo shows real findings, a host without data as not evaluated, and
// that loading twice is harmless.
func TestLoad(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := match.New(st, drivers.Registry(), log)
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(),
		Eval: m, Log: log, Now: time.Now}
	for range 2 {
		if err := Load(ctx, im, intake.New(st, m, log)); err != nil {
			t.Fatal(err)
		}
	}
	hosts, total, err := st.ListHosts(ctx, store.AllSites(), store.HostFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if total != len(reports) {
		t.Fatalf("%d hosts, want %d", total, len(reports))
	}
	got := map[string][3]any{}
	for _, h := range hosts {
		got[h.Hostname] = [3]any{h.Evaluated, h.VulnerablePackages, h.CVEs}
	}
	// Counted from the bundled DSA/DLA lists by hand: see test/e2e/debian_test.go
	// for the per-CVE derivation of both Debian 11 hosts.
	want := map[string][3]any{
		"inv-debian11-a.example.org":   {true, 9, 10}, // krb5 x4, libksba8, libgnutls30, libssl1.1, openssl, libxml2
		"bullseye-p6.example.org":      {true, 4, 20}, // 389-ds-base, atomicparsley, running kernel, wordpress
		"inv-ubuntu2204-a.example.org": {false, 0, 0}, // no Ubuntu data: not evaluated
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: (evaluated, vulnerable packages, CVEs) = %v, want %v", name, got[name], w)
		}
	}
}
