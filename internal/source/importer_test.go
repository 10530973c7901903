package source_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// Real entries of the Debian tracker's data/DSA/list.
const (
	dsa5343 = "[07 Feb 2023] DSA-5343-1 openssl - security update\n\t{CVE-2022-2097 CVE-2022-4304 CVE-2022-4450 CVE-2023-0215 CVE-2023-0286}\n\t[bullseye] - openssl 1.1.1n-0+deb11u4\n"
	dsa5349 = "[14 Feb 2023] DSA-5349-1 gnutls28 - security update\n\t{CVE-2023-0361}\n\t[bullseye] - gnutls28 3.7.1-5+deb11u3\n"
)

type recorder struct{ changed [][]store.AdvisoryKey }

func (r *recorder) AfterImport(_ context.Context, ch []store.AdvisoryKey) (int, error) {
	r.changed = append(r.changed, ch)
	return 0, nil
}
func (r *recorder) AfterIndex(context.Context, []string) (int, error) { return 0, nil }

func TestImportRuns(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := &recorder{}
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(),
		Eval: rec, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
	file := filepath.Join(t.TempDir(), "DSA-list")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name          string
		content       string
		force         bool
		wantUnchanged bool
		wantRecords   int
		wantChanged   []store.AdvisoryKey
	}{
		{"first import", dsa5343, false, false, 5, []store.AdvisoryKey{{OSGroup: "debian:11", Package: "openssl"}}},
		{"same file again", dsa5343, false, true, 0, nil},
		{"forced, nothing differs", dsa5343, true, false, 5, nil},
		{"a new advisory", dsa5349 + dsa5343, false, false, 6, []store.AdvisoryKey{{OSGroup: "debian:11", Package: "gnutls28"}}},
		{"an advisory withdrawn", dsa5349, false, false, 1, []store.AdvisoryKey{{OSGroup: "debian:11", Package: "openssl"}}},
	}
	for _, s := range steps {
		write(s.content)
		rec.changed = nil
		res, err := im.Import(ctx, "debian", []string{file}, s.force)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if res.Unchanged != s.wantUnchanged || (!s.wantUnchanged && res.Records != s.wantRecords) {
			t.Errorf("%s: unchanged %v records %d, want %v %d", s.name, res.Unchanged, res.Records, s.wantUnchanged, s.wantRecords)
		}
		var got []store.AdvisoryKey
		if len(rec.changed) > 0 {
			got = rec.changed[0]
		}
		if len(got) != len(s.wantChanged) || (len(got) > 0 && got[0] != s.wantChanged[0]) {
			t.Errorf("%s: changed %v, want %v", s.name, got, s.wantChanged)
		}
		srcs, err := st.Sources(ctx)
		if err != nil || len(srcs) != 1 || srcs[0].Records != s.wantRecords && !s.wantUnchanged {
			t.Errorf("%s: sources %+v %v", s.name, srcs, err)
		}
	}
	// Only the records in force remain: 1 (gnutls28), none of openssl.
	advs, err := st.AdvisoriesFor(ctx, "debian:11", []string{"openssl", "gnutls28"})
	if err != nil || len(advs) != 1 || advs[0].CVE != "CVE-2023-0361" {
		t.Errorf("records in force: %+v %v", advs, err)
	}
}

func TestImportRejectsWhatItCannotRead(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
	good := filepath.Join(t.TempDir(), "good")
	os.WriteFile(good, []byte(dsa5343), 0o644)
	if _, err := im.Import(ctx, "debian", []string{good}, false); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte("<html>not data</html>"), 0o644)
	if _, err := im.Import(ctx, "debian", []string{good, bad}, false); err == nil {
		t.Fatal("an unreadable document was accepted")
	}
	if _, err := im.Import(ctx, "nosuch", nil, false); err == nil {
		t.Fatal("an unknown source was accepted")
	}
	// The failed import left the previous records in force.
	advs, _ := st.AdvisoriesFor(ctx, "debian:11", []string{"openssl"})
	if len(advs) != 5 {
		t.Errorf("after a failed import: %d records in force, want the previous 5", len(advs))
	}
}

// dsa5380 is a real entry of the Debian tracker's data/DSA/list.
const dsa5380 = "[29 Mar 2023] DSA-5380-1 xorg-server - security update\n\t{CVE-2023-1393}\n\t[bullseye] - xorg-server 2:1.20.11-1+deb11u6\n"

// TestImportMixedNotModified: when one URL answers 304 and another
// changed, the import still holds the records of both.
func TestImportMixedNotModified(t *testing.T) {
	ctx := context.Background()
	bBody := dsa5349
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, etag := dsa5343, `"a1"`
		if r.URL.Path == "/b" {
			body, etag = bBody, fmt.Sprintf(`"b%d"`, len(bBody))
		}
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		io.WriteString(w, body)
	}))
	defer srv.Close()
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
	locs := []string{srv.URL + "/a", srv.URL + "/b"}
	for i, want := range []struct {
		unchanged bool
		records   int
	}{{false, 6}, {true, 0}, {false, 7}} {
		if i == 2 {
			bBody = dsa5380 + dsa5349
		}
		res, err := im.Import(ctx, "debian", locs, false)
		if err != nil {
			t.Fatal(err)
		}
		if res.Unchanged != want.unchanged || (!want.unchanged && res.Records != want.records) {
			t.Errorf("run %d: unchanged %v records %d, want %v %d", i, res.Unchanged, res.Records, want.unchanged, want.records)
		}
	}
	advs, _ := st.AdvisoriesFor(ctx, "debian:11", []string{"openssl", "gnutls28", "xorg-server"})
	if len(advs) != 7 {
		t.Errorf("%d records in force, want 7 (openssl 5 from the 304 URL, gnutls28 1, xorg-server 1)", len(advs))
	}
}
