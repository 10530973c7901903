package intake

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

func newTest(t *testing.T) (*Handler, *store.Store) {
	t.Helper()
	s, err := store.Open(context.Background(), testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	h := New(s, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.Now = func() time.Time { return time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC) }
	return h, s
}

func TestFeed(t *testing.T) {
	real, err := os.ReadFile("testdata/vaultwarden.pakiti5.txt")
	if err != nil {
		t.Fatal(err)
	}
	p6 := "#\nhost: six.example.org\nos-id: alpine\nreboot-required: no\n#\nbusybox\t1.36.1-r29\tx86_64\tbusybox\t1.36.1-r29\n#\n"
	tests := []struct {
		name        string
		method      string
		query       string
		ctype       string
		body        string
		wantStatus  int
		wantBody    string // prefix
		wantStored  string // host name that must exist afterwards, "" for none
		wantMissing string // host name that must not exist afterwards
	}{
		{"protocol 5 default", "POST", "", "text/plain", string(real), 200, "OK\n", "inv-alpine320-a.example.org", ""},
		{"curl -d form content type", "POST", "?protocol=5", "application/x-www-form-urlencoded",
			strings.Replace(string(real), "inv-alpine320-a", "form", 1), 200, "OK\n", "form.example.org", ""},
		{"legacy version param", "POST", "?version=5&report=0", "", strings.Replace(string(real), "inv-alpine320-a", "legacy", 1), 200, "OK\n", "legacy.example.org", ""},
		{"protocol 6", "POST", "?protocol=6&mode=store-only", "text/plain", p6, 200, "OK\n", "six.example.org", ""},
		{"report-only does not store", "POST", "?mode=report-only", "", strings.Replace(string(real), "inv-alpine320-a", "ro", 1), 200, "OK\n", "", "ro.example.org"},
		{"legacy report=2", "POST", "?report=2", "", strings.Replace(string(real), "inv-alpine320-a", "ro2", 1), 200, "OK\n", "", "ro2.example.org"},
		{"GET", "GET", "", "", "", 405, "ERROR: send reports with POST", "", ""},
		{"protocol 4 with a text body", "POST", "?protocol=4", "", string(real), 400, "ERROR: the form has no host field", "", "inv-alpine320-a.example.org"},
		{"protocol 7", "POST", "?protocol=7", "", string(real), 400, `ERROR: unknown protocol "7"`, "", ""},
		{"bad mode", "POST", "?mode=later", "", string(real), 400, `ERROR: unknown mode "later"`, "", ""},
		{"bad report", "POST", "?report=3", "", string(real), 400, `ERROR: unknown report="3"`, "", ""},
		{"empty", "POST", "", "", "", 400, "ERROR: empty report", "", ""},
		{"p6 columns in p5", "POST", "", "", p6, 400, "ERROR: line 6: package line has 5 fields", "", "six.example.org"},
		{"bad reboot flag", "POST", "?protocol=6", "", strings.Replace(p6, "reboot-required: no", "reboot-required: maybe", 1), 400, "ERROR: header reboot-required", "", ""},
		{"encrypted body", "POST", "", "", "0\x82\x01\x00\xff\xfe", 400, "ERROR: report is not UTF-8", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, s := newTest(t)
			req := httptest.NewRequest(tt.method, "/feed/"+tt.query, strings.NewReader(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus || !strings.HasPrefix(rec.Body.String(), tt.wantBody) {
				t.Fatalf("got %d %q, want %d %q...", rec.Code, rec.Body.String(), tt.wantStatus, tt.wantBody)
			}
			if tt.wantStatus == 200 && tt.wantBody == "OK\n" && rec.Body.String() != "OK\n" {
				t.Errorf("store-only answer must be exactly OK\\n, got %q", rec.Body.String())
			}
			if tt.wantStored != "" {
				host, err := s.Host(context.Background(), store.AllSites(), tt.wantStored)
				if err != nil {
					t.Fatalf("host %s not stored: %v", tt.wantStored, err)
				}
				if host.ReporterAddr != "192.0.2.1" {
					t.Errorf("reporter address %q", host.ReporterAddr)
				}
			}
			if tt.wantMissing != "" {
				if _, err := s.Host(context.Background(), store.AllSites(), tt.wantMissing); err == nil {
					t.Errorf("host %s was stored", tt.wantMissing)
				}
			}
		})
	}
}

func TestFeedSizeLimit(t *testing.T) {
	h, _ := newTest(t)
	h.Limits.MaxBytes = 1000
	body := "#\nhost: big\n#\n" + strings.Repeat("pkg\t1.0\tx86_64\n", 100)
	for _, chunked := range []bool{false, true} {
		var r io.Reader = strings.NewReader(body)
		if chunked {
			r = io.MultiReader(r) // hides the length: no Content-Length
		}
		req := httptest.NewRequest("POST", "/feed/", r)
		if chunked {
			req.ContentLength = -1
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.HasPrefix(rec.Body.String(), "ERROR: report is") {
			t.Errorf("chunked=%v: got %d %q", chunked, rec.Code, rec.Body.String())
		}
	}
}

func TestFeedSiteDefault(t *testing.T) {
	h, s := newTest(t)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/feed", strings.NewReader("#\nhost: nosite.example.org other-name\n#\na\t1\tx\n#\n")))
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	host, err := s.Host(context.Background(), store.AllSites(), "nosite.example.org")
	if err != nil {
		t.Fatal(err)
	}
	if host.Site != "N/A" {
		t.Errorf("site %q, want N/A", host.Site)
	}
}

func TestFeedResend(t *testing.T) {
	h, s := newTest(t)
	a := "#\nhost: r.example.org\nsite: S\n#\na\t1\tx\nb\t2\tx\n#\n"
	b := "#\nhost: r.example.org\nsite: S\n#\na\t1\tx\nb\t3\tx\n#\n"
	aReordered := "#\nhost: r.example.org\nsite: S\n#\nb\t2\tx\na\t1\tx\n#\n"
	steps := []struct {
		body      string
		proto     string
		wantHist  int
		wantCount int
	}{
		{a, "5", 1, 1},
		{a, "5", 1, 2},          // byte-identical: fast path
		{aReordered, "5", 1, 3}, // same content, other bytes: full path, unchanged
		{aReordered, "5", 1, 4}, // fast path again, on the new bytes
		{b, "5", 2, 1},          // changed
		{a, "5", 3, 1},          // back: the fast path must not apply to a's old bytes
		{a, "6", 4, 1},          // same bytes, other protocol: a new record
	}
	for i, st := range steps {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/feed/?protocol="+st.proto, strings.NewReader(st.body)))
		if rec.Code != 200 {
			t.Fatalf("step %d: %d %s", i, rec.Code, rec.Body)
		}
		hist, err := s.HostReports(context.Background(), store.AllSites(), "r.example.org", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != st.wantHist || hist[0].Count != st.wantCount {
			t.Errorf("step %d: %d records, newest count %d; want %d, %d", i, len(hist), hist[0].Count, st.wantHist, st.wantCount)
		}
		pkgs, _ := s.HostPackages(context.Background(), store.AllSites(), "r.example.org")
		wantB := "2"
		if st.body == b {
			wantB = "3"
		}
		if len(pkgs) != 2 || pkgs[1].Version != wantB {
			t.Errorf("step %d: packages %v", i, pkgs)
		}
	}
}

// TestFeedConcurrent sends reports from many goroutines at once: new hosts
// sharing a package set, and one host re-sending. Every report must be
// answered OK and stored once (run with -race in CI).
func TestFeedConcurrent(t *testing.T) {
	h, s := newTest(t)
	real, err := os.ReadFile("testdata/vaultwarden.pakiti5.txt")
	if err != nil {
		t.Fatal(err)
	}
	const senders, each = 8, 10
	errs := make(chan string, senders*each)
	var wg sync.WaitGroup
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				name := fmt.Sprintf("c%d-%d.example.org", g, i)
				if i%2 == 1 {
					name = "same.example.org"
				}
				body := strings.Replace(string(real), "inv-alpine320-a.example.org", name, 1)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("POST", "/feed/", strings.NewReader(body)))
				if rec.Code != 200 || rec.Body.String() != "OK\n" {
					errs <- fmt.Sprintf("%s: %d %s", name, rec.Code, rec.Body)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	_, total, err := s.ListHosts(context.Background(), store.AllSites(), store.HostFilter{})
	if err != nil || total != senders*each/2+1 {
		t.Errorf("%d hosts (%v), want %d", total, err, senders*each/2+1)
	}
	hist, _ := s.HostReports(context.Background(), store.AllSites(), "same.example.org", 10)
	if len(hist) != 1 || hist[0].Count != senders*each/2 {
		t.Errorf("same.example.org history %+v, want one record counting %d reports", hist, senders*each/2)
	}
}

// TestFeedKnownSet: a new host whose package lines are byte for byte those
// of a stored set is stored without parsing them, with the same result as
// the full path; a bad header still fails as it would.
func TestFeedKnownSet(t *testing.T) {
	h, s := newTest(t)
	real, err := os.ReadFile("testdata/vaultwarden.pakiti5.txt")
	if err != nil {
		t.Fatal(err)
	}
	send := func(body, proto string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/feed/?protocol="+proto, strings.NewReader(body)))
		return rec
	}
	if rec := send(string(real), "5"); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	second := strings.Replace(string(real), "inv-alpine320-a.example.org", "second.example.org", 1)
	second = strings.Replace(second, "site: INVENTORIES", "site: OTHER", 1)
	if rec := send(second, "5"); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	ctx := context.Background()
	a, _ := s.HostPackages(ctx, store.AllSites(), "inv-alpine320-a.example.org")
	b, _ := s.HostPackages(ctx, store.AllSites(), "second.example.org")
	host, _ := s.Host(ctx, store.AllSites(), "second.example.org")
	if len(a) != 26 || len(b) != 26 || host.Site != "OTHER" || host.Packages != 26 {
		t.Errorf("second host: %d packages (first %d), site %q, count %d", len(b), len(a), host.Site, host.Packages)
	}
	hist, _ := s.HostReports(ctx, store.AllSites(), "second.example.org", 5)
	if len(hist) != 1 || hist[0].Packages != 26 {
		t.Errorf("history %+v", hist)
	}
	// The same package lines under protocol 6 are another document: full path.
	third := strings.Replace(string(real), "inv-alpine320-a.example.org", "third.example.org", 1)
	if rec := send(third, "6"); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	bad := strings.Replace(second, "site: OTHER", "site: \x01", 1)
	if rec := send(bad, "5"); rec.Code != 400 || !strings.Contains(rec.Body.String(), "control character") {
		t.Errorf("bad header with known packages: %d %s", rec.Code, rec.Body)
	}
}
