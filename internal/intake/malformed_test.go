package intake

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/pakiti-go/pakiti/internal/store"
)

// malformed is one mutation of a real report that the feed must refuse.
type malformed struct {
	name  string
	query string
	body  string
	want  int    // status
	says  string // the answer holds this
}

// malformedReports mutates the real report raw (testdata/vaultwarden.pakiti5.txt,
// host inv-alpine320-a.example.org) in the ways the probes did:
// truncations, a missing '#', binary junk, overlong lines and fields, too
// many packages, NUL and other control bytes, invalid UTF-8, invisible
// and bidi characters in host names, bad package lines, bad parameters.
func malformedReports(raw string) []malformed {
	const host = "inv-alpine320-a.example.org"
	lines := strings.Split(raw, "\n")
	header := strings.Join(lines[:8], "\n") + "\n" // "#", the header, "#"
	pkgLine := lines[8]                            // alpine-baselayout\t3.6.5-r0\tx86_64
	withHost := func(h string) string { return strings.Replace(raw, "host: "+host, "host: "+h, 1) }
	withPkg := func(l string) string { return strings.Replace(raw, pkgLine, l, 1) }
	var out []malformed
	add := func(name, query, body string, want int, says string) {
		out = append(out, malformed{name, query, body, want, says})
	}
	// The shape of the report.
	add("empty", "", "", 400, "empty report")
	add("only #", "", "#", 400, "")
	add("only # line", "", "#\n", 400, "")
	add("only blank lines", "", "\n\n\n", 400, "")
	add("missing first #", "", strings.TrimPrefix(raw, "#\n"), 400, "")
	add("truncated in a header line", "", raw[:len("#\narch: x86_64\nho")], 400, "")
	add("truncated in a header key", "", raw[:len("#\narch: x86_64\nhost")], 400, "")
	add("first line not #", "", "x"+raw, 400, "")
	add("truncated in a package line", "", header+"alpine-baselayout\t3.6", 400, "")
	add("no host line", "", strings.Replace(raw, "host: "+host+"\n", "", 1), 400, "")
	add("header line without colon", "", strings.Replace(raw, "packager: apk", "packager apk", 1), 400, "")
	add("header key overlong", "", strings.Replace(raw, "packager: apk", strings.Repeat("k", 5000)+": x", 1), 400, "")
	add("header value overlong", "", strings.Replace(raw, "system: Alpine", "system: "+strings.Repeat("A", 2000), 1), 400, "")
	add("header line overlong", "", strings.Replace(raw, "system: Alpine", "system: "+strings.Repeat("A ", 3000), 1), 400, "")
	add("too many header lines", "", strings.Replace(raw, "version: 1\n", strings.Repeat("x-extra: 1\n", 300)+"version: 1\n", 1), 400, "")
	add("package line overlong", "", withPkg(strings.Repeat("p", 5000)+"\t1\tx86_64"), 400, "")
	add("package name overlong", "", withPkg(strings.Repeat("p", 1500)+"\t1\tx86_64"), 400, "")
	add("package version overlong", "", withPkg("p\t"+strings.Repeat("1", 1500)+"\tx86_64"), 400, "")
	add("package arch overlong", "", withPkg("p\t1\t"+strings.Repeat("x", 1500)), 400, "")
	many := strings.Builder{}
	many.WriteString(header)
	for i := range 100_001 {
		fmt.Fprintf(&many, "p%d\t1\tx86_64\n", i)
	}
	add("too many packages", "", many.String(), 400, "")
	add("package line one field", "", withPkg("alpine-baselayout"), 400, "")
	add("package line two fields", "", withPkg("alpine-baselayout\t3.6.5-r0"), 400, "")
	add("package line four fields (protocol 5)", "", withPkg(pkgLine+"\tx"), 400, "")
	add("package line six fields (protocol 6)", "?protocol=6", withPkg(pkgLine+"\ta\tb\tc"), 400, "")
	add("package line empty name", "", withPkg("\t3.6.5-r0\tx86_64"), 400, "")
	add("package line empty version", "", withPkg("alpine-baselayout\t\tx86_64"), 400, "")
	add("binary junk", "", "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00", 400, "")
	add("binary junk after the report", "", raw+"\x00\x01\x02\xff\xfe", 400, "")
	add("binary junk before the report", "", "\xff\xfe"+raw, 400, "")
	rnd := rand.New(rand.NewPCG(14, 14))
	junk := make([]byte, 4096)
	for i := range junk {
		junk[i] = byte(rnd.IntN(256))
	}
	add("random bytes", "", string(junk), 400, "")
	add("gzip magic then junk (not a report)", "", "#\x1f\x8b\x08"+raw, 400, "")
	// NUL and other control bytes in every field.
	for _, c := range []struct{ name, b string }{{"NUL", "\x00"}, {"BEL", "\x07"}, {"ESC", "\x1b"}, {"DEL", "\x7f"}, {"VT", "\v"}} {
		add(c.name+" in host", "", withHost("a"+c.b+"b.example.org"), 400, "")
		add(c.name+" in package name", "", withPkg("alpine"+c.b+"baselayout\t3.6.5-r0\tx86_64"), 400, "")
		add(c.name+" in package version", "", withPkg("alpine-baselayout\t3.6"+c.b+".5-r0\tx86_64"), 400, "")
		add(c.name+" in package arch", "", withPkg("alpine-baselayout\t3.6.5-r0\tx86"+c.b+"64"), 400, "")
		add(c.name+" in site", "", strings.Replace(raw, "site: INVENTORIES", "site: INV"+c.b+"ENTORIES", 1), 400, "")
	}
	// Invalid UTF-8 in names.
	for _, u := range []struct{ name, b string }{{"0xff", "\xff"}, {"overlong NUL", "\xc0\x80"}, {"lone continuation", "\x80"},
		{"truncated sequence", "\xe2\x82"}, {"surrogate", "\xed\xa0\x80"}} {
		add("invalid UTF-8 ("+u.name+") in host", "", withHost("a"+u.b+"b.example.org"), 400, "")
		add("invalid UTF-8 ("+u.name+") in package name", "", withPkg("alpine"+u.b+"\t3.6.5-r0\tx86_64"), 400, "")
		add("invalid UTF-8 ("+u.name+") in version", "", withPkg("alpine-baselayout\t3.6.5"+u.b+"\tx86_64"), 400, "")
		add("invalid UTF-8 ("+u.name+") in system", "", strings.Replace(raw, "Alpine Linux", "Alpine"+u.b+"Linux", 1), 400, "")
	}
	// Host names that cannot be opened or impersonate another.
	for _, hn := range []struct{ name, h string }{{"dot", "."}, {"dot dot", ".."}, {"slash", "a/b.example.org"},
		{"backslash", `a\b.example.org`}, {"question mark", "a?b.example.org"}, {"hash", "a#b.example.org"},
		{"percent", "a%2fb.example.org"}, {"right-to-left override", "inv-\u202ealpine.example.org"},
		{"zero-width space", "inv-alpine\u200b320-a.example.org"}, {"zero-width joiner", "inv\u200d.example.org"},
		{"byte order mark", "\ufeffinv.example.org"}, {"left-to-right isolate", "inv\u2066.example.org"},
		{"soft hyphen", "inv\u00ad.example.org"}, {"private use", "inv\ue000.example.org"},
		{"overlong", strings.Repeat("a", 254)}} {
		add("host name "+hn.name, "", withHost(hn.h), 400, "host name")
	}
	add("empty host value", "", withHost(""), 400, "")
	add("host made of spaces", "", withHost("   "), 400, "")
	// Parameters.
	add("unknown protocol", "?protocol=7", raw, 400, "unknown protocol")
	add("protocol junk", "?protocol=%3Cscript%3E", raw, 400, "unknown protocol")
	add("unknown mode", "?mode=later", raw, 400, "unknown mode")
	add("unknown report", "?report=9", raw, 400, "unknown report")
	add("unknown proxy", "?proxy=2", raw, 400, "unknown proxy")
	add("protocol 4 with a text body", "?protocol=4", raw, 400, "")
	add("protocol 4 form without host", "?protocol=4", "type=dpkg&pkgs='bash' '5.1' '' 'amd64'\n", 400, "host")
	add("protocol 4 form bad type", "?protocol=4", "host=x.example.org&type=pkgsrc&pkgs='bash' '5.1' '' 'amd64'\n", 400, "type")
	add("protocol 4 form bad proxy", "?protocol=4", "host=x.example.org&proxy=yes&type=dpkg&pkgs='bash' '5.1' '' 'amd64'\n", 400, "proxy")
	add("reboot-required junk", "?protocol=6", strings.Replace(raw, "version: 1", "version: 1\nreboot-required: maybe", 1), 400, "reboot-required")
	return out
}

