package collect

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
)

// request is what the test server received.
type request struct {
	Method, Path, Query, ContentType, Body string
}

// feed is a test Pakiti server answering with the scripted answers in
// turn (the last one repeats).
type feed struct {
	t       *testing.T
	mu      sync.Mutex
	got     []request
	answers []func(w http.ResponseWriter, r *http.Request)
}

func (f *feed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	n := len(f.got)
	f.got = append(f.got, request{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), string(body)})
	a := f.answers[min(n, len(f.answers)-1)]
	f.mu.Unlock()
	a(w, r)
}

func (f *feed) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.got...)
}

func answer(status int, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func newFeed(t *testing.T, answers ...func(http.ResponseWriter, *http.Request)) (*feed, *httptest.Server) {
	f := &feed{t: t, answers: answers}
	ts := httptest.NewServer(f)
	t.Cleanup(ts.Close)
	return f, ts
}

// newTLSServer starts an https test server that does not log refused
// handshakes.
func newTLSServer(t *testing.T, h http.Handler) *httptest.Server {
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}

// testReport is a small report in both protocols.
func testReport() (p5, p6 []byte) {
	r := &report.Report{
		Header: report.Header{Host: "h.example.org", Version: "1", Packager: "dpkg", OSID: "debian", OSVersionID: "12"},
		Packages: report.SortPackages([]model.Package{
			{Name: "libc6", Version: "2.36-9+deb12u9", Arch: "amd64", SourceName: "glibc", SourceVersion: "2.36-9+deb12u9"},
		}),
	}
	return report.Format(r, report.Protocol5), report.Format(r, report.Protocol6)
}

func fast(o SendOptions) SendOptions {
	o.RetryBase = time.Millisecond
	return o
}

func TestSendOK(t *testing.T) {
	p5, p6 := testReport()
	f, ts := newFeed(t, answer(200, "OK\n"))
	got, err := Send(context.Background(), ts.URL+"/feed/", p6, fast(SendOptions{Protocol: 6, Fallback: p5}))
	if err != nil || got != "" {
		t.Fatalf("Send = %q, %v", got, err)
	}
	want := []request{{Method: "POST", Path: "/feed/", Query: "protocol=6", ContentType: "text/plain", Body: string(p6)}}
	if diff := cmp.Diff(want, f.requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestSendStoreAndReport(t *testing.T) {
	p5, _ := testReport()
	lines := "openssl\t3.0.11-1~deb12u2\tamd64\tCVE-2024-0727\tEGI-High\nbash\t5.2.15-2+b2\tamd64\tCVE-2022-3715\tEGI-Critical\n"
	f, ts := newFeed(t, answer(200, "OK\r\n"+lines))
	got, err := Send(context.Background(), ts.URL+"/feed?x=1", p5, fast(SendOptions{Protocol: 5, Mode: "store-and-report"}))
	if err != nil {
		t.Fatal(err)
	}
	if got != lines {
		t.Errorf("answer = %q, want %q", got, lines)
	}
	if q := f.requests()[0].Query; q != "mode=store-and-report&protocol=5&x=1" {
		t.Errorf("query = %q", q)
	}
}

// TestSendAllCVEs: --all-cves asks the server for every vulnerable
// package (cves=all), not only tagged CVEs.
func TestSendAllCVEs(t *testing.T) {
	p5, _ := testReport()
	f, ts := newFeed(t, answer(200, "OK\n"))
	if _, err := Send(context.Background(), ts.URL+"/feed/", p5, fast(SendOptions{Protocol: 5, Mode: "report-only", AllCVEs: true})); err != nil {
		t.Fatal(err)
	}
	if q := f.requests()[0].Query; q != "cves=all&mode=report-only&protocol=5" {
		t.Errorf("query = %q, want cves=all with the mode", q)
	}
}

func TestSendFallbackToProtocol5(t *testing.T) {
	for _, tt := range []struct {
		name   string
		reject func(http.ResponseWriter, *http.Request)
	}{
		// Pakiti 3 feeder: "Unsupported protocol version" caught, "ERROR" printed, 500 set.
		{"PHP server: 500 ERROR", answer(500, "ERROR")},
		// The same when PHP sent the body before the status could be set.
		{"PHP server: 200 ERROR", answer(200, "ERROR\n")},
		{"ours: 400 about the protocol", answer(400, "ERROR: protocol 6 is not supported\n")},
		// internal/intake's answer to a protocol it does not know.
		{"ours: 400 unknown protocol", answer(400, "ERROR: unknown protocol \"6\": this server accepts 5\n")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p5, p6 := testReport()
			var mem ProtocolMemory
			f, ts := newFeed(t, tt.reject, answer(200, "OK\n"))
			opts := fast(SendOptions{Protocol: 6, Fallback: p5, Memory: &mem})
			if _, err := Send(context.Background(), ts.URL, p6, opts); err != nil {
				t.Fatal(err)
			}
			got := f.requests()
			if len(got) != 2 {
				t.Fatalf("%d requests, want 2", len(got))
			}
			if got[0].Query != "protocol=6" || got[0].Body != string(p6) {
				t.Errorf("first request %+v, want protocol 6", got[0])
			}
			if got[1].Query != "protocol=5" || got[1].Body != string(p5) {
				t.Errorf("second request %+v, want protocol 5", got[1])
			}
			if strings.Count(got[1].Body, "\t") != 2 {
				t.Errorf("fallback body has source columns: %q", got[1].Body)
			}
			// Remembered: the next send goes straight to protocol 5.
			if !mem.Rejected6(ts.URL) {
				t.Error("rejection not remembered")
			}
			if _, err := Send(context.Background(), ts.URL, p6, opts); err != nil {
				t.Fatal(err)
			}
			if got := f.requests(); len(got) != 3 || got[2].Query != "protocol=5" {
				t.Errorf("after the rejection: %+v", got[2:])
			}
		})
	}
}

// TestSendNoFallback: answers that do not say the server does not know
// protocol 6 (a storage fault, a malformed or too large report, a busy
// server) never make the client drop the source packages.
func TestSendNoFallback(t *testing.T) {
	tests := []struct {
		name    string
		answers []func(http.ResponseWriter, *http.Request)
		wantErr string // "" for success
		wantN   int    // requests, all at protocol 6
	}{
		{"ours: 500 storage fault, then OK",
			[]func(http.ResponseWriter, *http.Request){answer(500, "ERROR: the server could not store the report; try again later\n"), answer(200, "OK\n")},
			"", 2},
		{"500 storage fault every time",
			[]func(http.ResponseWriter, *http.Request){answer(500, "ERROR: database is locked\n")},
			"server answered 500: ERROR: database is locked (after 3 attempts)", 3},
		{"500 without a body",
			[]func(http.ResponseWriter, *http.Request){answer(500, ""), answer(200, "OK\n")},
			"", 2},
		{"503 busy with Retry-After",
			[]func(http.ResponseWriter, *http.Request){func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "0")
				answer(503, "ERROR: the server is busy (64 reports in progress); try again in 30 seconds\n")(w, nil)
			}, answer(200, "OK\n")},
			"", 2},
		{"400 malformed report",
			[]func(http.ResponseWriter, *http.Request){answer(400, "ERROR: line 6: package line has 4 fields, want 3 or 5\n")},
			"server answered 400: ERROR: line 6: package line has 4 fields, want 3 or 5", 1},
		{"413 too large",
			[]func(http.ResponseWriter, *http.Request){answer(413, "ERROR: report is 40000000 bytes, more than the limit of 33554432\n")},
			"server answered 413: ERROR: report is 40000000 bytes, more than the limit of 33554432", 1},
		{"400 naming the protocol without ERROR (not a Pakiti answer)",
			[]func(http.ResponseWriter, *http.Request){answer(400, "Bad Request: HTTP protocol error\n")},
			"server answered 400: Bad Request: HTTP protocol error", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p5, p6 := testReport()
			var mem ProtocolMemory
			f, ts := newFeed(t, tt.answers...)
			_, err := Send(context.Background(), ts.URL, p6, fast(SendOptions{Protocol: 6, Fallback: p5, Memory: &mem, MaxAttempts: 3}))
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.wantErr {
				t.Errorf("err = %q, want %q", gotErr, tt.wantErr)
			}
			got := f.requests()
			if len(got) != tt.wantN {
				t.Errorf("%d requests, want %d", len(got), tt.wantN)
			}
			for i, r := range got {
				if r.Query != "protocol=6" || r.Body != string(p6) {
					t.Errorf("request %d: %q, want protocol 6 with the source columns", i, r.Query)
				}
			}
			if mem.Rejected6(ts.URL) {
				t.Error("protocol 6 remembered as rejected")
			}
		})
	}
}

