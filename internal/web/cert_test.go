package web

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/auth"
)

var oidDC = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}

// newCert makes a certificate of subject (RDNs in order), signed by ca
// (self-signed when ca is nil).
func newCert(t *testing.T, subject []pkix.AttributeTypeAndValue, ca *tls.Certificate) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{ExtraNames: subject},
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
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// TestClientCertificate: with --auth header and client certificates, a
// certificate the server verified names its user by DN; one of another CA
// is refused by TLS, and a request without one is anonymous.
func TestClientCertificate(t *testing.T) {
	fs := newFedServer(t, withModes(auth.Header))
	h := fs.srv.Config.Handler
	ca := newCert(t, []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "Test CA"}}, nil)
	other := newCert(t, []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "Other CA"}}, nil)
	// The DN of user ngi-de in newFedServer: /DC=org/DC=example/CN=ngi-de.
	subject := []pkix.AttributeTypeAndValue{{Type: oidDC, Value: "org"}, {Type: oidDC, Value: "example"},
		{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "ngi-de"}}
	good := newCert(t, subject, &ca)
	forged := newCert(t, subject, &other)
	if dn := auth.CertificateDN(good.Leaf); dn != "/DC=org/DC=example/CN=ngi-de" {
		t.Fatalf("DN %q", dn)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Leaf)
	srv := newTLSServer(t, h, &tls.Config{ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven})
	get := func(cert *tls.Certificate) (int, []string, error) {
		tr := srv.Client().Transport.(*http.Transport).Clone()
		if cert != nil {
			tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
		}
		resp, err := (&http.Client{Transport: tr}).Get(srv.URL + "/api/v1/sites")
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		var b [4096]byte
		n, _ := resp.Body.Read(b[:])
		if resp.StatusCode != http.StatusOK {
			return resp.StatusCode, nil, nil
		}
		return resp.StatusCode, sitesOf(t, string(b[:n])), nil
	}
	if code, sites, err := get(&good); err != nil || code != 200 || len(sites) != 2 || sites[0] != "DESY-HH" || sites[1] != "GSI-LCG2" {
		t.Errorf("certificate of ngi-de: %d %v %v", code, sites, err)
	}
	if code, _, err := get(&forged); err == nil && code == 200 {
		t.Errorf("a certificate of another CA was let in")
	}
	if code, _, err := get(nil); err != nil || code != http.StatusUnauthorized {
		t.Errorf("no certificate: %d %v, want 401", code, err)
	}
}

func newTLSServer(t *testing.T, h http.Handler, conf *tls.Config) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = conf
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}
