package auth_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// report is a protocol-5 report of host for site (the package is real:
// openssl of Debian 11, as in the DSA-5343-1 tests; it is not evaluated).
func report(host, site string) string {
	return "#\nhost: " + host + "\nkernel: 5.10.0-20-amd64\nsite: " + site +
		"\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u3\tamd64\n#\n"
}

type feedCase struct {
	name       string
	guard      func(g *auth.FeedGuard)
	host, site string
	addr       string // the reporter's address (default 192.0.2.10)
	header     map[string]string
	query      string
	wantCode   int
	wantError  string // in the ERROR: line
}

// TestFeedGuard: each protection of /feed/ refuses with a clear 4xx
// "ERROR:" line naming the problem, and nothing is stored.
func TestFeedGuard(t *testing.T) {
	ctx := context.Background()
	st := testdb.Open(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fzuTok, fzuHash := auth.NewToken(auth.FeedTokenPrefix)
	if _, err := st.AddFeedToken(ctx, "FZU", fzuHash); err != nil {
		t.Fatal(err)
	}
	revTok, revHash := auth.NewToken(auth.FeedTokenPrefix)
	if _, err := st.AddFeedToken(ctx, "prague_lcg2", revHash); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RevokeFeedTokens(ctx, "prague_lcg2"); err != nil {
		t.Fatal(err)
	}
	if err := st.AddSite(ctx, "GSI-LCG2", "", []string{"198.51.100.0/24", "2001:db8:5::/48"}); err != nil {
		t.Fatal(err)
	}
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	required := func(g *auth.FeedGuard) { g.RequireToken = true }
	tests := []feedCase{
		{name: "open feed, no token", host: "a.fzu.example.org", site: "FZU", wantCode: 200},
		{name: "token required, none sent", guard: required, host: "b.fzu.example.org", site: "FZU",
			wantCode: 401, wantError: "this server needs a report token"},
		{name: "token required, sent", guard: required, host: "c.fzu.example.org", site: "FZU", header: bearer(fzuTok), wantCode: 200},
		{name: "token in the query", guard: required, host: "d.fzu.example.org", site: "FZU", query: "&token=" + fzuTok, wantCode: 200},
		{name: "wrong token", host: "e.fzu.example.org", site: "FZU", header: bearer(fzuTok + "x"),
			wantCode: 401, wantError: "unknown or revoked report token"},
		{name: "revoked token", host: "f.prague.example.org", site: "prague_lcg2", header: bearer(revTok),
			wantCode: 401, wantError: "unknown or revoked report token"},
		{name: "token of another site", host: "g.prague.example.org", site: "prague_lcg2", header: bearer(fzuTok),
			wantCode: 403, wantError: `the report is for site "prague_lcg2" but its token is site "FZU"'s`},
		// A proxied report skips the unchanged fast path: checked after parsing.
		{name: "proxied, token of another site", host: "g2.prague.example.org", site: "prague_lcg2", header: bearer(fzuTok), query: "&proxy=1",
			wantCode: 403, wantError: `the report is for site "prague_lcg2" but its token is site "FZU"'s`},
		{name: "proxied, its site's token", host: "g3.fzu.example.org", site: "FZU", header: bearer(fzuTok), query: "&proxy=1", wantCode: 200},
		{name: "site's network", host: "h.gsi.example.org", site: "GSI-LCG2", addr: "198.51.100.7", wantCode: 200},
		{name: "site's IPv6 network", host: "i.gsi.example.org", site: "GSI-LCG2", addr: "2001:db8:5::9", wantCode: 200},
		{name: "outside the site's networks", host: "j.gsi.example.org", site: "GSI-LCG2", addr: "203.0.113.5",
			wantCode: 403, wantError: `site "GSI-LCG2" takes reports from its networks only, not from 203.0.113.5`},
		// a.fzu.example.org is FZU's (the first case stored it).
		{name: "host moved by a report", guard: func(g *auth.FeedGuard) { g.LockHosts = true }, host: "a.fzu.example.org", site: "prague_lcg2",
			wantCode: 409, wantError: `host a.fzu.example.org belongs to site "FZU", not "prague_lcg2"`},
		{name: "same host, same site", guard: func(g *auth.FeedGuard) { g.LockHosts = true }, host: "a.fzu.example.org", site: "FZU", wantCode: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &auth.FeedGuard{Store: st, Log: log}
			if tt.guard != nil {
				tt.guard(g)
			}
			h := intake.New(st, nil, log)
			h.Guard = g
			before, _, _ := st.HostSite(ctx, store.AllSites(), tt.host)
			code, body := post(h, tt.addr, tt.query, tt.header, report(tt.host, tt.site))
			if code != tt.wantCode {
				t.Fatalf("%d %q, want %d", code, body, tt.wantCode)
			}
			after, found, _ := st.HostSite(ctx, store.AllSites(), tt.host)
			if tt.wantCode != 200 {
				if !strings.HasPrefix(body, "ERROR: ") || !strings.Contains(body, tt.wantError) {
					t.Errorf("answer %q, want an ERROR: line with %q", body, tt.wantError)
				}
				if after != before {
					t.Errorf("refused, yet the host's site went from %q to %q", before, after)
				}
				if before == "" && found {
					t.Errorf("refused, yet the host was stored")
				}
			} else if after != tt.site {
				t.Errorf("accepted, host under %q, want %q", after, tt.site)
			}
		})
	}
}

