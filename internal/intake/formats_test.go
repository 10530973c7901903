package intake

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report/legacytest"
	"github.com/pakiti-go/pakiti/internal/store"
)

func post(h *Handler, target, ctype, agent string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", target, bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if agent != "" {
		req.Header.Set("User-Agent", agent)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// sameHost checks that two stored hosts hold the same facts and the same
// package set.
func sameHost(t *testing.T, s *store.Store, want, got string) model.Host {
	t.Helper()
	ctx := context.Background()
	a, err := s.Host(ctx, store.AllSites(), want)
	if err != nil {
		t.Fatalf("host %s: %v", want, err)
	}
	b, err := s.Host(ctx, store.AllSites(), got)
	if err != nil {
		t.Fatalf("host %s: %v", got, err)
	}
	if a.PackageSetHash == "" || a.PackageSetHash != b.PackageSetHash || a.Packages != b.Packages {
		t.Errorf("package sets differ: %s %d vs %s %d", a.PackageSetHash, a.Packages, b.PackageSetHash, b.Packages)
	}
	pa, _ := s.HostPackages(ctx, store.AllSites(), want)
	pb, _ := s.HostPackages(ctx, store.AllSites(), got)
	if diff := cmp.Diff(pa, pb); diff != "" || len(pa) == 0 {
		t.Errorf("stored packages differ (-%s +%s):\n%s", want, got, diff)
	}
	return b
}

// TestFeedProtocol4: real hosts' reports sent as Pakiti 2 clients send
// them (openssl method, curl -F, parameters in the query string) are
// stored with the facts and package set of the same host's protocol-5
// report, and answered like protocol 5.
func TestFeedProtocol4(t *testing.T) {
	for _, file := range []string{"viking-db.pakiti5.txt", "vuls-alma9.pakiti5.txt"} {
		raw, err := os.ReadFile("testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		p5name := report5Host(t, raw)
		for name, how := range legacytest.Transports {
			t.Run(file+"/"+name, func(t *testing.T) {
				h, s := newTest(t)
				if rec := post(h, "/feed/?protocol=5", "text/plain", "", raw); rec.Code != 200 {
					t.Fatalf("protocol 5: %d %s", rec.Code, rec.Body)
				}
				p4name := "p4-" + p5name
				body, ctype, q := legacytest.ToProtocol4(t, []byte(strings.Replace(string(raw), p5name, p4name, 1)), how)
				target := "/feed/"
				if q != nil {
					target += "?" + q.Encode()
				}
				rec := post(h, target, ctype, "", body)
				if rec.Code != 200 || rec.Body.String() != "OK\n" {
					t.Fatalf("protocol 4: %d %q", rec.Code, rec.Body)
				}
				got := sameHost(t, s, p5name, p4name)
				want, _ := s.Host(context.Background(), store.AllSites(), p5name)
				if got.Protocol != 4 || got.OS != want.OS || got.OSGroup != want.OSGroup || got.Kernel != want.Kernel ||
					got.Arch != want.Arch || got.Site != want.Site || got.Packager != want.Packager {
					t.Errorf("protocol 4 host %+v\nprotocol 5 host %+v", got, want)
				}
			})
		}
	}
}

func report5Host(t *testing.T, raw []byte) string {
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "host: "); ok {
			return v
		}
	}
	t.Fatal("no host line")
	return ""
}

func TestFeedProtocol4Params(t *testing.T) {
	form := func(extra string) []byte {
		return []byte("type=dpkg&host=p4.example.org&os=Debian 11.6&arch=x86_64&version=4&proxy=0" + extra +
			"&pkgs=\n'bash' '5.1-2%2bdeb11u1' '' 'amd64'\n")
	}
	const urlenc = "application/x-www-form-urlencoded"
	tests := []struct {
		name       string
		query      string
		body       []byte
		wantStatus int
		wantBody   string
		stored     bool
		proxy      bool
	}{
		{"version=4 and report=0 in the body", "", form("&report=0"), 200, "OK\n", true, false},
		{"report=2 in the body: report-only", "", form("&report=2"), 200, "OK\n", false, false},
		{"query mode wins over the body", "?mode=report-only", form("&report=0"), 200, "OK\n", false, false},
		{"proxy", "", []byte(strings.Replace(string(form("")), "proxy=0", "proxy=1", 1)), 200, "OK\n", true, true},
		{"legacy version=4 in the query", "?version=4&report=0", form(""), 200, "OK\n", true, false},
		{"pkgs without version", "", []byte("host=p4.example.org&type=dpkg&pkgs='bash' '5.1-2' '' 'amd64'"), 200, "OK\n", true, false},
		{"bad report in the body", "", form("&report=9"), 400, `ERROR: unknown report="9"`, false, false},
		{"version 3 in the body", "", []byte(strings.Replace(string(form("")), "version=4", "version=3", 1)), 400, `ERROR: unknown protocol "3"`, false, false},
		{"malformed pkgs", "?protocol=4", []byte("host=p4.example.org&type=rpm&pkgs='a' '1'\n"), 400, "ERROR: pkgs line 1: \"'a' '1'\" has 2 quoted fields", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, s := newTest(t)
			rec := post(h, "/feed/"+tt.query, urlenc, "", tt.body)
			if rec.Code != tt.wantStatus || !strings.HasPrefix(rec.Body.String(), tt.wantBody) {
				t.Fatalf("got %d %q, want %d %q", rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
			}
			host, err := s.Host(context.Background(), store.AllSites(), "p4.example.org")
			if (err == nil) != tt.stored {
				t.Fatalf("stored: %v, want %v", err == nil, tt.stored)
			}
			if !tt.stored {
				return
			}
			if host.Protocol != 4 {
				t.Errorf("protocol %d", host.Protocol)
			}
			hist, _ := s.HostReports(context.Background(), store.AllSites(), "p4.example.org", 1)
			if len(hist) != 1 || hist[0].ThroughProxy != tt.proxy {
				t.Errorf("history %+v, want through proxy %v", hist, tt.proxy)
			}
		})
	}
}

