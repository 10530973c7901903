package web

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestFeedSkipsPageMiddleware checks that the feed's paths go to the feed
// without the pages' middleware (feedFirst): no page security headers on
// its answers (its own nosniff only), while a page keeps them; the paths
// that merely start like the feed's still get them.
func TestFeedSkipsPageMiddleware(t *testing.T) {
	srv := newTestServer(t)
	report := "#\nhost: f.example.org\nsite: SITE-A\nsystem: Debian GNU/Linux 12\n#\nbash\t5.2.15-2+b7\tamd64\n#\n"
	for _, c := range []struct {
		method, path string
		body         string
		pageHeaders  bool
	}{
		{"POST", "/feed/?protocol=5", report, false},
		{"POST", "/feed?protocol=5", report, false},
		{"POST", "/pakiti/feed/?protocol=5", report, false},
		{"GET", "/feed/", "", false}, // the feed's 405
		{"GET", "/healthz", "", true},
		{"GET", "/feedback", "", true},
		{"GET", "/hosts", "", true},
	} {
		req, err := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if c.method == "POST" && resp.StatusCode != http.StatusOK {
			t.Errorf("%s %s: %d %s", c.method, c.path, resp.StatusCode, b)
		}
		if got := resp.Header.Get("X-Frame-Options") != ""; got != c.pageHeaders {
			t.Errorf("%s %s: page headers %v, want %v", c.method, c.path, got, c.pageHeaders)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: no nosniff header", c.method, c.path)
		}
	}
}