// TestFeedGuardUnchangedReport: a report byte for byte equal to the
// host's last one (the fast path that skips parsing) is checked too.
func TestFeedGuardUnchangedReport(t *testing.T) {
	ctx := context.Background()
	st := testdb.Open(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fzuTok, fzuHash := auth.NewToken(auth.FeedTokenPrefix)
	gsiTok, gsiHash := auth.NewToken(auth.FeedTokenPrefix)
	st.AddFeedToken(ctx, "FZU", fzuHash)
	st.AddFeedToken(ctx, "GSI-LCG2", gsiHash)
	h := intake.New(st, nil, log)
	h.Guard = &auth.FeedGuard{Store: st, Log: log, RequireToken: true}
	rep := report("a.fzu.example.org", "FZU")
	if code, body := post(h, "", "", map[string]string{"Authorization": "Bearer " + fzuTok}, rep); code != 200 {
		t.Fatalf("first report: %d %s", code, body)
	}
	code, body := post(h, "", "", map[string]string{"Authorization": "Bearer " + gsiTok}, rep)
	if code != 403 || !strings.Contains(body, `its token is site "GSI-LCG2"'s`) {
		t.Errorf("the same report with another site's token: %d %q", code, body)
	}
	if code, body := post(h, "", "", nil, rep); code != 401 {
		t.Errorf("the same report without a token: %d %q", code, body)
	}
	if code, body := post(h, "", "", map[string]string{"Authorization": "Bearer " + fzuTok}, rep); code != 200 {
		t.Errorf("the same report with its token: %d %q", code, body)
	}
}

// TestFeedRateLimit: past the limit an address gets 429 with Retry-After
// and nothing is stored; another address is not slowed.
func TestFeedRateLimit(t *testing.T) {
	ctx := context.Background()
	st := testdb.Open(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := intake.New(st, nil, log)
	h.Guard = &auth.FeedGuard{Store: st, Log: log, Limiter: auth.NewRateLimiter(3)}
	for i, want := range []int{200, 200, 200, 429} {
		host := string(rune('a'+i)) + ".example.org"
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/feed/?protocol=5", strings.NewReader(report(host, "FZU")))
		req.RemoteAddr = "192.0.2.10:4000"
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Fatalf("report %d: %d %s, want %d", i+1, rec.Code, rec.Body, want)
		}
		if want == 429 {
			if !strings.HasPrefix(rec.Body.String(), "ERROR: too many reports from 192.0.2.10: at most 3 a minute") ||
				rec.Header().Get("Retry-After") == "" {
				t.Errorf("429: %q Retry-After %q", rec.Body, rec.Header().Get("Retry-After"))
			}
			if _, found, _ := st.HostSite(ctx, store.AllSites(), host); found {
				t.Error("the refused report was stored")
			}
		}
	}
	if code, body := post(h, "192.0.2.11", "", nil, report("z.example.org", "FZU")); code != 200 {
		t.Errorf("another address: %d %s", code, body)
	}
}

// TestRateLimiter: tokens come back at the rate, up to the burst.
func TestRateLimiter(t *testing.T) {
	l := auth.NewRateLimiter(60) // one a second
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 60 {
		if _, ok := l.Allow("a", t0); !ok {
			t.Fatalf("burst: refused at %d", i)
		}
	}
	wait, ok := l.Allow("a", t0)
	if ok || wait != time.Second {
		t.Errorf("61st: ok %v, wait %s, want a refusal and 1s", ok, wait)
	}
	if _, ok := l.Allow("a", t0.Add(time.Second)); !ok {
		t.Error("a second later: refused")
	}
	if _, ok := l.Allow("a", t0.Add(time.Second)); ok {
		t.Error("a second later, twice: allowed")
	}
}

func post(h http.Handler, addr, query string, hd map[string]string, body string) (int, string) {
	if addr == "" {
		addr = "192.0.2.10"
	}
	req := httptest.NewRequest("POST", "/feed/?protocol=5"+query, strings.NewReader(body))
	if strings.Contains(addr, ":") {
		req.RemoteAddr = "[" + addr + "]:4000"
	} else {
		req.RemoteAddr = addr + ":4000"
	}
	for k, v := range hd {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// TestFeedGuardAsync: with the intake queue, a report is checked before
// it is enqueued: a refused one never reaches the queue.
func TestFeedGuardAsync(t *testing.T) {
	ctx := context.Background()
	st := testdb.Open(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fzuTok, fzuHash := auth.NewToken(auth.FeedTokenPrefix)
	st.AddFeedToken(ctx, "FZU", fzuHash)
	h := intake.New(st, nil, log)
	h.EnableQueue(st)
	h.Guard = &auth.FeedGuard{Store: st, Log: log, RequireToken: true}
	for _, tt := range []struct {
		site string
		hd   map[string]string
		want int
	}{
		{"FZU", nil, 401},
		{"prague_lcg2", map[string]string{"Authorization": "Bearer " + fzuTok}, 403},
		{"FZU", map[string]string{"Authorization": "Bearer " + fzuTok}, 200},
	} {
		if code, body := post(h, "", "", tt.hd, report("a.example.org", tt.site)); code != tt.want {
			t.Errorf("%s: %d %q, want %d", tt.site, code, body, tt.want)
		}
	}
	if d, err := st.Queue(ctx); err != nil || d.Reports != 1 {
		t.Errorf("queued reports: %d %v, want 1 (the accepted one)", d.Reports, err)
	}
}

// TestFeedClaimSites: the sites a report's credentials allow are those
// every credential sent allows.
func TestFeedClaimSites(t *testing.T) {
	for _, c := range []struct {
		claim auth.FeedClaim
		want  []string
	}{
		{auth.FeedClaim{}, nil},
		{auth.FeedClaim{TokenSite: "FZU"}, []string{"FZU"}},
		{auth.FeedClaim{CertDN: "/CN=wn", CertSites: []string{"FZU"}}, []string{"FZU"}},
		{auth.FeedClaim{CertDN: "/CN=proxy", CertSites: []string{"DESY-HH", "FZU"}, CertProxy: true}, []string{"DESY-HH", "FZU"}},
		{auth.FeedClaim{TokenSite: "FZU", CertDN: "/CN=proxy", CertSites: []string{"DESY-HH", "FZU"}, CertProxy: true}, []string{"FZU"}},
		{auth.FeedClaim{TokenSite: "GSI-LCG2", CertDN: "/CN=wn", CertSites: []string{"FZU"}}, nil},
	} {
		if got := c.claim.Sites(); !slices.Equal(got, c.want) {
			t.Errorf("%+v: %v, want %v", c.claim, got, c.want)
		}
	}
}
