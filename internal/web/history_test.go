package web

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/store"
)

// TestHistoryAPIAndPages: old.example.org (SITE-B) reports openssl
// 1.1.1n-0+deb11u3, below DSA-5343-1's fix (five CVEs): its history and
// its site's say five open CVEs, opened within the last 24 hours; the
// host page and the site's hosts page show the changes block.
func TestHistoryAPIAndPages(t *testing.T) {
	srv := newTestServer(t)
	for _, path := range []string{"/api/v1/hosts/old.example.org/history", "/api/v1/sites/SITE-B/history?days=7"} {
		code, _, body := get(t, srv.URL+path)
		if code != 200 {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		var h store.History
		if err := json.Unmarshal([]byte(body), &h); err != nil {
			t.Fatal(err)
		}
		if h.Open != 5 || h.Last24h.Opened != 5 || h.Last24h.Closed != 0 {
			t.Errorf("%s: open %d, last 24 h opened %d closed %d; want 5, 5, 0", path, h.Open, h.Last24h.Opened, h.Last24h.Closed)
		}
	}
	for _, c := range []struct {
		path string
		code int
	}{
		{"/api/v1/hosts/nobody.example.org/history", 404},
		{"/api/v1/sites/NO-SITE/history", 404},
		{"/api/v1/hosts/old.example.org/history?days=0", 400},
		{"/api/v1/hosts/old.example.org/history?days=401", 400},
	} {
		if code, _, body := get(t, srv.URL+c.path); code != c.code {
			t.Errorf("%s: %d %s, want %d", c.path, code, body, c.code)
		}
	}
	for _, path := range []string{"/hosts/old.example.org", "/hosts?site=SITE-B"} {
		code, _, body := get(t, srv.URL+path)
		if code != 200 || !strings.Contains(body, `id="changes"`) || !strings.Contains(body, "last 24 h: 5 opened") {
			t.Errorf("%s: %d, no changes block with 5 opened:\n%s", path, code, body)
		}
	}
}
