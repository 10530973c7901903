package intake

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/store"
)

// gcBetween is a store that runs a collection after KnownSet found a
// set, as a gc job on another goroutine may.
type gcBetween struct {
	*store.Store
	t *testing.T
}

func (g gcBetween) KnownSet(ctx context.Context, hash string) (store.KnownSet, bool, error) {
	k, ok, err := g.Store.KnownSet(ctx, hash)
	if ok {
		if res, err := g.Store.GC(ctx, store.GCOptions{}); err != nil || res.Sets != 1 {
			g.t.Errorf("collection between KnownSet and SaveReport: %+v, %v; want the set found collected", res, err)
		}
	}
	return k, ok, err
}

// TestFeedKnownSetCollected: a new host whose package lines match a set
// that is collected before its report is saved is parsed in full and
// stored with its packages.
func TestFeedKnownSetCollected(t *testing.T) {
	h, s := newTest(t)
	h.Store = gcBetween{s, t}
	real, err := os.ReadFile("testdata/vaultwarden.pakiti5.txt")
	if err != nil {
		t.Fatal(err)
	}
	send := func(body string) {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/feed/?protocol=5", strings.NewReader(body)))
		if rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
	// The host's first set becomes unused when it drops a package
	// (the real list without zstd-libs, its last package).
	send(string(real))
	send(strings.Replace(string(real), "zstd-libs\t1.5.6-r0\tx86_64\n", "", 1))
	// Another host sends the first lines again: known, then collected.
	send(strings.Replace(string(real), "inv-alpine320-a.example.org", "again.example.org", 1))
	ctx := context.Background()
	pkgs, err := s.HostPackages(ctx, store.AllSites(), "again.example.org")
	if err != nil || len(pkgs) != 26 {
		t.Errorf("again.example.org: %d packages, want 26 (%v)", len(pkgs), err)
	}
}