func TestRejectsProtocol6(t *testing.T) {
	tests := []struct {
		status int
		answer string
		want   bool
	}{
		{500, "ERROR", true},
		{500, "ERROR\n", true},
		{200, "ERROR", true},
		{400, `ERROR: unknown protocol "6": this server accepts 5` + "\n", true},
		{400, "ERROR: Protocol 6 is not supported\n", true},
		{422, "ERROR: unsupported protocol version 6", true},
		{500, "ERROR: the server could not store the report; try again later\n", false},
		{500, "ERROR: unknown protocol 6", false}, // a 5xx is the server's fault
		{503, "ERROR", false},
		{502, "Bad Gateway", false},
		{400, "ERROR: line 6: package line has 4 fields, want 3 or 5\n", false},
		{400, "ERROR: host name \".\" is not a host name\nprotocol\n", false}, // first line only
		{404, "Not Found", false},
		{200, "OK\n", false},
	}
	for _, tt := range tests {
		if got := rejectsProtocol6(tt.status, tt.answer); got != tt.want {
			t.Errorf("rejectsProtocol6(%d, %q) = %v, want %v", tt.status, tt.answer, got, tt.want)
		}
	}
}

func TestSendFallbackAlsoRejected(t *testing.T) {
	p5, p6 := testReport()
	f, ts := newFeed(t, answer(400, "ERROR: protocol 6 is not supported\n"), answer(400, "ERROR: line 12: package line has 2 fields\n"))
	_, err := Send(context.Background(), ts.URL, p6, fast(SendOptions{Protocol: 6, Fallback: p5}))
	if err == nil || err.Error() != "server answered 400: ERROR: line 12: package line has 2 fields" {
		t.Errorf("err = %v", err)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestSendRetries5xx(t *testing.T) {
	p5, p6 := testReport()
	t.Run("protocol 5: 500, 502, then OK", func(t *testing.T) {
		f, ts := newFeed(t, answer(500, "ERROR: database is locked\n"), answer(502, "Bad Gateway"), answer(200, "OK\n"))
		if _, err := Send(context.Background(), ts.URL, p5, fast(SendOptions{Protocol: 5})); err != nil {
			t.Fatal(err)
		}
		if n := len(f.requests()); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
	})
	t.Run("protocol 6: 503 is retried, not a rejection", func(t *testing.T) {
		f, ts := newFeed(t, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(503)
		}, answer(200, "OK\n"))
		if _, err := Send(context.Background(), ts.URL, p6, fast(SendOptions{Protocol: 6, Fallback: p5})); err != nil {
			t.Fatal(err)
		}
		got := f.requests()
		if len(got) != 2 || got[1].Query != "protocol=6" {
			t.Errorf("requests %+v, want two at protocol 6", got)
		}
	})
	t.Run("gives up after MaxAttempts", func(t *testing.T) {
		f, ts := newFeed(t, answer(500, "ERROR"))
		_, err := Send(context.Background(), ts.URL, p5, fast(SendOptions{Protocol: 5, MaxAttempts: 3}))
		var se *ServerError
		if !errors.As(err, &se) || se.Status != 500 || !strings.Contains(err.Error(), "after 3 attempts") {
			t.Errorf("err = %v", err)
		}
		if n := len(f.requests()); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
	})
	t.Run("bounded total time", func(t *testing.T) {
		_, ts := newFeed(t, answer(500, "ERROR"))
		start := time.Now()
		_, err := Send(context.Background(), ts.URL, p5, SendOptions{Protocol: 5, MaxAttempts: 100, RetryBase: 50 * time.Millisecond, MaxElapsed: 300 * time.Millisecond})
		if err == nil || !strings.Contains(err.Error(), "giving up") {
			t.Errorf("err = %v", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %s", d)
		}
	})
}

func TestSend4xxNotRetried(t *testing.T) {
	p5, _ := testReport()
	f, ts := newFeed(t, answer(400, "ERROR: line 12: package line has 2 fields\nmore\n"))
	_, err := Send(context.Background(), ts.URL, p5, fast(SendOptions{Protocol: 5}))
	if err == nil || err.Error() != "server answered 400: ERROR: line 12: package line has 2 fields" {
		t.Errorf("err = %v", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestSendTimeout(t *testing.T) {
	p5, _ := testReport()
	f, ts := newFeed(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	start := time.Now()
	_, err := Send(context.Background(), ts.URL, p5, fast(SendOptions{Protocol: 5, Timeout: 100 * time.Millisecond, MaxAttempts: 2}))
	if err == nil || !strings.Contains(err.Error(), "no answer from") || !strings.Contains(err.Error(), "within 100ms") {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s", d)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("%d requests, want 2 (a timeout is retried)", n)
	}
}

func TestSendNetworkErrorRetried(t *testing.T) {
	p5, _ := testReport()
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	_, err := Send(context.Background(), url, p5, fast(SendOptions{Protocol: 5, MaxAttempts: 2}))
	if err == nil || !strings.Contains(err.Error(), "after 2 attempts") || !strings.Contains(err.Error(), "POST "+url) {
		t.Errorf("err = %v", err)
	}
}

func TestSendCanceled(t *testing.T) {
	p5, _ := testReport()
	_, ts := newFeed(t, answer(503, ""))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := Send(ctx, ts.URL, p5, SendOptions{Protocol: 5, RetryBase: time.Hour})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
}

func TestSendRedirects(t *testing.T) {
	p5, _ := testReport()
	for _, code := range []int{301, 302, 307, 308} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			f, ts := newFeed(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/feed" {
					http.Redirect(w, r, "/feed/?"+r.URL.RawQuery, code)
					return
				}
				io.WriteString(w, "OK\n")
			})
			if _, err := Send(context.Background(), ts.URL+"/feed", p5, fast(SendOptions{Protocol: 5})); err != nil {
				t.Fatal(err)
			}
			got := f.requests()
			if len(got) != 2 || got[1].Method != "POST" || got[1].Body != string(p5) || got[1].Query != "protocol=5" {
				t.Errorf("requests %+v: the POST did not survive the redirect", got)
			}
		})
	}
	t.Run("See Other", func(t *testing.T) {
		f, ts := newFeed(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Method == "POST" {
				http.Redirect(w, r, "/result", http.StatusSeeOther)
				return
			}
			io.WriteString(w, "OK\n")
		})
		if _, err := Send(context.Background(), ts.URL, p5, fast(SendOptions{Protocol: 5})); err != nil {
			t.Fatal(err)
		}
		if got := f.requests(); len(got) != 2 || got[1].Method != "GET" {
			t.Errorf("requests %+v", got)
		}
	})
	t.Run("https to http refused", func(t *testing.T) {
		_, plain := newFeed(t, answer(200, "OK\n"))
		tlsSrv := newTLSServer(t, http.RedirectHandler(plain.URL+"/feed/", http.StatusPermanentRedirect))
		_, err := Send(context.Background(), tlsSrv.URL, p5, fast(SendOptions{Protocol: 5, InsecureTLS: true, MaxAttempts: 1}))
		if err == nil || !strings.Contains(err.Error(), "refusing a redirect from https") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("loop", func(t *testing.T) {
		_, ts := newFeed(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/again", http.StatusTemporaryRedirect)
		})
		_, err := Send(context.Background(), ts.URL, p5, fast(SendOptions{Protocol: 5, MaxAttempts: 1}))
		if err == nil || !strings.Contains(err.Error(), "redirects") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestSendTLS(t *testing.T) {
	p5, _ := testReport()
	ts := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "OK\n") }))
	_, err := Send(context.Background(), ts.URL, p5, fast(SendOptions{Protocol: 5}))
	if err == nil {
		t.Error("an unknown certificate was accepted")
	} else if strings.Contains(err.Error(), "attempts") {
		t.Errorf("a refused certificate was retried: %v", err)
	}
	if _, err := Send(context.Background(), ts.URL, p5, fast(SendOptions{Protocol: 5, InsecureTLS: true})); err != nil {
		t.Errorf("--disable-tls-checks: %v", err)
	}
}

