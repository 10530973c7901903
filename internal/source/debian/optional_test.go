package debian

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ulikunitz/xz"

	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// An LTS or ELTS release the tracker still lists may be gone from the
// mirror (deb.debian.org moves them to archive.debian.org): its indexes
// answering 404 do not fail the import; a supported release's do.
func TestImportWithoutArchivedReleases(t *testing.T) {
	ctx := context.Background()
	pkgs, err := os.ReadFile("testdata/bookworm_Packages.excerpt.txt")
	if err != nil {
		t.Fatal(err)
	}
	var xzPkgs bytes.Buffer
	w, err := xz.NewWriter(&xzPkgs)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(pkgs)
	w.Close()
	tracker, err := os.ReadFile("testdata/vunnel_debian.json") // lists jessie to trixie, and sid
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	served := map[string]bool{"bullseye": true, "bookworm": true, "trixie": true, "sid": true}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/json" {
			w.Write(tracker)
			return
		}
		suite, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/dists/"), "/")
		code, _, _ := strings.Cut(suite, "-")
		mu.Lock()
		ok := served[code]
		mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(xzPkgs.Bytes())
	}))
	defer srv.Close()
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src := NewWith(Archive{Mirror: srv.URL, Tracker: []string{srv.URL + "/json"}})
	im := &source.Importer{Store: st, Sources: source.NewRegistry(src), Fetcher: source.NewFetcher(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
	// First import: no tracker JSON in force, Debian 11-13 read.
	if _, err := im.Import(ctx, "debian", nil, true); err != nil {
		t.Fatalf("first import: %v", err)
	}
	// Now the tracker's list is in force: jessie, stretch and buster are
	// planned, answer 404, and are gone without failing the import.
	locs, _, err := src.Plan(ctx, st)
	if err != nil || !strings.Contains(strings.Join(locs, " "), "/dists/buster-security/") {
		t.Fatalf("plan %v, %v: want buster's indexes", locs, err)
	}
	if _, err := im.Import(ctx, "debian", nil, true); err != nil {
		t.Fatalf("second import: %v", err)
	}
	// A supported release's index missing is an error.
	mu.Lock()
	delete(served, "bookworm")
	mu.Unlock()
	if _, err := im.Import(ctx, "debian", nil, true); err == nil || !strings.Contains(err.Error(), "bookworm") {
		t.Errorf("import without bookworm's indexes: error %v", err)
	}
}

func TestOptional(t *testing.T) {
	for loc, want := range map[string]bool{
		"https://deb.debian.org/debian/dists/buster/main/binary-amd64/Packages.xz":                         true,
		"https://security.debian.org/debian-security/dists/stretch-security/main/binary-amd64/Packages.xz": true,
		"https://deb.debian.org/debian/dists/bullseye-updates/main/binary-amd64/Packages.xz":               false,
		"https://deb.debian.org/debian/dists/sid/main/binary-amd64/Packages.xz":                            false,
		TrackerURL: false,
	} {
		if got := (&Source{}).Optional(loc); got != want {
			t.Errorf("Optional(%s) = %v", loc, got)
		}
	}
}
