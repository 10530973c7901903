package web

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
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

// TestHostPageTaggedCounts: the host page says its tagged CVEs per tag
// (Pakiti 3's host summary "#tagged"), each linking to the tag's hosts.
// Data: DSA-5343-1 "[bullseye] - openssl 1.1.1n-0+deb11u4" (CVE-2023-0286
// among five); the host has openssl 1.1.1n-0+deb11u3. The tags are ours,
// constructed for the test, put before the report so that its
// evaluation counts them.
func TestHostPageTaggedCounts(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st.SetPolicy(store.NewLivePolicy(st, time.Second, nil, func(err error) { t.Error(err) })) // tags, as pakiti serve applies them
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(),
		Eval: match.New(st, drivers.Registry(), log), Log: log, Now: time.Now}
	if _, err := im.Import(ctx, "debian", []string{"testdata/DSA-5343-1.txt"}, false); err != nil {
		t.Fatal(err)
	}
	for _, tag := range []struct{ cve, tag string }{{"CVE-2023-0286", "EGI-Critical"}, {"CVE-2022-4450", "EGI-High"}, {"CVE-2023-0215", "EGI-High"}} {
		if err := st.PutTag(ctx, store.CVETag{CVE: tag.cve, Tag: tag.tag, Enabled: true, Author: "csirt", ModifiedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	h, err := New(Config{Store: st, Feed: intake.New(st, match.New(st, drivers.Registry(), log), log), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	post(t, srv.URL, "5", "#\nhost: a.example.org\nsite: SITE-A\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u3\tamd64\n#\n")
	_, _, body := get(t, srv.URL+"/hosts/a.example.org")
	want := `Tagged CVEs: <a href="/hosts?cve_tag=EGI-Critical"><span class="tag">EGI-Critical</span></a> 1 ` +
		`<a href="/hosts?cve_tag=EGI-High"><span class="tag">EGI-High</span></a> 2.`
	if !strings.Contains(body, want) {
		t.Errorf("no %q in the host page\n%s", want, body[strings.Index(body, "vulnerable packages"):][:600])
	}
}
