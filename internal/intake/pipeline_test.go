package intake_test

// The /feed/ pipeline with a real store, the real matcher and real Debian
// records: the answer lines of store-and-report and report-only, what
// report-only leaves stored (nothing), a store that fails, and the size
// limit at its exact edge.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// spySaver is the real store behind a Saver that counts its calls and
// fails the methods named in fail.
type spySaver struct {
	s *store.Store

	mu    sync.Mutex
	fail  map[string]bool
	calls map[string]int
}

var errDisk = errors.New("disk I/O error (planted by the test)")

func (p *spySaver) call(method string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[method]++
	if p.fail[method] {
		return errDisk
	}
	return nil
}

func (p *spySaver) setFail(methods ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fail = map[string]bool{}
	for _, m := range methods {
		p.fail[m] = true
	}
}

func (p *spySaver) totalCalls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.calls {
		n += c
	}
	return n
}

func (p *spySaver) SaveReport(ctx context.Context, in store.Incoming) (store.Saved, error) {
	if err := p.call("SaveReport"); err != nil {
		return store.Saved{}, err
	}
	return p.s.SaveReport(ctx, in)
}

func (p *spySaver) TouchUnchanged(ctx context.Context, hostname, rawHash, addr string, at time.Time) (store.Saved, bool, error) {
	if err := p.call("TouchUnchanged"); err != nil {
		return store.Saved{}, false, err
	}
	return p.s.TouchUnchanged(ctx, hostname, rawHash, addr, at)
}

func (p *spySaver) ForgetFindingsKey(ctx context.Context, hostID int64) error {
	if err := p.call("ForgetFindingsKey"); err != nil {
		return err
	}
	return p.s.ForgetFindingsKey(ctx, hostID)
}

func (p *spySaver) KnownSet(ctx context.Context, packagesHash string) (store.KnownSet, bool, error) {
	if err := p.call("KnownSet"); err != nil {
		return store.KnownSet{}, false, err
	}
	return p.s.KnownSet(ctx, packagesHash)
}

// pipeline is a handler over a real store holding the records of
// testdata/DSA-list.bullseye-3.txt, evaluated by the real matcher.
type pipeline struct {
	h   *intake.Handler
	s   *store.Store
	spy *spySaver
}

