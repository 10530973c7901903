package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/collect"
)

func TestUsageListsEveryFlag(t *testing.T) {
	fs := newFlagSet(&options{})
	fs.VisitAll(func(f *flag.Flag) {
		long, short := "--"+f.Name, "-"+f.Name
		if !strings.Contains(usage, long+" ") && !strings.Contains(usage, long+",") &&
			!(len(f.Name) == 1 && strings.Contains(usage, short+",")) {
			t.Errorf("--help does not mention %s", long)
		}
	})
}

func TestConfigKeysAreFlags(t *testing.T) {
	fs := newFlagSet(&options{})
	for _, k := range collect.ConfigKeys {
		switch k {
		case "manual", "svmonreport":
			continue
		}
		if fs.Lookup(k) == nil {
			t.Errorf("configuration key %q has no flag", k)
		}
	}
}

// feed is a test server recording the queries and bodies it gets.
type feed struct {
	mu      sync.Mutex
	queries []string
	bodies  []string
	ctypes  []string
	answer  func(n int, query string) (int, string)
}

func (f *feed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	n := len(f.queries)
	f.queries = append(f.queries, r.URL.RawQuery)
	f.bodies = append(f.bodies, string(body))
	f.ctypes = append(f.ctypes, r.Header.Get("Content-Type"))
	f.mu.Unlock()
	status, text := f.answer(n, r.URL.RawQuery)
	w.WriteHeader(status)
	io.WriteString(w, text)
}

