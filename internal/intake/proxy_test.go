package intake

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestFeedProxy: a report a proxy forwards (proxy=1: in the query string
// for protocols 5 and 6, in the form for protocol 4) is recorded with the
// host's own address as the report gives it (its ip header or field, ""
// when it gives none) and the proxy's address; a report the host sends
// itself has no proxy. A change of path starts a new history record, and
// a proxied re-send of the same report extends it.
func TestFeedProxy(t *testing.T) {
	raw, err := os.ReadFile("testdata/viking-db.pakiti5.txt")
	if err != nil {
		t.Fatal(err)
	}
	name := report5Host(t, raw)
	withIP := strings.Replace(string(raw), "host: ", "ip: 198.51.100.7\nhost: ", 1)
	p4 := "type=dpkg&host=p4.example.org&ip=2001:db8::7&os=Debian 11.6&arch=x86_64&version=4&proxy=1&pkgs=" +
		"'bash' '5.1-2+deb11u1' '' 'amd64'\n"
	type rec struct {
		Reporter, Proxy string
		Through         bool
		Count           int
	}
	tests := []struct {
		name  string
		sends []struct{ query, ctype, body, peer string }
		host  string
		want  []rec // history, newest first
		addr  string
	}{
		{"protocol 5 forwarded, ip header", []struct{ query, ctype, body, peer string }{
			{"?protocol=5&proxy=1", "text/plain", withIP, "203.0.113.9:5000"},
			{"?protocol=5&proxy=1", "text/plain", withIP, "203.0.113.9:5001"},
		}, name, []rec{{"198.51.100.7", "203.0.113.9", true, 2}}, "198.51.100.7"},
		{"protocol 5 forwarded, no ip header", []struct{ query, ctype, body, peer string }{
			{"?proxy=1", "text/plain", string(raw), "203.0.113.9:5000"},
		}, name, []rec{{"", "203.0.113.9", true, 1}}, ""},
		{"direct, then forwarded, then direct", []struct{ query, ctype, body, peer string }{
			{"?protocol=5", "text/plain", withIP, "198.51.100.7:4000"},
			{"?protocol=5&proxy=1", "text/plain", withIP, "[2001:db8::99]:5000"},
			{"?protocol=5&proxy=0", "text/plain", withIP, "198.51.100.7:4000"},
		}, name, []rec{{"198.51.100.7", "", false, 1}, {"198.51.100.7", "2001:db8::99", true, 1}, {"198.51.100.7", "", false, 1}}, "198.51.100.7"},
		{"protocol 4 form proxy=1 and ip", []struct{ query, ctype, body, peer string }{
			{"", "application/x-www-form-urlencoded", p4, "203.0.113.9:5000"},
		}, "p4.example.org", []rec{{"2001:db8::7", "203.0.113.9", true, 1}}, "2001:db8::7"},
		{"protocol 4 query proxy=1 wins over the form's proxy=0", []struct{ query, ctype, body, peer string }{
			{"?proxy=1", "application/x-www-form-urlencoded", strings.Replace(p4, "proxy=1", "proxy=0", 1), "203.0.113.9:5000"},
		}, "p4.example.org", []rec{{"2001:db8::7", "203.0.113.9", true, 1}}, "2001:db8::7"},
		{"a junk ip header is not an address", []struct{ query, ctype, body, peer string }{
			{"?proxy=1", "text/plain", strings.Replace(withIP, "198.51.100.7", "<b>x</b>", 1), "203.0.113.9:5000"},
		}, name, []rec{{"", "203.0.113.9", true, 1}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, s := newTest(t)
			for i, snd := range tt.sends {
				req := httptest.NewRequest("POST", "/feed/"+snd.query, strings.NewReader(snd.body))
				req.Header.Set("Content-Type", snd.ctype)
				req.RemoteAddr = snd.peer
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 || w.Body.String() != "OK\n" {
					t.Fatalf("send %d: %d %q", i, w.Code, w.Body)
				}
			}
			ctx := context.Background()
			hist, err := s.HostReports(ctx, store.AllSites(), tt.host, 10)
			if err != nil {
				t.Fatal(err)
			}
			var got []rec
			for _, r := range hist {
				got = append(got, rec{r.ReporterAddr, r.ProxyAddr, r.ThroughProxy, r.Count})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("history (-want +got):\n%s", diff)
			}
			host, err := s.Host(ctx, store.AllSites(), tt.host)
			if err != nil {
				t.Fatal(err)
			}
			if host.ReporterAddr != tt.addr {
				t.Errorf("host reporter %q, want %q", host.ReporterAddr, tt.addr)
			}
		})
	}
	h, _ := newTest(t)
	w := post(h, "/feed/?proxy=yes", "text/plain", "", raw)
	if w.Code != 400 || !strings.HasPrefix(w.Body.String(), `ERROR: unknown proxy="yes"`) {
		t.Errorf("proxy=yes: %d %q", w.Code, w.Body)
	}
}
