package source_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// Real stanzas of the bookworm and bookworm-security Packages indexes
// (shared/data/feeds/debian/apt-bookworm), fields other than those read
// left out.
const (
	bookwormMain     = "Package: libssl3\nSource: openssl\nVersion: 3.0.17-1~deb12u2\nArchitecture: amd64\n\n"
	bookwormSecurity = "Package: libssl3\nSource: openssl\nVersion: 3.0.22-1~deb12u2\nArchitecture: amd64\n\nPackage: openssl\nVersion: 3.0.22-1~deb12u2\nArchitecture: amd64\n\n"
)

// mirror serves files with ETags and answers If-None-Match; it counts
// requests and full answers per path.
type mirror struct {
	mu         sync.Mutex
	files      map[string]string
	gets, full map[string]int
}

func (m *mirror) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	body, ok := m.files[r.URL.Path]
	m.gets[r.URL.Path]++
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := `"` + string(rune('a'+len(body)%26)) + strings.Repeat("x", len(body)%7) + `"`
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	m.full[r.URL.Path]++
	w.Header().Set("ETag", etag)
	io.WriteString(w, body)
}

// The default source set's indexes: each loads once; an unchanged one
// costs one conditional request and is not reloaded, not even when the
// security data changes; a changed one reloads alone.
func TestImportIndexesConditional(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := &mirror{files: map[string]string{
		"/tracker/DSA-list": dsa5343,
		"/debian/dists/bookworm/main/binary-amd64/Packages.xz":          bookwormMain,
		"/debian/dists/bookworm-security/main/binary-amd64/Packages.xz": bookwormSecurity,
		"/debian/dists/bookworm-updates/main/binary-amd64/Packages.xz":  bookwormMain, // served uncompressed: the fetcher sniffs
	}}
	srv := httptest.NewServer(m)
	defer srv.Close()
	src := debian.NewWith(debian.Archive{Mirror: srv.URL + "/debian", Releases: []string{"bookworm"}, Tracker: []string{srv.URL + "/tracker/DSA-list"}})
	im := &source.Importer{Store: st, Sources: source.NewRegistry(src), Fetcher: source.NewFetcher(),
		Eval: &recorder{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
	for _, step := range []struct {
		name      string
		change    map[string]string
		unchanged bool
		full      map[string]int // full answers this step
	}{
		{"first", nil, false, map[string]int{"/tracker/DSA-list": 1, "/debian/dists/bookworm/main/binary-amd64/Packages.xz": 1,
			"/debian/dists/bookworm-security/main/binary-amd64/Packages.xz": 1, "/debian/dists/bookworm-updates/main/binary-amd64/Packages.xz": 1}},
		{"nothing changed", nil, true, map[string]int{}},
		{"the security data changed", map[string]string{"/tracker/DSA-list": dsa5349 + dsa5343}, false, map[string]int{"/tracker/DSA-list": 1}},
		{"one index changed", map[string]string{"/debian/dists/bookworm-security/main/binary-amd64/Packages.xz": bookwormSecurity + bookwormMain}, false,
			map[string]int{"/debian/dists/bookworm-security/main/binary-amd64/Packages.xz": 1}},
	} {
		m.mu.Lock()
		for k, v := range step.change {
			m.files[k] = v
		}
		m.gets, m.full = map[string]int{}, map[string]int{}
		m.mu.Unlock()
		res, err := im.Import(ctx, "debian", nil, false)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if res.Unchanged != step.unchanged {
			t.Errorf("%s: unchanged %v, want %v", step.name, res.Unchanged, step.unchanged)
		}
		for p, n := range m.gets {
			if n != 1 {
				t.Errorf("%s: %s requested %d times, want once", step.name, p, n)
			}
		}
		if diff := cmp.Diff(step.full, m.full); diff != "" {
			t.Errorf("%s: full answers (-want +got):\n%s", step.name, diff)
		}
	}
	idx, err := st.SourceIndexes(ctx, "debian")
	if err != nil {
		t.Fatal(err)
	}
	sec := idx[srv.URL+"/debian/dists/bookworm-security/main/binary-amd64/Packages.xz"]
	if len(idx) != 3 || sec.Suite != "security" || sec.OSGroup != "debian:12" || sec.Binaries != 3 {
		t.Errorf("indexes %+v", idx)
	}
}
