package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEncryptedReports: pakiti-client --encrypt CERT against pakiti serve
// --report-key, with keys made by the README's openssl commands: a server
// with the old key (and its certificate) and the new key (alone) stores a
// report encrypted for the new one, as does one that knows the new key
// only; a server without a key says so; the Perl client's way (openssl
// smime, then curl --data-binary) is stored too.
func TestEncryptedReports(t *testing.T) {
	shared := sharedDir(t)
	openssl := needTool(t, "openssl")
	curl := needTool(t, "curl")
	dir := t.TempDir()
	keyPair := func(name string) (key, cert string) {
		key, cert = filepath.Join(dir, name+"-key.pem"), filepath.Join(dir, name+"-cert.pem")
		out, err := exec.Command(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
			"-days", "3650", "-subj", "/CN=pakiti reports "+name).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl req: %v\n%s", err, out)
		}
		return key, cert
	}
	oldKey, oldCert := keyPair("old")
	newKey, newCert := keyPair("new")
	oldBoth := filepath.Join(dir, "old-key-and-cert.pem")
	k, _ := os.ReadFile(oldKey)
	c, _ := os.ReadFile(oldCert)
	if err := os.WriteFile(oldBoth, append(k, c...), 0o600); err != nil {
		t.Fatal(err)
	}
	inv := filepath.Join(shared, "data/inventories/debian-12/ci-debian12/ci-debian12.pakiti5.txt")
	hdr, want := readReport(t, inv)
	name := strings.Fields(hdr["host"])[0]

	for _, keys := range [][]string{{"--report-key", oldBoth, "--report-key", newKey}, {"--report-key", newKey}} {
		s := startServer(t, keys...)
		runClient(t, "--url", s.base+"/feed/", "--input", inv, "--encrypt", newCert)
		if h := s.host(t, name); h.Host.Packages != len(want) {
			t.Errorf("%v: host has %d packages, the report %d", keys, h.Host.Packages, len(want))
		}
	}

	s := startServer(t)
	out, err := exec.Command(bins.client, "--url", s.base+"/feed/", "--input", inv, "--encrypt", newCert).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "server answered 400: ERROR: encrypted report but this server has no report key (--report-key)") {
		t.Errorf("server without a key: %v, %q", err, out)
	}

	// The Perl client: openssl smime -encrypt ..., then the body posted as is.
	s = startServer(t, "--report-key", newKey)
	enc := filepath.Join(dir, "report.p7m")
	if out, err := exec.Command(openssl, "smime", "-encrypt", "-binary", "-aes-256-cbc", "-outform", "DER",
		"-in", inv, "-out", enc, newCert).CombinedOutput(); err != nil {
		t.Fatalf("openssl smime: %v\n%s", err, out)
	}
	out, err = exec.Command(curl, "-sS", "--data-binary", "@"+enc, s.base+"/feed/?protocol=5").CombinedOutput()
	if err != nil || string(out) != "OK\n" {
		t.Fatalf("curl: %v, %q", err, out)
	}
	if h := s.host(t, name); h.Host.Packages != len(want) {
		t.Errorf("openssl + curl: host has %d packages, the report %d", h.Host.Packages, len(want))
	}
}