func zlibOf(b []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

type glpiAnswer struct {
	Status     string `json:"status"`
	Message    string `json:"message"`
	Expiration int    `json:"expiration"`
}

// TestFeedGLPI: a GLPI agent inventory, plain or zlib-compressed, is
// stored with the package set of the same host's protocol-5 report and
// answered {"status": "ok"}; a compressed bomb gets a 413 naming the
// limit, malformed JSON a 400 naming the problem, and neither stores
// anything.
func TestFeedGLPI(t *testing.T) {
	inv, err := os.ReadFile("testdata/glpi-debian11.json")
	if err != nil {
		t.Fatal(err)
	}
	p5, err := os.ReadFile("testdata/viking-db.pakiti5.txt")
	if err != nil {
		t.Fatal(err)
	}
	const agent = "GLPI-Agent_v1.7.3"
	var bomb bytes.Buffer
	zw := zlib.NewWriter(&bomb)
	zw.Write([]byte(`{"content":{"operatingsystem":{"fqdn":"bomb.example.org"},"x":"`))
	letters := bytes.Repeat([]byte("a"), 1<<20)
	for range 64 {
		zw.Write(letters)
	}
	zw.Write([]byte(`"}}`))
	zw.Close()
	renamed := []byte(strings.Replace(string(inv), "inv-debian11-a.example.org", "glpi.example.org", 1))
	tests := []struct {
		name, ctype, agent string
		body               []byte
		wantStatus         int
		want               glpiAnswer
		stored             string
	}{
		{"plain JSON", "application/json", agent, renamed, 200, glpiAnswer{Status: "ok"}, "glpi.example.org"},
		{"zlib, sniffed without User-Agent", "Application/x-compress-zlib", "", zlibOf(renamed), 200, glpiAnswer{Status: "ok"}, "glpi.example.org"},
		{"contact", "Application/x-compress-zlib", agent, zlibOf([]byte(`{"action":"contact","deviceid":"d","name":"GLPI-Agent","version":"1.7.3","installed-tasks":["inventory"]}`)),
			200, glpiAnswer{Status: "ok", Expiration: 24}, ""},
		{"bomb", "Application/x-compress-zlib", agent, bomb.Bytes(), 413,
			glpiAnswer{Status: "error", Message: "the decompressed inventory is more than the limit of 1048576 bytes"}, ""},
		{"malformed JSON", "application/json", agent, renamed[:len(renamed)/2], 400,
			glpiAnswer{Status: "error", Message: "malformed JSON: the inventory ends too early"}, ""},
		{"bad query from an agent", "application/json", agent, renamed, 400, // ?mode=later below
			glpiAnswer{Status: "error", Message: `unknown mode "later": use store-only, store-and-report or report-only`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, s := newTest(t)
			h.Limits.MaxBytes = 1 << 20
			if rec := post(h, "/feed/", "", "", p5); rec.Code != 200 {
				t.Fatalf("protocol 5: %d %s", rec.Code, rec.Body)
			}
			target := "/feed/"
			if strings.HasPrefix(tt.name, "bad query") {
				target += "?mode=later"
			}
			rec := post(h, target, tt.ctype, tt.agent, tt.body)
			var got glpiAnswer
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("answer %d %q (%s) is not JSON: %v", rec.Code, rec.Body, rec.Header().Get("Content-Type"), err)
			}
			if rec.Code != tt.wantStatus || got != tt.want {
				t.Fatalf("got %d %+v, want %d %+v", rec.Code, got, tt.wantStatus, tt.want)
			}
			_, total, _ := s.ListHosts(context.Background(), store.AllSites(), store.HostFilter{})
			if tt.stored == "" {
				if total != 1 {
					t.Errorf("%d hosts stored, want only the protocol-5 one", total)
				}
				return
			}
			host := sameHost(t, s, "inv-debian11-a.example.org", tt.stored)
			if host.OSGroup != "debian:11" || host.Kernel != "5.10.0-21-amd64" || host.Site != "INVENTORIES" || host.Packager != "dpkg" {
				t.Errorf("GLPI host %+v", host)
			}
		})
	}
}

// TestFeedProtocol4RawWire sends a report byte for byte as the Pakiti 2
// client's openssl method writes it: an HTTP/1.0 request with bare-LF line
// endings whose Content-Length is two bytes short of what the client
// writes. Only the declared bytes are sent here: the client writes the two
// others inside its TLS stream (openssl s_client), where they cost
// nothing, while on plain TCP unread bytes make the kernel answer the
// close with a reset.
func TestFeedProtocol4RawWire(t *testing.T) {
	h, s := newTest(t)
	srv := httptest.NewServer(h)
	defer srv.Close()
	raw, err := os.ReadFile("testdata/vuls-alma9.pakiti5.txt")
	if err != nil {
		t.Fatal(err)
	}
	body, _, _ := legacytest.ToProtocol4(t, raw, legacytest.OpenSSL)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /feed/ HTTP/1.0\nContent-Type: application/x-www-form-urlencoded\nContent-Length: %d\n\n%s", len(body), body)
	resp, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(resp), "HTTP/1.0 200 OK") || !strings.HasSuffix(string(resp), "\r\n\r\nOK\n") {
		t.Fatalf("answer %q", resp)
	}
	host, err := s.Host(context.Background(), store.AllSites(), "inv-alma9-a.example.org")
	if err != nil || host.Packages != 589 || host.Protocol != 4 {
		t.Errorf("host %+v (%v)", host, err)
	}
}
