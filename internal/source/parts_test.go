package source_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

// fixedIn is what a record in force says of one package: advisory, CVE,
// fixed version.
type fixedIn struct{ Advisory, CVE, Fixed string }

func recordsOf(t *testing.T, st *store.Store, group, pkg, cve string) []fixedIn {
	t.Helper()
	recs, err := st.AdvisoriesFor(context.Background(), group, []string{pkg})
	if err != nil {
		t.Fatal(err)
	}
	var out []fixedIn
	for _, a := range recs {
		if a.CVE == cve {
			out = append(out, fixedIn{a.AdvisoryID, a.CVE, a.FixedVersion})
		}
	}
	return out
}

// TestImportKeepsOtherParts: the real DSA and DLA lists imported one at a
// time, as an admin who reads the complaint would: each import
// replaces only the list it reads.
func TestImportKeepsOtherParts(t *testing.T) {
	ctx := context.Background()
	shared := testenv.SharedDir(t)
	feeds := filepath.Join(shared, "data/feeds/debian")
	dsa, dla := filepath.Join(feeds, "DSA-list.txt.gz"), filepath.Join(feeds, "DLA-list.txt.gz")
	// The DSA list without its newest entry (DSA-5380-1, its first three
	// lines): the list as it stood on 28 March 2023.
	zr, err := gzip.NewReader(mustOpen(t, dsa))
	if err != nil {
		t.Fatal(err)
	}
	all, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfterN(all, []byte("\n"), 4)
	if !strings.HasPrefix(string(lines[0]), "[29 Mar 2023] DSA-5380-1 xorg-server") || !strings.HasPrefix(string(lines[3]), "[27 Mar 2023] DSA-5379-1") {
		t.Fatalf("the DSA list does not start as expected: %q", lines[0])
	}
	older := filepath.Join(t.TempDir(), "DSA-list-2023-03-28")
	if err := os.WriteFile(older, lines[3], 0o644); err != nil {
		t.Fatal(err)
	}

	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}

	// DSA-5380-1 xorg-server {CVE-2023-1393} [bullseye] - xorg-server 2:1.20.11-1+deb11u6
	xorg := []fixedIn{{"DSA-5380-1", "CVE-2023-1393", "2:1.20.11-1+deb11u6"}}
	// DLA-3380-1 firmware-nonfree {... CVE-2022-21181} [buster] - firmware-nonfree 20190114+really20220913-0+deb10u1
	firmware := []fixedIn{{"DLA-3380-1", "CVE-2022-21181", "20190114+really20220913-0+deb10u1"}}
	steps := []struct {
		name      string
		file      string
		xorg      []fixedIn
		firmware  []fixedIn
		locations map[string][]string
	}{
		{"DSA list", dsa, xorg, nil, map[string][]string{"dsa-list": {dsa}}},
		{"then the DLA list", dla, xorg, firmware, map[string][]string{"dsa-list": {dsa}, "dla-list": {dla}}},
		{"then an older DSA list", older, nil, firmware, map[string][]string{"dsa-list": {older}, "dla-list": {dla}}},
	}
	for _, s := range steps {
		res, err := im.Import(ctx, "debian", []string{s.file}, false)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if diff := cmp.Diff(s.xorg, recordsOf(t, st, "debian:11", "xorg-server", "CVE-2023-1393")); diff != "" {
			t.Errorf("%s: xorg-server records (-want +got):\n%s", s.name, diff)
		}
		if diff := cmp.Diff(s.firmware, recordsOf(t, st, "debian:10", "firmware-nonfree", "CVE-2022-21181")); diff != "" {
			t.Errorf("%s: firmware-nonfree records (-want +got):\n%s", s.name, diff)
		}
		got := map[string][]string{}
		for _, p := range res.Parts {
			got[p.Name] = p.Locations
			if len(p.Complete) != 0 {
				t.Errorf("%s: part %s complete for %v; the lists cover nothing completely", s.name, p.Name, p.Complete)
			}
		}
		if diff := cmp.Diff(s.locations, got); diff != "" {
			t.Errorf("%s: parts in force (-want +got):\n%s", s.name, diff)
		}
	}
	// The source's record count is both lists'.
	srcs, err := st.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	parts, _ := st.SourceParts(ctx, "debian")
	sum := 0
	for _, p := range parts["debian"] {
		sum += p.Records
	}
	if len(srcs) != 1 || srcs[0].Records != sum || sum == 0 {
		t.Errorf("source records %+v, parts add up to %d", srcs, sum)
	}
}

func mustOpen(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

var _ = model.StatusFixed
