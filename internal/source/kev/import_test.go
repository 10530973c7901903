package kev_test

import (
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

	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/kev"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

// TestImport runs the kev source through the importer on the engine under
// test: the real excerpt from a plain file, the whole shared catalogue
// from its .gz (the set replaced whole), the same file again (unchanged),
// and a broken document (an error recorded, the set in force kept).
func TestImport(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	im := &source.Importer{Store: st, Sources: source.NewRegistry(kev.New()), Fetcher: source.NewFetcher(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}

	if _, ok, err := st.KEVCatalogueInForce(ctx); err != nil || ok {
		t.Fatalf("before any import: catalogue loaded %v, %v", ok, err)
	}
	excerpt, err := filepath.Abs("testdata/kev-2025.08.25.excerpt.json")
	if err != nil {
		t.Fatal(err)
	}
	res, err := im.Import(ctx, "kev", []string{excerpt}, false)
	if err != nil || res.Records != 7 || res.Unchanged {
		t.Fatalf("excerpt import: %+v, %v; want 7 records", res, err)
	}
	// The excerpt's CVE-2023-4911 entry.
	e, ok, err := st.KEV(ctx, "CVE-2023-4911")
	want := store.KEVEntry{CVE: "CVE-2023-4911", DateAdded: "2023-11-21", DueDate: "2023-12-12", Ransomware: "Unknown",
		Vendor: "GNU", Product: "GNU C Library", Name: "GNU C Library Buffer Overflow Vulnerability"}
	if diff := cmp.Diff(want, e); err != nil || !ok || diff != "" {
		t.Errorf("CVE-2023-4911: %v %v (-want +got):\n%s", ok, err, diff)
	}
	// CVE-2022-0847 (Dirty Pipe) is in the whole catalogue, not in the excerpt.
	if _, ok, _ := st.KEV(ctx, "CVE-2022-0847"); ok {
		t.Error("CVE-2022-0847 listed after the excerpt import")
	}
	srcs, err := st.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got *store.SourceStatus
	for i := range srcs {
		if srcs[i].Source == "kev" {
			got = &srcs[i]
		}
	}
	released := time.Date(2025, 8, 25, 17, 4, 19, 979600000, time.UTC)
	if got == nil || got.Records != 7 || !got.DataDate.Equal(released) || len(got.Locations) != 1 ||
		got.Locations[0] != excerpt || len(got.OSGroups) != 0 || got.State != store.SourceCurrent {
		t.Fatalf("sources list: %+v; want kev with 7 records, data date %v, location %s, no OS group, current", got, released, excerpt)
	}

	// The whole catalogue, gzip: replaces the excerpt's 7.
	whole := filepath.Join(testenv.SharedDir(t), "data/feeds/kev/known_exploited_vulnerabilities.json.gz")
	if res, err = im.Import(ctx, "kev", []string{whole}, false); err != nil || res.Records != 1404 {
		t.Fatalf("whole import: %+v, %v; want 1404 records", res, err)
	}
	if _, ok, _ := st.KEV(ctx, "CVE-2022-0847"); !ok {
		t.Error("CVE-2022-0847 not listed after the whole catalogue")
	}
	if res, err = im.Import(ctx, "kev", []string{whole}, false); err != nil || !res.Unchanged {
		t.Fatalf("same file again: %+v, %v; want unchanged", res, err)
	}

	// A broken catalogue (the excerpt cut in half): an error, the whole
	// catalogue stays in force and the error shows on the source.
	b, err := os.ReadFile(excerpt)
	if err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(t.TempDir(), "known_exploited_vulnerabilities.json.gz")
	f, err := os.Create(broken)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	zw.Write(b[:len(b)/2])
	zw.Close()
	f.Close()
	if _, err := im.Import(ctx, "kev", []string{broken}, false); err == nil {
		t.Fatal("broken catalogue imported")
	}
	cat, ok, err := st.KEVCatalogueInForce(ctx)
	if err != nil || !ok || cat.Entries != 1404 || cat.Version != "2025.08.25" {
		t.Errorf("after the failed import: %+v %v %v; want the whole catalogue kept", cat, ok, err)
	}
	srcs, _ = st.Sources(ctx)
	for _, s := range srcs {
		if s.Source == "kev" && (s.Records != 1404 || !strings.Contains(s.LastError, "catalogue")) {
			t.Errorf("after the failed import: %+v; want 1404 records and the error", s)
		}
	}
}
