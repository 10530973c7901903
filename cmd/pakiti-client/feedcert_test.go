package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

var serial atomic.Int64

// certPair is a generated certificate with its key, as PEM files too.
type certPair struct {
	tls.Certificate
	certFile, keyFile string
}

// newTestCert makes a certificate of subject cn (under DC=org/DC=example),
// signed by ca (a self-signed CA when ca is nil), and writes it and its
// key as PEM files.
func newTestCert(t *testing.T, cn string, ca *certPair) *certPair {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dc := []int{0, 9, 2342, 19200300, 100, 1, 25}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial.Add(1)),
		Subject: pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{
			{Type: dc, Value: "org"}, {Type: dc, Value: "example"}, {Type: []int{2, 5, 4, 3}, Value: cn}}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	parent, signer := tmpl, any(key)
	if ca == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.KeyUsage = true, true, x509.KeyUsageCertSign
	} else {
		parent, signer = ca.Leaf, ca.PrivateKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := &certPair{Certificate: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem")}
	if err := os.WriteFile(p.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFeedClientCertificate: over real TLS on loopback, this client
// presents a certificate (--cert, --key) that the server asked for and
// maps to a site: a report for another site is refused with a 4xx
// "ERROR:" and nothing is stored; with --feed-auth=cert (RequireCert) a
// report without a registered certificate is refused; a proxy's
// certificate forwards protocol 4 reports (proxy=1) for the sites it is
// registered for and no other. The packages are real (openssl of Debian
// 11, as in the DSA-5343-1 tests); they are not evaluated here.
func TestFeedClientCertificate(t *testing.T) {
	ctx := context.Background()
	st := testdb.Open(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, s := range []string{"FZU", "prague_lcg2", "DESY-HH"} {
		if err := st.AddSite(ctx, s, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	ca := newTestCert(t, "Feed CA", nil)
	otherCA := newTestCert(t, "Other CA", nil)
	fzu := newTestCert(t, "wn1.fzu.example.org", ca)
	prague := newTestCert(t, "wn1.prague.example.org", ca) // registered by fingerprint
	proxy := newTestCert(t, "proxy.example.org", ca)
	stranger := newTestCert(t, "stranger.example.org", ca) // of the CA, registered nowhere
	forged := newTestCert(t, "wn1.fzu.example.org", otherCA)
	// The users' CA (pakiti serve --tls-client-ca): TLS takes its
	// certificates, the feed does not.
	userCA := newTestCert(t, "User CA", nil)
	user := newTestCert(t, "wn1.fzu.example.org", userCA)
	must := func(_ int64, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.AddFeedCert(ctx, store.FeedCert{Site: "FZU", Match: store.CertByDN, Value: "/DC=org/DC=example/CN=wn1.fzu.example.org"}))
	must(st.AddFeedCert(ctx, store.FeedCert{Site: "prague_lcg2", Match: store.CertByFingerprint, Value: auth.CertFingerprint(prague.Leaf)}))
	must(st.AddFeedCert(ctx, store.FeedCert{Site: "FZU", Match: store.CertByDN, Value: auth.CertificateDN(proxy.Leaf), Proxy: true}))
	must(st.AddFeedCert(ctx, store.FeedCert{Site: "DESY-HH", Match: store.CertByDN, Value: auth.CertificateDN(proxy.Leaf), Proxy: true}))

	pool := x509.NewCertPool()
	pool.AddCert(ca.Leaf)
	guard := &auth.FeedGuard{Store: st, Log: log, CertCAs: pool}
	feed := intake.New(st, nil, log)
	feed.Guard = guard
	srv := httptest.NewUnstartedServer(feed)
	tlsPool := pool.Clone()
	tlsPool.AddCert(userCA.Leaf)
	srv.TLS = &tls.Config{ClientCAs: tlsPool, ClientAuth: tls.VerifyClientCertIfGiven}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	send := func(cert *certPair, host, site string) (int, string) {
		t.Helper()
		in := filepath.Join(dir, host+".txt")
		rep := "#\nhost: " + host + "\nkernel: 5.10.0-20-amd64\nsite: " + site +
			"\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u3\tamd64\n#\n"
		if err := os.WriteFile(in, []byte(rep), 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"--config=", "--input", in, "--protocol", "5", "--url", srv.URL + "/feed/", "--disable-tls-checks", "--timeout", "5s"}
		if cert != nil {
			args = append(args, "--cert", cert.certFile, "--key", cert.keyFile)
		}
		code, _, errs := runCLI(t, "", args...)
		return code, errs
	}
	stored := func(host string) string {
		site, _, err := st.HostSite(ctx, store.AllSites(), host)
		if err != nil {
			t.Fatal(err)
		}
		return site
	}
	cases := []struct {
		name       string
		require    bool
		cert       *certPair
		host, site string
		ok         bool
		wantErr    string
	}{
		{name: "its site, by DN", cert: fzu, host: "wn1.fzu.example.org", site: "FZU", ok: true},
		{name: "another site", cert: fzu, host: "wn2.prague.example.org", site: "prague_lcg2",
			wantErr: `403: ERROR: the report is for site "prague_lcg2" but its client certificate /DC=org/DC=example/CN=wn1.fzu.example.org is site "FZU"'s`},
		{name: "its site, by fingerprint", cert: prague, host: "wn1.prague.example.org", site: "prague_lcg2", ok: true},
		{name: "fingerprint's certificate, another site", cert: prague, host: "wn3.fzu.example.org", site: "FZU",
			wantErr: `is site "prague_lcg2"'s`},
		{name: "unregistered, optional", cert: stranger, host: "wn4.fzu.example.org", site: "FZU", ok: true},
		{name: "no certificate, optional", host: "wn5.fzu.example.org", site: "FZU", ok: true},
		{name: "no certificate, required", require: true, host: "wn6.fzu.example.org", site: "FZU",
			wantErr: "401: ERROR: this server needs a client certificate registered for the report's site"},
		{name: "unregistered, required", require: true, cert: stranger, host: "wn7.fzu.example.org", site: "FZU",
			wantErr: "403: ERROR: the client certificate /DC=org/DC=example/CN=stranger.example.org (SHA-256 " + auth.CertFingerprint(stranger.Leaf) + ") is registered for no site"},
		{name: "registered, required", require: true, cert: fzu, host: "wn8.fzu.example.org", site: "FZU", ok: true},
		// A client sends only a certificate of a CA the server names: this
		// one it keeps, and the report comes without.
		{name: "another CA's certificate, optional", cert: forged, host: "wn9.fzu.example.org", site: "FZU", ok: true},
		{name: "another CA's certificate, required", require: true, cert: forged, host: "wn10.fzu.example.org", site: "FZU",
			wantErr: "401: ERROR: this server needs a client certificate"},
		{name: "the users' CA's certificate, optional", cert: user, host: "wn11.fzu.example.org", site: "FZU", ok: true},
		{name: "the users' CA's certificate, required", require: true, cert: user, host: "wn12.fzu.example.org", site: "FZU",
			wantErr: "403: ERROR: the client certificate /DC=org/DC=example/CN=wn1.fzu.example.org is not one of the feed's CAs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			guard.RequireCert = c.require
			code, errs := send(c.cert, c.host, c.site)
			got := stored(c.host)
			switch {
			case c.ok:
				if code != 0 || got != c.site {
					t.Errorf("exit %d (%s), host under %q, want stored under %s", code, errs, got, c.site)
				}
			default:
				if code == 0 || !strings.Contains(errs, c.wantErr) || got != "" {
					t.Errorf("exit %d, stderr %q, host under %q; want an error with %q and nothing stored", code, errs, got, c.wantErr)
				}
			}
		})
	}
	guard.RequireCert = false

	// A proxy forwards protocol 4 reports (proxy=1) for its sites only.
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.Certificates = []tls.Certificate{proxy.Certificate}
	client := &http.Client{Transport: tr}
	forward := func(host, site string) (int, string) {
		t.Helper()
		form := url.Values{"type": {"dpkg"}, "host": {host}, "ip": {"2001:db8::7"}, "os": {"Debian 11.6"}, "arch": {"x86_64"},
			"site": {site}, "proxy": {"1"}, "pkgs": {"'openssl' '1.1.1n-0+deb11u3' '' 'amd64'\n"}}
		resp, err := client.Post(srv.URL+"/feed/", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct {
		host, site string
		code       int
		answer     string
	}{
		{"p1.fzu.example.org", "FZU", 200, "OK\n"},
		{"p1.desy.example.org", "DESY-HH", 200, "OK\n"},
		{"p1.prague.example.org", "prague_lcg2", 403,
			`ERROR: the report is for site "prague_lcg2" but its client certificate /DC=org/DC=example/CN=proxy.example.org is a proxy's for sites DESY-HH, FZU` + "\n"},
	} {
		code, answer := forward(c.host, c.site)
		want := c.site
		if c.code != 200 {
			want = ""
		}
		if code != c.code || answer != c.answer || stored(c.host) != want {
			t.Errorf("proxy forwarding %s for %s: %d %q, stored under %q; want %d %q", c.host, c.site, code, answer, stored(c.host), c.code, c.answer)
		}
	}
}