// testRoot lays out the Alpine inventory of the collect tests under a
// temporary root.
func testRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	src := filepath.Join("..", "..", "internal", "collect", "testdata", "inventories", "alpine-3.16-granby")
	for from, to := range map[string]string{"installed": "lib/apk/db/installed", "os-release": "etc/os-release"} {
		data, err := os.ReadFile(filepath.Join(src, from))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, to)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const inputReport = "#\narch: x86_64\nhost: wn01.example.org\npackager: rpm\nsite: OLD\nsystem: Rocky Linux release 9.4 (Blue Onyx)\nversion: 1\n#\nbash\t0:5.1.8-9.el9\tx86_64\n#\n"

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestRun(t *testing.T) {
	root := testRoot(t)
	cfg := filepath.Join(t.TempDir(), "pakiti-client.cfg")
	if err := os.WriteFile(cfg, []byte("site = FROM-CONFIG\ntag = cfgtag\ncurl = /usr/bin/curl\ndebug = 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badCfg := filepath.Join(t.TempDir(), "bad.cfg")
	if err := os.WriteFile(badCfg, []byte("proxy = x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		stdin      string
		args       []string
		wantCode   int
		wantOut    []string // substrings of stdout
		notOut     []string
		wantStderr string // exact, when set
	}{
		{name: "help", args: []string{"-h"}, wantOut: []string{"Usage: pakiti-client", "--no-protocol-version"}},
		{name: "help wins over other options", args: []string{"--help", "--mode", "bogus"}, wantOut: []string{"Usage: pakiti-client"}},
		{name: "bad mode", args: []string{"--mode=store"}, wantCode: 2, wantStderr: "pakiti-client: --mode \"store\": want one of store-only, store-and-report, report-only\n"},
		{name: "bad protocol", args: []string{"--protocol", "4"}, wantCode: 2, wantStderr: "pakiti-client: --protocol 4: want 5 or 6\n"},
		{name: "unknown flag", args: []string{"--bogus"}, wantCode: 2, wantStderr: "pakiti-client: flag provided but not defined: -bogus (see --help)\n"},
		{name: "argument", args: []string{"extra"}, wantCode: 2, wantStderr: "pakiti-client: unexpected argument \"extra\" (see --help)\n"},
		{name: "encrypt without the certificate", args: []string{"--root", root, "--host", "h", "--encrypt", "/nonexistent/cert.pem"}, wantCode: 1, wantStderr: "pakiti-client: --encrypt: open /nonexistent/cert.pem: no such file or directory\n"},
		{name: "no-protocol-version with 6", args: []string{"--no-protocol-version", "--protocol", "6"}, wantCode: 2},
		{name: "bad config", args: []string{"--conf", badCfg}, wantCode: 2, wantStderr: "pakiti-client: " + badCfg + ": line 1: unknown option \"proxy\"\n"},
		{
			name: "root prints protocol 5", args: []string{"--root", root, "--host", "img.example.org", "--site", "S"},
			wantOut: []string{"#\narch: armv7l\nhost: img.example.org\npackager: apk\nsite: S\nsystem: Alpine Linux 3.16.0\nversion: 1\n#\nalpine-baselayout\t3.2.0-r20\tarmv7\n"},
			notOut:  []string{"os-id"},
		},
		{
			name: "root prints protocol 6 when asked", args: []string{"--root", root, "--host", "img.example.org", "--protocol", "6"},
			wantOut: []string{"os-id: alpine\nos-version-id: 3.16.0\n", "alpine-baselayout\t3.2.0-r20\tarmv7\talpine-baselayout\t3.2.0-r20\n"},
		},
		{
			name: "config then command line", args: []string{"--config", cfg, "--root", root, "--host", "h", "--tag", "cli", "--curl", "/opt/curl"},
			wantOut: []string{"site: FROM-CONFIG\n", "tag: cli\n"},
		},
		{
			name: "input from stdin, site rewritten", stdin: inputReport, args: []string{"-i", "-", "--site", "NEW"},
			wantOut: []string{strings.Replace(inputReport, "site: OLD", "site: NEW", 1)},
		},
		{name: "root without host", args: []string{"--root", root}, wantCode: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tt.stdin, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr %q", code, tt.wantCode, errs)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.notOut {
				if strings.Contains(out, w) {
					t.Errorf("stdout has %q:\n%s", w, out)
				}
			}
			if tt.wantStderr != "" && errs != tt.wantStderr {
				t.Errorf("stderr %q, want %q", errs, tt.wantStderr)
			}
			if code != 0 && strings.Count(errs, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", errs)
			}
		})
	}
}

func TestRunSend(t *testing.T) {
	root := testRoot(t)
	t.Run("protocol 6 rejected, then protocol 5 in store-and-report mode", func(t *testing.T) {
		f := &feed{answer: func(n int, q string) (int, string) {
			if strings.Contains(q, "protocol=6") {
				return 500, "ERROR"
			}
			return 200, "OK\nmusl\t1.2.3-r0\tarmv7\tCVE-2025-26519\tEGI-High\n"
		}}
		ts := httptest.NewServer(f)
		defer ts.Close()
		code, out, errs := runCLI(t, "", "--root", root, "--host", "h", "--url", ts.URL+"/feed/", "--mode", "store-and-report")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if out != "musl\t1.2.3-r0\tarmv7\tCVE-2025-26519\tEGI-High\n" {
			t.Errorf("stdout %q", out)
		}
		want := []string{"mode=store-and-report&protocol=6", "mode=store-and-report&protocol=5"}
		if diff := cmp.Diff(want, f.queries); diff != "" {
			t.Errorf("queries (-want +got):\n%s", diff)
		}
		if strings.Count(f.bodies[0], "\t") <= strings.Count(f.bodies[1], "\t") || strings.Contains(f.bodies[1], "os-id") {
			t.Errorf("bodies: protocol 6 then 5 expected:\n%s\n---\n%s", f.bodies[0], f.bodies[1])
		}
	})
	t.Run("store-only prints nothing; --output writes the file too", func(t *testing.T) {
		f := &feed{answer: func(int, string) (int, string) { return 200, "OK\n" }}
		ts := httptest.NewServer(f)
		defer ts.Close()
		outFile := filepath.Join(t.TempDir(), "report.txt")
		code, out, errs := runCLI(t, "", "--root", root, "--host", "h", "--url", ts.URL, "-o", outFile)
		if code != 0 || out != "" || errs != "" {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
		}
		data, err := os.ReadFile(outFile)
		if err != nil || !strings.Contains(string(data), "packager: apk\n") || strings.Contains(string(data), "os-id") {
			t.Errorf("output file: %v\n%s", err, data)
		}
		if len(f.queries) != 1 || f.queries[0] != "protocol=6" {
			t.Errorf("queries %q", f.queries)
		}
	})
	t.Run("input sent as protocol 5; a 400 is one line on stderr", func(t *testing.T) {
		f := &feed{answer: func(int, string) (int, string) {
			return 400, "ERROR: line 12: package line has 2 fields\n"
		}}
		ts := httptest.NewServer(f)
		defer ts.Close()
		in := filepath.Join(t.TempDir(), "in.txt")
		if err := os.WriteFile(in, []byte(inputReport), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errs := runCLI(t, "", "--input", in, "--url", ts.URL)
		if code != 1 || errs != "pakiti-client: server answered 400: ERROR: line 12: package line has 2 fields\n" {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
		if len(f.queries) != 1 || f.queries[0] != "protocol=5" || f.bodies[0] != inputReport {
			t.Errorf("queries %q, bodies %q", f.queries, f.bodies)
		}
	})
	t.Run("encrypt: both protocols' bodies and --output, as octet-stream", func(t *testing.T) {
		f := &feed{answer: func(_ int, q string) (int, string) {
			if strings.Contains(q, "protocol=6") {
				return 400, "ERROR: unknown protocol"
			}
			return 200, "OK\n"
		}}
		ts := httptest.NewServer(f)
		defer ts.Close()
		keyPath, certPath := testKeyPair(t)
		outFile := filepath.Join(t.TempDir(), "report.der")
		code, _, errs := runCLI(t, "", "--root", root, "--host", "h", "--url", ts.URL, "--encrypt", certPath, "-o", outFile)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if diff := cmp.Diff([]string{"protocol=6", "protocol=5"}, f.queries); diff != "" {
			t.Errorf("queries (-want +got):\n%s", diff)
		}
		out, err := os.ReadFile(outFile)
		if err != nil {
			t.Fatal(err)
		}
		for i, b := range append(f.bodies, string(out)) {
			if !strings.HasPrefix(b, "0\x82") || strings.Contains(b, "packager") {
				t.Errorf("body %d not encrypted: %q", i, clip(b))
			}
		}
		if diff := cmp.Diff([]string{"application/octet-stream", "application/octet-stream"}, f.ctypes); diff != "" {
			t.Errorf("content types (-want +got):\n%s", diff)
		}
		openssl, err := exec.LookPath("openssl")
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("openssl is needed under CI")
			}
			t.Skip("openssl not installed: the bodies are not decrypted")
		}
		for i, want := range []string{"os-id: alpine\n", "packager: apk\n", "packager: apk\n"} {
			in := filepath.Join(t.TempDir(), "in.der")
			data := append(f.bodies, string(out))[i]
			if err := os.WriteFile(in, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			plain, err := exec.Command(openssl, "smime", "-decrypt", "-binary", "-inform", "DER", "-in", in, "-inkey", keyPath, "-recip", certPath).Output()
			if err != nil || !strings.Contains(string(plain), want) {
				t.Errorf("body %d: %v, decrypted to %q, want it to contain %q", i, err, clip(string(plain)), want)
			}
			if i > 0 && strings.Contains(string(plain), "os-id") {
				t.Errorf("body %d is protocol 6", i)
			}
		}
	})
	t.Run("encrypt: the certificate as a heredoc of the configuration file", func(t *testing.T) {
		f := &feed{answer: func(int, string) (int, string) { return 200, "OK\n" }}
		ts := httptest.NewServer(f)
		defer ts.Close()
		_, certPath := testKeyPair(t)
		certPEM, err := os.ReadFile(certPath)
		if err != nil {
			t.Fatal(err)
		}
		cfg := filepath.Join(t.TempDir(), "pakiti-client.cfg")
		if err := os.WriteFile(cfg, []byte("url = "+ts.URL+"\nencrypt = <<EOT\n"+string(certPEM)+"EOT\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errs := runCLI(t, "", "--config", cfg, "--root", root, "--host", "h")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if len(f.bodies) != 1 || !strings.HasPrefix(f.bodies[0], "0\x82") || strings.Contains(f.bodies[0], "packager") {
			t.Errorf("bodies not encrypted: %q", f.bodies)
		}
	})
	t.Run("no-protocol-version", func(t *testing.T) {
		f := &feed{answer: func(int, string) (int, string) { return 200, "OK\n" }}
		ts := httptest.NewServer(f)
		defer ts.Close()
		code, _, errs := runCLI(t, "", "--root", root, "--host", "h", "--url", ts.URL, "--no-protocol-version")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if f.queries[0] != "" || strings.Contains(f.bodies[0], "os-id") {
			t.Errorf("query %q, body:\n%s", f.queries[0], f.bodies[0])
		}
	})
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// testKeyPair writes a throwaway RSA key and its self-signed certificate
// as PEM files.
func testKeyPair(t *testing.T) (keyPath, certPath string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "pakiti report key"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyPath, certPath = filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return keyPath, certPath
}
