package web

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
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

// newPolicyServer is a server applying the tags and exceptions as pakiti
// serve applies them (a live policy read by the findings writer), with
// testdata/DSA-5343-1.txt loaded ("DSA-5343-1 openssl {CVE-2022-2097
// CVE-2022-4304 CVE-2022-4450 CVE-2023-0215 CVE-2023-0286} [bullseye] -
// openssl 1.1.1n-0+deb11u4") and tags and es stored before any report, so
// that the reports' evaluation applies them. cfg, when not nil, changes
// the server's Config.
func newPolicyServer(t *testing.T, tags []store.CVETag, es []store.Exception, cfg func(*Config)) (*httptest.Server, *store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st.SetPolicy(store.NewLivePolicy(st, time.Second, nil, func(err error) { t.Error(err) }))
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(),
		Eval: match.New(st, drivers.Registry(), log), Log: log, Now: time.Now}
	if _, err := im.Import(ctx, "debian", []string{"testdata/DSA-5343-1.txt"}, false); err != nil {
		t.Fatal(err)
	}
	for _, tag := range tags {
		if err := st.PutTag(ctx, tag); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range es {
		if _, err := st.PutException(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	c := Config{Store: st, Feed: intake.New(st, match.New(st, drivers.Registry(), log), log), Log: log}
	if cfg != nil {
		cfg(&c)
	}
	h, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, st
}

// debian11Report is a protocol 5 report of a Debian 11 host of site with
// openssl 1.1.1n-0+deb11u3 (the five CVEs of DSA-5343-1), or with the
// fixed 1.1.1n-0+deb11u4 (none) when fixed.
func debian11Report(host, site string, fixed bool) string {
	v := "1.1.1n-0+deb11u3"
	if fixed {
		v = "1.1.1n-0+deb11u4"
	}
	return "#\nhost: " + host + "\nkernel: 5.10.0-20-amd64\nsite: " + site + "\nsystem: Debian GNU/Linux 11\n#\nopenssl\t" + v + "\tamd64\n#\n"
}
