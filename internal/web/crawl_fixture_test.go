package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/metrics"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

// The hostile fixture: a server with real reports and real DSA data whose
// names (host, site, OS, package, tag, exception reason, OS rule, user,
// audit detail) hold what an attacker would send. The crawl, the browser
// crawl and the journeys read it.

// payloads are the hostile strings every free-text field gets. marker is
// in each that could run: a page that lets one through shows it in a
// place other than text.
var payloads = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`javascript:alert(1)`,
	"\u202eexe.alert(1)\u202c.txt", // RIGHT-TO-LEFT OVERRIDE: reads as "txt.)1(trela.exe"
	"long-" + strings.Repeat("alert(1)-AAAAAAAAAA", 30),
}

// hostilePayloadHosts are host names that carry the payloads within what
// report.ValidHostname lets through (no space, none of / \ ? # %, no
// format character: the RTL override and the <script> closing tag cannot
// be host names, and the intake refuses them, see TestCrawlIntakeRefuses).
var hostilePayloadHosts = []string{
	`"><script>alert(1)<`,
	`javascript:alert(1)`,
	`x'onmouseover='alert(1)'`,
	`"><img_src=x_onerror=alert(1)>`,
	strings.Repeat("a", 200) + ".alert(1).example.org", // 221 bytes: within MaxHostname
}

const (
	crawlAdmin    = "root"
	crawlPassword = "password of root"
	// crawlCVE and crawlAdvisory are real: DSA-5343-1 (testdata) lists
	// CVE-2023-0286 for openssl, fixed in bullseye in 1.1.1n-0+deb11u4;
	// the viking-db inventory has openssl 1.1.1n-0+deb11u3.
	crawlCVE      = "CVE-2023-0286"
	crawlAdvisory = "DSA-5343-1"
	crawlGoodHost = "viking-db.example.org"
)

type crawlFixture struct {
	srv   *httptest.Server
	st    *store.Store
	hosts []string // every host name stored
	sites []string // every site name stored
	rules []int64  // OS rule ids stored
}

// vikingDB reads the real viking-db inventory (Debian 11, 156 lines).
func vikingDB(t testing.TB) (header []string, packages []string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.SharedDir(t), "data/inventories/debian-11/viking-db/viking-db.pakiti5.txt"))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(strings.TrimSpace(string(b)), "\n#\n")
	if len(parts) < 2 {
		t.Fatalf("viking-db report has no package section")
	}
	return strings.Split(strings.TrimPrefix(parts[0], "#\n"), "\n"), strings.Split(strings.TrimSuffix(parts[1], "\n#"), "\n")
}

// p6Report builds a protocol-6 report from the viking-db packages (their
// source named as the binary: dpkg's status gives no other here) plus
// extra package lines.
func p6Report(host, site, system, tag string, pkgs []string, extra ...string) string {
	var b strings.Builder
	b.WriteString("#\narch: x86_64\nhost: " + host + "\nkernel: 5.10.0-20-amd64\nos-id: debian\nos-version-id: 11\npackager: dpkg\nsite: " +
		site + "\nsystem: " + system + "\ntag: " + tag + "\nversion: 1\n#\n")
	for _, l := range pkgs {
		f := strings.Split(l, "\t")
		if len(f) != 3 {
			continue
		}
		b.WriteString(l + "\t" + f[0] + "\t" + f[1] + "\n")
	}
	for _, l := range extra {
		b.WriteString(l + "\n")
	}
	b.WriteString("#\n")
	return b.String()
}

