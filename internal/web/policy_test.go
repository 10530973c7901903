package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// TestTagsAndExceptionsWeb: the cve_tag filter and tagged counts of the
// host listing (API and page), /api/v1/tags, and the exceptions audit
// (API, CSV, page). Real data: testdata/DSA-5343-1.txt ("DSA-5343-1
// openssl {CVE-2022-2097 CVE-2022-4304 CVE-2022-4450 CVE-2023-0215
// CVE-2023-0286} [bullseye] - openssl 1.1.1n-0+deb11u4") against openssl
// 1.1.1n-0+deb11u3 on two Debian 11 hosts; the tag and the exception are
// ours, constructed for the test.
func TestTagsAndExceptionsWeb(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := New(Config{Store: st, Feed: intake.New(st, match.New(st, drivers.Registry(), log), log), Log: log,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(),
		Eval: match.New(st, drivers.Registry(), log), Log: log, Now: time.Now}
	if _, err := im.Import(ctx, "debian", []string{"testdata/DSA-5343-1.txt"}, false); err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"a.example.org", "b.example.org"} {
		r := "#\nhost: " + host + "\nkernel: 5.10.0-20-amd64\nsite: SITE-A\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u3\tamd64\n#\n"
		resp, err := http.Post(srv.URL+"/feed/?protocol=5", "text/plain", strings.NewReader(r))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if err := st.PutTag(ctx, store.CVETag{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Enabled: true, Author: "csirt", ModifiedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutTag(ctx, store.CVETag{CVE: "CVE-2022-4450", Tag: "EGI-High", Enabled: true, Author: "csirt", ModifiedAt: now}); err != nil {
		t.Fatal(err)
	}
	exp := now.Add(time.Hour)
	if _, err := st.PutException(ctx, store.Exception{CVE: "CVE-2023-0286", Package: "openssl", ScopeKind: store.ScopeHost,
		Scope: "b.example.org", Reason: "<b>rebuilt</b>", Author: "alice", CreatedAt: now, ExpiresAt: &exp}); err != nil {
		t.Fatal(err)
	}

	// Expired an hour ago: applies no more (a keeps its CVE-2022-4450).
	gone := now.Add(-time.Hour)
	if _, err := st.PutException(ctx, store.Exception{CVE: "CVE-2022-4450", Package: "openssl", ScopeKind: store.ScopeAll,
		Reason: "was rebuilt", Author: "alice", CreatedAt: gone.Add(-time.Hour), ExpiresAt: &gone}); err != nil {
		t.Fatal(err)
	}

	var list HostList
	code, _, body := get(t, srv.URL+"/api/v1/hosts?cve_tag=EGI-Critical")
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil {
		t.Fatalf("%d %s", code, body)
	}
	// b's CVE-2023-0286 is excepted (until an hour from now): only a.
	if len(list.Hosts) != 1 || list.Total != 1 || list.Hosts[0].Hostname != "a.example.org" {
		t.Errorf("cve_tag=EGI-Critical: %+v, want a.example.org only", list.Hosts)
	}
	want := map[string]store.HostTagCounts{"a.example.org": {TaggedCVEs: 2, ByTag: map[string]int{"EGI-Critical": 1, "EGI-High": 1}}}
	if diff := cmp.Diff(want, list.Tagged); diff != "" {
		t.Errorf("tagged counts of the filtered listing (-want +got):\n%s", diff)
	}
	code, _, body = get(t, srv.URL+"/api/v1/hosts?cve_tag=*")
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || list.Total != 2 {
		t.Errorf("cve_tag=*: %d %s, want both hosts (b still has CVE-2022-4450)", code, body)
	}
	if got := list.Tagged["b.example.org"]; got.TaggedCVEs != 1 || got.Excepted != 1 {
		t.Errorf("b's counts: %+v, want 1 tagged, 1 excepted", got)
	}

	code, _, body = get(t, srv.URL+"/api/v1/tags?tag=EGI-High")
	var tags TagList
	if code != 200 || json.Unmarshal([]byte(body), &tags) != nil || len(tags.Tags) != 1 || tags.Tags[0].CVE != "CVE-2022-4450" {
		t.Errorf("/api/v1/tags?tag=EGI-High: %d %s", code, body)
	}

	code, hd, body := get(t, srv.URL+"/api/v1/exceptions?format=csv")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if code != 200 || hd.Get("Content-Type") != "text/csv; charset=utf-8" || err != nil || len(rows) != 3 {
		t.Fatalf("exceptions CSV: %d %v %v\n%s", code, hd, err, body)
	}
	// Rows by CVE then package: the expired CVE-2022-4450 one, then ours.
	if rows[1][1] != "CVE-2022-4450" || rows[1][11] != "false" || rows[1][13] != "0" {
		t.Errorf("the expired exception: %v, want inactive, covering nothing", rows[1])
	}
	got := map[string]string{}
	for i, c := range rows[0] {
		got[c] = rows[2][i]
	}
	for k, v := range map[string]string{"cve": "CVE-2023-0286", "scope_kind": "host", "scope": "b.example.org", "active": "true",
		"hosts": "1", "findings": "1", "sample_hosts": "b.example.org", "expires_at": "2026-11-25T13:00:00Z", "author": "alice"} {
		if got[k] != v {
			t.Errorf("exceptions CSV %s = %q, want %q", k, got[k], v)
		}
	}

	for _, c := range []struct {
		path string
		want []string
		not  []string
	}{
		{"/hosts?cve_tag=EGI-Critical", []string{"a.example.org", `value="EGI-Critical"`}, []string{"b.example.org"}},
		{"/exceptions", []string{"CVE-2023-0286", "b.example.org", "&lt;b&gt;rebuilt&lt;/b&gt;"}, []string{"<b>rebuilt</b>"}},
		// b's host page names the exception in force that covers its CVE-2023-0286; a's names none (the
		// expired one applies no more).
		{"/hosts/b.example.org", []string{`<h2 id="exceptions-title">Exceptions that apply <span class="count">1</span>`,
			"&lt;b&gt;rebuilt&lt;/b&gt;"}, []string{"<b>rebuilt</b>", "was rebuilt"}},
		{"/hosts/a.example.org", nil, []string{"exceptions-title"}},
	} {
		code, _, body := get(t, srv.URL+c.path)
		if code != 200 {
			t.Errorf("%s: %d", c.path, code)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", c.path, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(body, n) {
				t.Errorf("%s holds %q", c.path, n)
			}
		}
	}
}
