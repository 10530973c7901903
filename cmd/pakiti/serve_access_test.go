package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// TestFeedAuthFlags: --feed-auth takes none, token, cert or token,cert,
// each mandatory credential turning host claims on; cert needs
// --feed-client-ca, which needs TLS; the server's TLS pool takes both
// CA files.
func TestFeedAuthFlags(t *testing.T) {
	st, err := store.Open(context.Background(), testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Feed CA"}, IsCA: true,
		BasicConstraintsValid: true, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCertSign}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	empty := filepath.Join(t.TempDir(), "empty.pem")
	os.WriteFile(empty, []byte("not a certificate\n"), 0o644)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct {
		feedAuth, feedCA, tlsCert string
		token, cert, lock         bool
		wantErr                   string
	}{
		{feedAuth: "none"},
		{feedAuth: "token", token: true, lock: true},
		{feedAuth: "cert", feedCA: ca, tlsCert: "server.pem", cert: true, lock: true},
		{feedAuth: "token,cert", feedCA: ca, tlsCert: "server.pem", token: true, cert: true, lock: true},
		{feedAuth: "none", feedCA: ca, tlsCert: "server.pem"},
		{feedAuth: "cert", wantErr: "--feed-auth=cert needs --feed-client-ca"},
		{feedAuth: "password", wantErr: "--feed-auth must be none, token, cert or token,cert"},
		{feedAuth: "none", feedCA: empty, wantErr: "no PEM certificate"},
		{feedAuth: "none", feedCA: ca, wantErr: "need --tls-cert and --tls-key"},
	} {
		f := &accessFlags{auth: "none", feedAuth: c.feedAuth, feedCA: c.feedCA}
		_, g, err := f.build(context.Background(), st, "127.0.0.1:0", log)
		if err == nil {
			conf, terr := f.tlsConfig(c.tlsCert)
			err = terr
			if err == nil && c.feedCA != "" && conf == nil {
				t.Errorf("%+v: no TLS configuration for the client certificates", c)
			}
		}
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s %s: %v, want %q", c.feedAuth, c.feedCA, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.feedAuth, err)
			continue
		}
		if g.RequireToken != c.token || g.RequireCert != c.cert || g.LockHosts != c.lock || (g.CertCAs != nil) != (c.feedCA != "") {
			t.Errorf("%s: token %v cert %v lock %v CAs %v", c.feedAuth, g.RequireToken, g.RequireCert, g.LockHosts, g.CertCAs != nil)
		}
	}
}
