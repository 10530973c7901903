package redhat

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// archiveRecords is what the real archive excerpt of testdata gives
// (csaf_vex_2023-10-31.excerpt.golden.json: 5 documents, 22 records).
const archiveRecords = 22

func newFeedImporter(t *testing.T, src *Source) (*source.Importer, *store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &source.Importer{Store: st, Sources: source.NewRegistry(src), Fetcher: source.NewFetcher(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}, st
}

// inForce counts the records in force of rhel:9 vim (two in the excerpt:
// CVE-2023-0049 and CVE-2023-0051, both "Will not fix").
func inForce(t *testing.T, st *store.Store) int {
	t.Helper()
	advs, err := st.AdvisoriesFor(context.Background(), "rhel:9", []string{"vim"})
	if err != nil {
		t.Fatal(err)
	}
	return len(advs)
}

// TestVEXFeedURL: the feed served as Red Hat serves it (archive_latest.txt
// naming the day's tar.zst, made of the real archive excerpt) is followed
// from its directory URL; the second import of an unchanged archive is a
// conditional GET answered 304; a new day's name replaces the records.
func TestVEXFeedURL(t *testing.T) {
	archive := sourcetest.Read(t, filepath.Join("testdata", "csaf_vex_2023-10-31.excerpt.tar.zst"))
	var mu sync.Mutex
	latest := "csaf_vex_2023-10-31.tar.zst"
	full, notModified := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.URL.Path {
		case "/data/csaf/v2/vex/" + ArchiveLatest:
			io.WriteString(w, latest+"\n")
		case "/data/csaf/v2/vex/" + latest:
			etag := `"` + latest + `"`
			if r.Header.Get("If-None-Match") == etag {
				notModified++
				w.WriteHeader(http.StatusNotModified)
				return
			}
			full++
			w.Header().Set("ETag", etag)
			w.Write(archive)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	im, st := newFeedImporter(t, &Source{Client: srv.Client()})
	ctx := context.Background()
	loc := srv.URL + "/data/csaf/v2/vex/"

	res, err := im.Import(ctx, "redhat", []string{loc}, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Unchanged || res.Records != archiveRecords || full != 1 || inForce(t, st) != 2 {
		t.Fatalf("first import: %+v, %d full downloads, %d vim records; want %d records, 1 download, 2", res, full, inForce(t, st), archiveRecords)
	}
	if len(res.Parts) != 1 || res.Parts[0].Name != "csaf archive" || res.Parts[0].Locations[0] != loc+latest {
		t.Errorf("parts %+v, want csaf archive read from %s", res.Parts, loc+latest)
	}

	res, err = im.Import(ctx, "redhat", []string{loc + ArchiveLatest}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Unchanged || full != 1 || notModified != 1 {
		t.Errorf("same archive again: unchanged %v, %d full downloads, %d not modified; want unchanged, 1, 1", res.Unchanged, full, notModified)
	}

	mu.Lock()
	latest = "csaf_vex_2023-11-01.tar.zst" // the next day's archive (the same bytes)
	mu.Unlock()
	res, err = im.Import(ctx, "redhat", []string{loc}, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Unchanged || full != 2 || inForce(t, st) != 2 {
		t.Errorf("next day's archive: unchanged %v, %d downloads, %d vim records; want changed, 2, the same 2 (replaced, not added)", res.Unchanged, full, inForce(t, st))
	}
}

// TestVEXFeedMirror: a local directory laid out as the feed
// (archive_latest.txt, the archive, changes.csv, deletions.csv) gives
// the archive it names and nothing else; unchanged, it costs one
// fingerprint.
func TestVEXFeedMirror(t *testing.T) {
	dir := t.TempDir()
	archive := sourcetest.Read(t, filepath.Join("testdata", "csaf_vex_2023-10-31.excerpt.tar.zst"))
	for name, body := range map[string]string{
		ArchiveLatest:                 "csaf_vex_2023-10-31.tar.zst\n",
		"csaf_vex_2023-10-31.tar.zst": string(archive),
		"csaf_vex_2023-10-30.tar.zst": "an older archive a mirror kept: not read",
		// changes.csv as Red Hat writes it (claircore rhel/vex/testdata/server.txt).
		"changes.csv":   "\"2023/cve-2023-0030.json\",\"2023-12-10T00:00:00+00:00\"\n",
		"deletions.csv": "",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := &Source{VEX: dir}
	if l := src.Locations(); l[len(l)-1] != dir {
		t.Errorf("default locations %v end with %s, want the mirror %s", l, l[len(l)-1], dir)
	}
	im, st := newFeedImporter(t, src)
	ctx := context.Background()
	res, err := im.Import(ctx, "redhat", []string{dir}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "csaf_vex_2023-10-31.tar.zst")
	if res.Records != archiveRecords || len(res.Parts) != 1 || len(res.Parts[0].Locations) != 1 || res.Parts[0].Locations[0] != want || inForce(t, st) != 2 {
		t.Fatalf("import: %+v; want %d records from %s alone", res, archiveRecords, want)
	}
	res, err = im.Import(ctx, "redhat", []string{filepath.Join(dir, ArchiveLatest)}, false)
	if err != nil || !res.Unchanged {
		t.Errorf("again: %+v, %v; want unchanged", res, err)
	}
}

// TestResolve: what Resolve leaves alone and what it refuses.
func TestResolve(t *testing.T) {
	ctx := context.Background()
	s := &Source{}
	dir := t.TempDir()
	for _, loc := range []string{dir, filepath.Join("testdata", "cve-2023-6237.json"), "https://example.org/rhel-9.oval.xml.bz2"} {
		if locs, ok, err := s.Resolve(ctx, loc); ok || err != nil {
			t.Errorf("Resolve(%s) = %v, %v, %v; want it left alone", loc, locs, ok, err)
		}
	}
	for _, body := range []string{"../../etc/passwd\n", "", "csaf_vex_2023-10-31.tar.zst\n"} {
		os.WriteFile(filepath.Join(dir, ArchiveLatest), []byte(body), 0o644)
		// The last names an archive the directory does not hold.
		if _, ok, err := s.Resolve(ctx, dir); !ok || err == nil {
			t.Errorf("pointer %q: ok %v, error %v; want refused", body, ok, err)
		}
	}
	if l := (&Source{VEX: NoVEX}).Locations(); len(l) != 4 || strings.Contains(strings.Join(l, " "), "csaf") {
		t.Errorf("locations without VEX: %v", l)
	}
	if l := (&Source{VEX: "https://mirror.example.org/vex/"}).Locations(); l[4] != "https://mirror.example.org/vex/"+ArchiveLatest {
		t.Errorf("locations with a mirror URL: %v", l)
	}
}