func newPipeline(t *testing.T) *pipeline {
	t.Helper()
	ctx := context.Background()
	s := testdb.Open(t)
	f, err := os.Open("testdata/DSA-list.bullseye-3.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	res, err := s.ReplaceAdvisories(ctx, store.ImportRun{Source: "debian", StartedAt: at},
		func(add func(model.Advisory) error) error {
			_, err := debian.ParseAdvisoryList(ctx, f, "DSA", add)
			return err
		})
	// 1 + 5 + 13 records: one per CVE of each entry.
	if err != nil || res.Records != 19 {
		t.Fatalf("import: %d records (%v), want 19", res.Records, err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := match.New(s, drivers.Registry(), log)
	m.Now = func() time.Time { return at }
	spy := &spySaver{s: s, fail: map[string]bool{}, calls: map[string]int{}}
	h := intake.New(spy, m, log)
	h.Now = func() time.Time { return at }
	return &pipeline{h: h, s: s, spy: spy}
}

// post sends body to /feed/ with query, as a client with Content-Length.
func (p *pipeline) post(query, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, httptest.NewRequest("POST", "/feed/"+query, strings.NewReader(body)))
	return rec
}

// answerLines splits an OK answer into its finding lines, sorted (the
// protocol gives them no order).
func answerLines(t *testing.T, rec *httptest.ResponseRecorder) []string {
	t.Helper()
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.HasPrefix(body, "OK\n") {
		t.Fatalf("answer %d %q, want 200 OK", rec.Code, body)
	}
	lines := strings.Split(strings.TrimSuffix(strings.TrimPrefix(body, "OK\n"), "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	sort.Strings(lines)
	return lines
}

// findingLines are the answer lines "name\tversion\tarch\tCVE\ttag" of one
// installed package for the CVEs of one record (no CVE tags yet: the tag
// column is empty).
func findingLines(name, version string, cves []string) []string {
	out := make([]string, len(cves))
	for i, c := range cves {
		out[i] = strings.Join([]string{name, version, "amd64", c, ""}, "\t")
	}
	return out
}

var (
	// [07 Feb 2023] DSA-5343-1 openssl {CVE-2022-2097 CVE-2022-4304 CVE-2022-4450 CVE-2023-0215 CVE-2023-0286}
	//   [bullseye] - openssl 1.1.1n-0+deb11u4
	dsa5343 = strings.Fields("CVE-2022-2097 CVE-2022-4304 CVE-2022-4450 CVE-2023-0215 CVE-2023-0286")
	// [14 Feb 2023] DSA-5349-1 gnutls28 {CVE-2023-0361} [bullseye] - gnutls28 3.7.1-5+deb11u3
	dsa5349 = []string{"CVE-2023-0361"}
	// [23 Jan 2023] DSA-5324-1 linux {13 CVEs} [bullseye] - linux 5.10.162-1
	dsa5324 = strings.Fields("CVE-2022-2873 CVE-2022-3545 CVE-2022-3623 CVE-2022-4696 CVE-2022-36280 " +
		"CVE-2022-41218 CVE-2022-45934 CVE-2022-47929 CVE-2023-0179 CVE-2023-0266 CVE-2023-0394 CVE-2023-23454 CVE-2023-23455")
)

// kernelReport is a protocol-6 report of a Debian 11 host running kernel
// release running, from real package versions: libssl1.1 and libgnutls30
// as in shared/data/inventories/debian-11/viking-db; the images are Debian
// 11's 5.10.0-19 (5.10.149-2) and 5.10.0-20 (5.10.158-2) built from
// linux-signed-amd64, and linux-libc-dev 5.10.158-2 from linux
// (test/e2e/testdata/bullseye-p6.report).
func kernelReport(host, running string) string {
	return "#\narch: x86_64\nhost: " + host + "\nkernel: " + running + "\nos-id: debian\nos-version-id: 11\n" +
		"packager: dpkg\nsite: PIPELINE\nsystem: Debian GNU/Linux 11\nversion: 1\n#\n" +
		"libgnutls30\t3.7.1-5+deb11u2\tamd64\tgnutls28\t3.7.1-5+deb11u2\n" +
		"libssl1.1\t1.1.1n-0+deb11u3\tamd64\topenssl\t1.1.1n-0+deb11u3\n" +
		"linux-image-5.10.0-19-amd64\t5.10.149-2\tamd64\tlinux-signed-amd64\t5.10.149+2\n" +
		"linux-image-5.10.0-20-amd64\t5.10.158-2\tamd64\tlinux-signed-amd64\t5.10.158+2\n" +
		"linux-libc-dev\t5.10.158-2\tamd64\tlinux\t5.10.158-2\n#\n"
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPipelineAnswers: store-and-report and report-only answer one line per
// open finding, the same lines for the same report; report-only stores
// nothing and counts only the running kernel image.
func TestPipelineAnswers(t *testing.T) {
	viking := readFile(t, "testdata/viking-db.pakiti5.txt")
	// Common to both kernel reports: libssl1.1 1.1.1n-0+deb11u3 < 1.1.1n-0+deb11u4
	// (DSA-5343-1) and libgnutls30 3.7.1-5+deb11u2 < 3.7.1-5+deb11u3 (DSA-5349-1).
	// linux-libc-dev is not a kernel that runs: never listed.
	common := append(findingLines("libssl1.1", "1.1.1n-0+deb11u3", dsa5343), findingLines("libgnutls30", "3.7.1-5+deb11u2", dsa5349)...)
	reports := []struct {
		name, protocol, body, host string
		want                       []string
	}{
		// Protocol 5, no sources: of viking-db's 147 binaries only openssl
		// bears the name of a source in the records (no Packages index is
		// loaded): openssl 1.1.1n-0+deb11u3 < 1.1.1n-0+deb11u4 (DSA-5343-1).
		{"viking-db protocol 5", "5", viking, "inv-debian11-a.example.org",
			findingLines("openssl", "1.1.1n-0+deb11u3", dsa5343)},
		// Running 5.10.0-20: its image 5.10.158-2 < 5.10.162-1 (DSA-5324-1)
		// is listed; the 5.10.0-19 image, also older, is not running.
		{"running 5.10.0-20", "6", kernelReport("k20.example.org", "5.10.0-20-amd64"), "k20.example.org",
			append(findingLines("linux-image-5.10.0-20-amd64", "5.10.158-2", dsa5324), common...)},
		// Running 5.10.0-19: the other way round.
		{"running 5.10.0-19", "6", kernelReport("k19.example.org", "5.10.0-19-amd64"), "k19.example.org",
			append(findingLines("linux-image-5.10.0-19-amd64", "5.10.149-2", dsa5324), common...)},
	}
	modes := []struct {
		query  string
		stores bool
	}{
		{"mode=store-and-report", true},
		{"report=1", true},
		{"mode=report-only", false},
		{"report=2", false},
	}
	for _, r := range reports {
		for _, m := range modes {
			t.Run(r.name+"/"+m.query, func(t *testing.T) {
				p := newPipeline(t)
				want := append([]string(nil), r.want...)
				sort.Strings(want)
				rec := p.post("?protocol="+r.protocol+"&cves=all&"+m.query, r.body)
				if diff := cmp.Diff(want, answerLines(t, rec)); diff != "" {
					t.Errorf("answer lines (-want +got):\n%s", diff)
				}
				ctx := context.Background()
				_, total, err := p.s.ListHosts(ctx, store.AllSites(), store.HostFilter{})
				if err != nil {
					t.Fatal(err)
				}
				if !m.stores {
					sites, _ := p.s.Sites(ctx, store.AllSites())
					if n := p.spy.totalCalls(); n != 0 || total != 0 || len(sites) != 0 {
						t.Errorf("report-only: %d store calls %v, %d hosts, sites %v; want nothing stored", n, p.spy.calls, total, sites)
					}
					return
				}
				if total != 1 {
					t.Fatalf("%d hosts stored, want 1", total)
				}
				fs, err := p.s.HostFindings(ctx, store.AllSites(), r.host, false)
				if err != nil || len(fs) != len(r.want) {
					t.Errorf("%d findings stored (%v), want %d", len(fs), err, len(r.want))
				}
				// The same bytes again take the unchanged fast path and
				// answer the same lines.
				if diff := cmp.Diff(want, answerLines(t, p.post("?protocol="+r.protocol+"&cves=all&"+m.query, r.body))); diff != "" {
					t.Errorf("answer to the same report again (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestPipelineReportOnlyNeedsNoStore: a report-only client is answered even
// when the store fails, since nothing is stored.
func TestPipelineReportOnlyNeedsNoStore(t *testing.T) {
	p := newPipeline(t)
	p.spy.setFail("SaveReport", "TouchUnchanged", "KnownSet")
	got := answerLines(t, p.post("?protocol=6&cves=all&mode=report-only", kernelReport("k.example.org", "5.10.0-20-amd64")))
	if len(got) != len(dsa5324)+len(dsa5343)+len(dsa5349) {
		t.Errorf("%d lines, want %d:\n%s", len(got), len(dsa5324)+len(dsa5343)+len(dsa5349), strings.Join(got, "\n"))
	}
	if n := p.spy.totalCalls(); n != 0 {
		t.Errorf("report-only called the store %d times: %v", n, p.spy.calls)
	}
}

// TestPipelineStorageError: when storing fails the client hears a 5xx
// "ERROR:", never OK, whichever step of the store failed and whichever
// mode it asked for, and nothing is stored.
func TestPipelineStorageError(t *testing.T) {
	viking := readFile(t, "testdata/viking-db.pakiti5.txt")
	other := strings.Replace(viking, "host: inv-debian11-a.example.org", "host: other.example.org", 1)
	cases := []struct {
		name  string
		fail  string
		first string // sent before, with a working store ("" none)
		body  string
		host  string // must not have a report from body afterwards
	}{
		{"unchanged check fails, new host", "TouchUnchanged", "", viking, "inv-debian11-a.example.org"},
		{"unchanged check fails, same bytes again", "TouchUnchanged", viking, viking, "inv-debian11-a.example.org"},
		{"known-set lookup fails", "KnownSet", "", viking, "inv-debian11-a.example.org"},
		{"save fails, new host", "SaveReport", "", viking, "inv-debian11-a.example.org"},
		{"save fails, known package set", "SaveReport", other, viking, "inv-debian11-a.example.org"},
	}
	for _, c := range cases {
		for _, mode := range []string{"store-only", "store-and-report"} {
			t.Run(c.name+"/"+mode, func(t *testing.T) {
				p := newPipeline(t)
				if c.first != "" {
					if rec := p.post("", c.first); rec.Code != http.StatusOK {
						t.Fatalf("first report: %d %s", rec.Code, rec.Body)
					}
				}
				p.spy.setFail(c.fail)
				before, _ := p.s.HostReports(context.Background(), store.AllSites(), c.host, 10)
				rec := p.post("?mode="+mode, c.body)
				body := rec.Body.String()
				if rec.Code < 500 || rec.Code > 599 || !strings.HasPrefix(body, "ERROR:") || strings.Contains(body, "OK") {
					t.Errorf("answer %d %q, want a 5xx starting ERROR: and no OK", rec.Code, body)
				}
				if p.spy.calls[c.fail] == 0 {
					t.Errorf("%s was never called: the case does not test what it says", c.fail)
				}
				after, _ := p.s.HostReports(context.Background(), store.AllSites(), c.host, 10)
				if diff := cmp.Diff(before, after, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("report history of %s changed (-before +after):\n%s", c.host, diff)
				}
			})
		}
	}
}

// countingReader counts the bytes read from it; it hides the reader's type,
// so httptest sets no Content-Length for it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += n
	return n, err
}

// TestPipelineSizeLimit: a report of exactly Limits.MaxBytes is accepted
// and one byte more is refused with 413, with and without Content-Length.
// With a Content-Length over the limit the body is not even read.
func TestPipelineSizeLimit(t *testing.T) {
	viking := readFile(t, "testdata/viking-db.pakiti5.txt")
	limit := int64(len(viking))
	cases := []struct {
		name       string
		body       string
		length     bool // send Content-Length (else chunked)
		wantStatus int
	}{
		{"exact size, Content-Length", viking, true, http.StatusOK},
		{"exact size, chunked", viking, false, http.StatusOK},
		// One byte more: an empty line at the end, harmless to the parser.
		{"one byte more, Content-Length", viking + "\n", true, http.StatusRequestEntityTooLarge},
		{"one byte more, chunked", viking + "\n", false, http.StatusRequestEntityTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newPipeline(t)
			p.h.Limits.MaxBytes = limit
			body := &countingReader{r: strings.NewReader(c.body)}
			req := httptest.NewRequest("POST", "/feed/", body)
			req.ContentLength, req.TransferEncoding = -1, []string{"chunked"}
			if c.length {
				req.ContentLength, req.TransferEncoding = int64(len(c.body)), nil
				req.Header.Set("Content-Length", fmt.Sprint(len(c.body)))
			}
			rec := httptest.NewRecorder()
			p.h.ServeHTTP(rec, req)
			if rec.Code != c.wantStatus {
				t.Fatalf("%d-byte report, limit %d: answer %d %q, want %d", len(c.body), limit, rec.Code, rec.Body, c.wantStatus)
			}
			_, err := p.s.Host(context.Background(), store.AllSites(), "inv-debian11-a.example.org")
			if c.wantStatus == http.StatusOK {
				if rec.Body.String() != "OK\n" || err != nil {
					t.Errorf("answer %q, host stored: %v; want OK and stored", rec.Body, err)
				}
				return
			}
			if !strings.HasPrefix(rec.Body.String(), "ERROR: report is") || !errors.Is(err, store.ErrNotFound) {
				t.Errorf("answer %q, host lookup: %v; want ERROR: report is... and nothing stored", rec.Body, err)
			}
			if c.length && body.n != 0 {
				t.Errorf("read %d bytes of a body whose Content-Length is over the limit; want it refused unread", body.n)
			}
		})
	}
	// The same through a real connection: Go's client sends a
	// *strings.Reader with Content-Length and a bare io.Reader chunked.
	p := newPipeline(t)
	p.h.Limits.MaxBytes = limit
	var mu sync.Mutex
	var serverSawLength int64 // the last request's Content-Length (-1: chunked)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		serverSawLength = r.ContentLength
		mu.Unlock()
		p.h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	for _, c := range cases {
		var r io.Reader = strings.NewReader(c.body)
		if !c.length {
			r = &countingReader{r: r}
		}
		resp, err := http.Post(srv.URL+"/feed/", "text/plain", r)
		if err != nil {
			t.Fatalf("%s over HTTP: %v", c.name, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		mu.Lock()
		length := serverSawLength
		mu.Unlock()
		if resp.StatusCode != c.wantStatus || (length >= 0) != c.length {
			t.Errorf("%s over HTTP (Content-Length %d): %d %q, want %d", c.name, length, resp.StatusCode, got, c.wantStatus)
		}
	}
}

// TestPipelineChangedReport: a host already evaluated sends a changed
// report (store-only, so only the stored findings tell): what the new
// package set brings is evaluated at once, and what it drops resolves.
func TestPipelineChangedReport(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	const host = "changed.example.org"
	// libssl1.1 at 1.1.1n-0+deb11u4, the fix of DSA-5343-1 ([bullseye] -
	// openssl 1.1.1n-0+deb11u4): not vulnerable to it.
	fixed := strings.Replace(kernelReport(host, "5.10.0-20-amd64"),
		"libssl1.1\t1.1.1n-0+deb11u3\tamd64\topenssl\t1.1.1n-0+deb11u3",
		"libssl1.1\t1.1.1n-0+deb11u4\tamd64\topenssl\t1.1.1n-0+deb11u4", 1)
	vulnerable := kernelReport(host, "5.10.0-20-amd64")
	openssl := func() []string {
		t.Helper()
		fs, err := p.s.HostFindings(ctx, store.AllSites(), host, false)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range fs {
			if f.Package == "libssl1.1" {
				out = append(out, f.CVE+" "+f.Version)
			}
		}
		return out
	}
	withVersion := func(v string) []string {
		out := make([]string, len(dsa5343))
		for i, c := range dsa5343 {
			out[i] = c + " " + v
		}
		return out
	}
	steps := []struct {
		name, body string
		want       []string
	}{
		{"first report, fixed openssl", fixed, nil},
		{"changed: openssl downgraded below DSA-5343-1", vulnerable, withVersion("1.1.1n-0+deb11u3")},
		{"changed: openssl updated again", fixed, nil},
	}
	for _, st := range steps {
		if rec := p.post("?protocol=6", st.body); rec.Code != http.StatusOK || rec.Body.String() != "OK\n" {
			t.Fatalf("%s: answer %d %q", st.name, rec.Code, rec.Body.String())
		}
		if diff := cmp.Diff(st.want, openssl()); diff != "" {
			t.Errorf("%s: open libssl1.1 findings (-want +got):\n%s", st.name, diff)
		}
	}
}

// TestPipelineLearnsSources: the binary -> source map a protocol-6 report
// carries serves the protocol-5 hosts of its OS group that report later.
func TestPipelineLearnsSources(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	// Protocol 5, as the Perl client sends it: libssl1.1 1.1.1n-0+deb11u3
	// (viking-db's version) with no source; its source openssl is known
	// only from the protocol-6 report sent first.
	p5 := "#\narch: x86_64\nhost: perl.example.org\nkernel: 5.10.0-20-amd64\npackager: dpkg\nsite: PIPELINE\n" +
		"system: Debian GNU/Linux 11\nversion: 1\n#\nlibssl1.1\t1.1.1n-0+deb11u3\tamd64\n#\n"
	for _, r := range []struct{ query, body string }{
		{"?protocol=6", kernelReport("six.example.org", "5.10.0-20-amd64")},
		{"?protocol=5", p5},
	} {
		if rec := p.post(r.query, r.body); rec.Code != http.StatusOK {
			t.Fatalf("answer %d %q", rec.Code, rec.Body.String())
		}
	}
	fs, err := p.s.HostFindings(ctx, store.AllSites(), "perl.example.org", false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.CVE+" "+f.SourcePackage+" "+f.Basis)
	}
	// DSA-5343-1 openssl [bullseye] - openssl 1.1.1n-0+deb11u4: five CVEs,
	// matched through the learned source.
	var want []string
	for _, c := range dsa5343 {
		want = append(want, c+" openssl learned")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings of the protocol-5 host (-want +got):\n%s", diff)
	}
}