// TestFeedRefusesMalformed: every malformed report gets a 4xx whose body
// is one line starting with "ERROR: ", and nothing is stored (the issue's
// probe of about 100 kinds, kept as a regression test).
func TestFeedRefusesMalformed(t *testing.T) {
	raw, err := os.ReadFile("testdata/vaultwarden.pakiti5.txt")
	if err != nil {
		t.Fatal(err)
	}
	h, s := newTest(t)
	cases := malformedReports(string(raw))
	if len(cases) < 100 {
		t.Fatalf("%d cases", len(cases))
	}
	for _, tc := range cases {
		req := httptest.NewRequest("POST", "/feed/"+tc.query, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "text/plain")
		if strings.Contains(tc.query, "protocol=4") {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != tc.want || !strings.HasPrefix(body, "ERROR: ") || strings.Count(body, "\n") != 1 ||
			!strings.Contains(body, tc.says) {
			t.Errorf("%s: %d %.200q, want %d ERROR: ...%s", tc.name, rec.Code, body, tc.want, tc.says)
		}
	}
	ctx := context.Background()
	hosts, total, err := s.ListHosts(ctx, store.AllSites(), store.HostFilter{})
	if err != nil || total != 0 {
		t.Errorf("%d hosts stored (%v): %v", total, err, hosts)
	}
	if sites, err := s.Sites(ctx, store.AllSites()); err != nil || len(sites) != 0 {
		t.Errorf("sites stored: %v (%v)", sites, err)
	}
	// The real report itself is accepted: the mutations, not the base, are refused.
	if rec := post(h, "/feed/", "text/plain", "", raw); rec.Code != 200 {
		t.Errorf("the real report: %d %s", rec.Code, rec.Body)
	}
}

// TestFeedSharedHostsConcurrent: 48 concurrent senders re-sending 4 shared
// hosts (each host's report alternating between two package sets) all get
// OK, and each host ends with one of the sets it was sent (the issue's
// probe: 37,003 OK out of 37,003 in 90 s).
func TestFeedSharedHostsConcurrent(t *testing.T) {
	raw, err := os.ReadFile("testdata/vaultwarden.pakiti5.txt")
	if err != nil {
		t.Fatal(err)
	}
	h, s := newTest(t)
	const senders, each, hosts = 48, 12, 4
	body := func(host, v int) string {
		b := strings.Replace(string(raw), "inv-alpine320-a.example.org", fmt.Sprintf("shared%d.example.org", host), 1)
		if v == 1 {
			b = strings.Replace(b, "busybox\t1.36.1-r29", "busybox\t1.36.1-r30", 1)
		}
		return b
	}
	var wg sync.WaitGroup
	errs := make(chan string, senders*each)
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("POST", "/feed/?protocol=5", strings.NewReader(body((g+i)%hosts, (g/hosts+i)%2))))
				if rec.Code != 200 || rec.Body.String() != "OK\n" {
					errs <- fmt.Sprintf("sender %d report %d: %d %q", g, i, rec.Code, rec.Body)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	n := 0
	for e := range errs {
		if n++; n <= 10 {
			t.Error(e)
		}
	}
	if n > 0 {
		t.Errorf("%d of %d reports not acknowledged", n, senders*each)
	}
	_, total, err := s.ListHosts(context.Background(), store.AllSites(), store.HostFilter{})
	if err != nil || total != hosts {
		t.Errorf("%d hosts (%v), want %d", total, err, hosts)
	}
	for i := range hosts {
		pkgs, err := s.HostPackages(context.Background(), store.AllSites(), fmt.Sprintf("shared%d.example.org", i))
		if err != nil || len(pkgs) != 26 {
			t.Errorf("shared%d: %d packages (%v), want the report's 26", i, len(pkgs), err)
		}
	}
}

// TestFeedAcceptsOddButValid: what looks malformed but is accepted, as the
// old server accepted it, and what is then stored: CRLF line ends (CR
// bytes are dropped wherever they are), a header-only report (a truncated
// body cut at a line end is one: the HTTP length says more), a repeated
// header (the last one wins, as in the PHP server's loop), whitespace-only
// package lines (skipped), a host value holding several names (the first
// is the identity; U+00A0 separates names like a space).
func TestFeedAcceptsOddButValid(t *testing.T) {
	rawb, err := os.ReadFile("testdata/vaultwarden.pakiti5.txt")
	if err != nil {
		t.Fatal(err)
	}
	raw := string(rawb)
	const host = "inv-alpine320-a.example.org"
	tests := []struct {
		name     string
		body     string
		host     string
		site     string
		packages int
	}{
		{"CRLF", strings.ReplaceAll(raw, "\n", "\r\n"), host, "INVENTORIES", 26},
		{"CR inside a package name", strings.Replace(raw, "alpine-baselayout\t", "alpine-base\rlayout\t", 1), host, "INVENTORIES", 26},
		{"header only", raw[:strings.Index(raw, "version: 1\n")], host, "INVENTORIES", 0},
		{"repeated host", strings.Replace(raw, "packager: apk", "host: other.example.org", 1), "other.example.org", "INVENTORIES", 26},
		{"repeated site", strings.Replace(raw, "system: ", "site: OTHER\nsystem: ", 1), host, "OTHER", 26},
		{"tabs-only package line", strings.Replace(raw, "alpine-keys\t", "\t\t\nalpine-keys\t", 1), host, "INVENTORIES", 26},
		{"several names", strings.Replace(raw, "host: "+host, "host: "+host+" alias.example.org", 1), host, "INVENTORIES", 26},
		{"no-break space separates names", strings.Replace(raw, "host: "+host, "host: inv\u00a0x.example.org", 1), "inv", "INVENTORIES", 26},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, s := newTest(t)
			if rec := post(h, "/feed/", "text/plain", "", []byte(tt.body)); rec.Code != 200 || rec.Body.String() != "OK\n" {
				t.Fatalf("%d %q", rec.Code, rec.Body)
			}
			hosts, _, err := s.ListHosts(context.Background(), store.AllSites(), store.HostFilter{})
			if err != nil || len(hosts) != 1 {
				t.Fatalf("hosts %v (%v)", hosts, err)
			}
			if got := hosts[0]; got.Hostname != tt.host || got.Site != tt.site || got.Packages != tt.packages {
				t.Errorf("stored %q site %q with %d packages, want %q %q %d", got.Hostname, got.Site, got.Packages, tt.host, tt.site, tt.packages)
			}
		})
	}
}