func TestSendOptionsChecked(t *testing.T) {
	p5, _ := testReport()
	f, ts := newFeed(t, answer(200, "DONE\n"))
	if _, err := Send(context.Background(), ts.URL, p5, SendOptions{Protocol: 5, NoProtocolParam: true, Expect: "DONE"}); err != nil {
		t.Fatal(err)
	}
	if q := f.requests()[0].Query; q != "" {
		t.Errorf("query %q, want none with NoProtocolParam", q)
	}
	for _, o := range []SendOptions{{Protocol: 4}, {Protocol: 5, Mode: "store"}} {
		if _, err := Send(context.Background(), ts.URL, p5, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if _, err := Send(context.Background(), "ftp://x/feed", p5, SendOptions{Protocol: 5}); err == nil {
		t.Error("ftp URL accepted")
	}
}

func TestServerError(t *testing.T) {
	tests := map[*ServerError]string{
		{Status: 500, Body: "ERROR"}:                        "server answered 500: ERROR",
		{Status: 404, Body: ""}:                             "server answered 404 Not Found",
		{Status: 200, Body: ""}:                             "server answered 200 with an empty body, not OK",
		{Status: 200, Body: "\n<html>\x1b</html>\n"}:        "server answered 200 but not OK: <html></html>",
		{Status: 413, Body: "ERROR: report is too large\n"}: "server answered 413: ERROR: report is too large",
	}
	for e, want := range tests {
		if got := e.Error(); got != want {
			t.Errorf("%+v: %q, want %q", *e, got, want)
		}
	}
}

func TestReportProtocol(t *testing.T) {
	p5, p6 := testReport()
	if got := ReportProtocol(p5); got != 5 {
		t.Errorf("protocol-5 report: %d", got)
	}
	if got := ReportProtocol(p6); got != 6 {
		t.Errorf("protocol-6 report: %d", got)
	}
	if got := ReportProtocol([]byte("#\nhost: a\tb\tc\td\te\n#\n")); got != 5 {
		t.Errorf("tabs in the header: %d", got)
	}
}

func TestBackoff(t *testing.T) {
	for attempt := 1; attempt < 20; attempt++ {
		d := backoff(time.Second, attempt)
		hi := min(time.Second<<(attempt-1), maxRetryWait)
		if d < hi/2 || d >= hi {
			t.Errorf("backoff(1s, %d) = %s, want in [%s, %s)", attempt, d, hi/2, hi)
		}
	}
}
