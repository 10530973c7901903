package intake

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/store"
)

// TestFeedRefusesBadHostnames: names that cannot be opened in the UI or
// that can pass for another host get a 400 naming the problem, and are
// not stored, also when their package lines are those of a stored set
// (the fast path reads the header alone).
func TestFeedRefusesBadHostnames(t *testing.T) {
	h, s := newTest(t)
	pkgs := "#\nbusybox\t1.36.1-r29\tx86_64\n#\n"
	send := func(host string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/feed/", strings.NewReader("#\nhost: "+host+"\nsite: S\n"+pkgs)))
		return rec
	}
	if rec := send("good.example.org"); rec.Code != 200 {
		t.Fatalf("a valid name: %d %s", rec.Code, rec.Body)
	}
	for _, tt := range []struct {
		host, want string
	}{
		{".", `ERROR: line 2: host name "." is not a name: it is a path step`},
		{"..", `ERROR: line 2: host name ".." is not a name: it is a path step`},
		{"good.example.org\u200b", `ERROR: line 2: host name "good.example.org\u200b" holds U+200B, an invisible format character`},
		{"gro.elpmaxe\u202e.evil", `ERROR: line 2: host name "gro.elpmaxe\u202e.evil" holds U+202E, a bidirectional text control (it can make the name read as another)`},
		{"good\u3164.example.org", `ERROR: line 2: host name "good\u3164.example.org" holds U+3164, an invisible character`},
	} {
		rec := send(tt.host)
		if rec.Code != 400 || strings.TrimSpace(rec.Body.String()) != tt.want {
			t.Errorf("host %+q: %d %q, want 400 %q", tt.host, rec.Code, rec.Body.String(), tt.want)
		}
		if _, err := s.Host(context.Background(), store.AllSites(), tt.host); err == nil {
			t.Errorf("host %+q was stored", tt.host)
		}
	}
}
