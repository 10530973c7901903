package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/testdb"
)

// pemCert is a generated certificate and key, written as PEM files.
type pemCert struct {
	leaf              *x509.Certificate
	key               *ecdsa.PrivateKey
	certFile, keyFile string
}

// makeCert makes a certificate named cn, signed by ca (a self-signed CA
// when nil); server certificates are for 127.0.0.1.
func makeCert(t *testing.T, dir, cn string, ca *pemCert, server bool) *pemCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: n, Subject: pkix.Name{Organization: []string{"Pakiti test"}, CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	if server {
		tmpl.ExtKeyUsage, tmpl.IPAddresses = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, []net.IP{net.ParseIP("127.0.0.1")}
	}
	parent, signer := tmpl, key
	if ca == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.KeyUsage, tmpl.ExtKeyUsage = true, true, x509.KeyUsageCertSign, nil
	} else {
		parent, signer = ca.leaf, ca.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	kb, _ := x509.MarshalECPrivateKey(key)
	c := &pemCert{leaf: leaf, key: key, certFile: filepath.Join(dir, cn+".pem"), keyFile: filepath.Join(dir, cn+".key")}
	os.WriteFile(c.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(c.keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return c
}

// TestFeedCertificateEndToEnd: pakiti serve over TLS with
// --feed-client-ca and --feed-auth=cert; an admin registers a host's
// certificate for its site with pakiti sites cert add --from-cert; the
// client reports with --cert/--key for that site, and is refused, with
// nothing stored, for another site or without a certificate.
func TestFeedCertificateEndToEnd(t *testing.T) {
	shared := sharedDir(t)
	dir := t.TempDir()
	ca := makeCert(t, dir, "feed-ca", nil, false)
	srvCert := makeCert(t, dir, "server", ca, true)
	host := makeCert(t, dir, "viking-db.example.org", ca, false)
	db := testdb.DSN(t)
	runPakiti(t, db, "sites", "add", "FZU")
	runPakiti(t, db, "sites", "add", "GSI-LCG2")
	runPakiti(t, db, "sites", "cert", "add", "FZU", "--from-cert", host.certFile)
	if out := runPakiti(t, db, "sites", "cert", "list"); !strings.Contains(out, "FZU   dn  false  /O=Pakiti test/CN=viking-db.example.org") {
		t.Errorf("sites cert list:\n%s", out)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bins.server, "serve", "--listen", addr, "--db", db, "--update-every", "0",
		"--auth", "local", "--tls-cert", srvCert.certFile, "--tls-key", srvCert.keyFile,
		"--feed-client-ca", ca.certFile, "--feed-auth", "cert")
	logf, _ := os.Create(filepath.Join(dir, "serve.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("server log:\n%s", tail(string(b), 40))
		}
	})
	roots := x509.NewCertPool()
	roots.AddCert(ca.leaf)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	base := "https://" + addr
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not answer /healthz within 20 s: %v", err)
		}
	}

	inv := filepath.Join(shared, "data", "inventories", "debian-11", "viking-db", "viking-db.pakiti5.txt")
	// The client trusts the server's CA through SSL_CERT_FILE.
	client5 := func(args ...string) (string, error) {
		c := exec.Command(bins.client, append([]string{"--config=", "--url", base + "/feed/", "--input", inv}, args...)...)
		c.Env = append(os.Environ(), "SSL_CERT_FILE="+ca.certFile)
		out, err := c.CombinedOutput()
		return string(out), err
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--site", "FZU"}, "401: ERROR: this server needs a client certificate registered for the report's site"},
		{[]string{"--site", "GSI-LCG2", "--cert", host.certFile, "--key", host.keyFile},
			`403: ERROR: the report is for site "GSI-LCG2" but its client certificate /O=Pakiti test/CN=viking-db.example.org is site "FZU"'s`},
	} {
		if out, err := client5(tt.args...); err == nil || !strings.Contains(out, tt.want) {
			t.Errorf("client %v: %v %s, want %q", tt.args, err, out, tt.want)
		}
	}
	// Nothing stored yet: the hosts listing of the database is empty.
	if out := runPakiti(t, db, "hosts", "--format", "csv"); strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("refused reports were stored:\n%s", out)
	}
	if out, err := client5("--site", "FZU", "--cert", host.certFile, "--key", host.keyFile); err != nil {
		t.Fatalf("the registered certificate, its site: %v %s", err, out)
	}
	if out := runPakiti(t, db, "hosts", "--format", "csv"); !strings.Contains(out, ",FZU,") {
		t.Errorf("the host is not stored under FZU:\n%s", out)
	}
}