func newCrawlFixture(t *testing.T) *crawlFixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	eval := match.New(st, drivers.Registry(), log)
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(), Eval: eval, Log: log, Now: time.Now}
	_, err = im.Import(ctx, "debian", []string{"testdata/DSA-5343-1.txt", "testdata/DSA-4539-1.txt"}, false)
	must(err)
	feed := intake.New(st, eval, log)
	f := &crawlFixture{st: st}
	post := func(rep string) string {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/feed/?protocol=6", strings.NewReader(rep))
		req.RemoteAddr = "192.0.2.7:4000"
		feed.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	_, pkgs := vikingDB(t)
	// One ordinary host: the journeys and the CVE pages have one plain
	// name to click.
	if got := post(p6Report(crawlGoodHost, "SITE-PLAIN", "Debian GNU/Linux 11", "", pkgs)); got != "OK\n" {
		t.Fatalf("feed %s: %s", crawlGoodHost, got)
	}
	f.hosts, f.sites = append(f.hosts, crawlGoodHost), append(f.sites, "SITE-PLAIN")
	for i, host := range hostilePayloadHosts {
		p := payloads[i%len(payloads)]
		extra := []string{p + "\t1.0-1\tamd64\t" + p + "\t1.0-1"}
		rep := p6Report(host, p, "Debian GNU/Linux 11 "+p, p, pkgs, extra...)
		if got := post(rep); got != "OK\n" {
			t.Fatalf("feed %q: %s", host, got)
		}
		f.hosts = append(f.hosts, host)
		f.sites = append(f.sites, p)
	}
	// CVE tags, exceptions, OS rules, users, audit: through the store,
	// as the admin CLI and forms write them.
	now := time.Now().UTC()
	for i, p := range payloads {
		// A tag is a word of at most 128 bytes (store.validTagField):
		// / separates the attributes instead of blanks.
		tag := strings.ReplaceAll(p, " ", "/")
		tag = tag[:min(len(tag), 128)]
		must(st.PutTag(ctx, store.CVETag{CVE: crawlCVE, Tag: tag, Reason: p, InfoURL: "javascript:alert(1)", Enabled: true, Author: p, ModifiedAt: now}))
		_, err := st.PutException(ctx, store.Exception{CVE: crawlCVE, Package: "openssl", ScopeKind: store.ScopeHost,
			Scope: hostilePayloadHosts[i], Reason: p, Author: p, CreatedAt: now})
		must(err)
		r, err := st.AddOSRule(ctx, store.OSRule{Pattern: "^" + regexpQuote(p) + "$", Group: "debian:11"}, now)
		must(err)
		f.rules = append(f.rules, r.ID)
		must(st.Audit(ctx, store.AuditEntry{Actor: p, Action: "crawl.seed", Target: p, Detail: p}))
	}
	must(st.AddUser(ctx, store.User{Name: crawlAdmin, Role: store.RoleAdmin}, mustHash(t, crawlPassword)))
	must(st.AddUser(ctx, store.User{Name: `<script>alert(1)</script>`, Role: store.RoleViewer, DN: payloads[1]}, ""))
	must(st.Grant(ctx, `<script>alert(1)</script>`, payloads[0], store.OriginLocal))

	f.srv = httptest.NewUnstartedServer(nil)
	t.Cleanup(f.srv.Close)
	a, err := auth.New(ctx, auth.Config{Store: st, Modes: []auth.Mode{auth.Local}, Log: log})
	must(err)
	h, err := New(Config{Store: st, Feed: feed, Log: log, Auth: a, Banner: payloads[1],
		Metrics: metrics.New(metrics.Config{Store: st, Log: log})})
	must(err)
	f.srv.Config.Handler = h
	f.srv.Start()
	return f
}

func mustHash(t testing.TB, pw string) string {
	t.Helper()
	h, err := auth.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// regexpQuote escapes p for an OS rule's regular expression.
func regexpQuote(p string) string {
	var b strings.Builder
	for _, r := range p {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// adminClient logs in as the admin through the login form, as a browser
// does (same-origin POST), and keeps the session cookie; it does not
// follow redirects.
func (f *crawlFixture) adminClient(t testing.TB) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", f.srv.URL+"/login", strings.NewReader(url.Values{"username": {crawlAdmin}, "password": {crawlPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", f.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %s", resp.Status)
	}
	u, _ := url.Parse(f.srv.URL)
	if len(jar.Cookies(u)) == 0 {
		t.Fatal("login set no session cookie")
	}
	return c
}

// anonClient has no session.
func anonClient() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
