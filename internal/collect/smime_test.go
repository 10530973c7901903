package collect

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// needOpenSSL returns the path of the openssl command; without it the
// test is skipped, or fails under CI.
func needOpenSSL(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("openssl is needed under CI (.ci/run installs it): %v", err)
		}
		t.Skipf("openssl not installed: %v", err)
	}
	return p
}

// testRecipient makes a throwaway RSA key and a self-signed certificate
// and writes them as PEM files key.pem and cert.pem in a new directory.
func testRecipient(t *testing.T, cn string) (cert *x509.Certificate, keyPath, certPath string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"Pakiti test"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageKeyEncipherment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
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
	return cert, keyPath, certPath
}

// smimeReports are the contents the round trips cover: real reports and
// the edges of the padding and of -binary.
func smimeReports(t *testing.T) map[string][]byte {
	t.Helper()
	m := map[string][]byte{
		"empty":          {},
		"one block":      []byte("0123456789abcdef"), // a whole block of padding follows
		"CRLF kept":      []byte("#\r\nhost: crlf.example.org\r\n#\r\n#\r\n"),
		"binary content": {0, 1, 2, 0xff, '\n', '\r', 0x80},
	}
	for _, name := range []string{"debian-11-viking-db.p5.txt", "alma-9-vuls.p6.txt"} {
		data, err := os.ReadFile(filepath.Join("testdata/golden", name))
		if err != nil {
			t.Fatal(err)
		}
		m[name] = data
	}
	return m
}

// TestEncryptOpenSSLDecrypts: what Encrypt writes, openssl smime -decrypt
// reads back to the same bytes.
func TestEncryptOpenSSLDecrypts(t *testing.T) {
	openssl := needOpenSSL(t)
	cert, keyPath, certPath := testRecipient(t, "pakiti report key")
	for name, report := range smimeReports(t) {
		t.Run(name, func(t *testing.T) {
			enc, err := Encrypt(report, cert)
			if err != nil {
				t.Fatal(err)
			}
			in := filepath.Join(t.TempDir(), "report.der")
			if err := os.WriteFile(in, enc, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(openssl, "smime", "-decrypt", "-binary", "-inform", "DER", "-in", in, "-inkey", keyPath, "-recip", certPath)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			got, err := cmd.Output()
			if err != nil {
				t.Fatalf("openssl smime -decrypt: %v: %s", err, stderr.String())
			}
			if diff := cmp.Diff(report, got); diff != "" {
				t.Errorf("openssl decrypted other bytes (-sent +got):\n%s", diff)
			}
		})
	}
}

// TestEncryptSameShapeAsOpenSSL: Encrypt's output and openssl smime
// -encrypt -binary -aes-256-cbc -outform DER's for the same report and
// certificate are the same DER once the random parts (encrypted content
// key, IV, ciphertext) are blanked.
func TestEncryptSameShapeAsOpenSSL(t *testing.T) {
	openssl := needOpenSSL(t)
	cert, _, certPath := testRecipient(t, "pakiti report key")
	report := smimeReports(t)["debian-11-viking-db.p5.txt"]
	in := filepath.Join(t.TempDir(), "report.txt")
	if err := os.WriteFile(in, report, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(openssl, "smime", "-encrypt", "-binary", "-aes-256-cbc", "-outform", "DER", "-in", in, certPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	theirs, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl smime -encrypt: %v: %s", err, stderr.String())
	}
	ours, err := Encrypt(report, cert)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Encrypt(report, cert)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(ours, again) {
		t.Error("two encryptions of one report are equal: key or IV not random")
	}
	if len(ours) != len(theirs) {
		t.Errorf("ours is %d bytes, openssl's %d", len(ours), len(theirs))
	}
	blank := func(der []byte) (envelopedData, []byte) {
		t.Helper()
		var ci contentInfo
		if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) > 0 {
			t.Fatalf("not one ContentInfo: %v, %d bytes after", err, len(rest))
		}
		var env envelopedData
		if rest, err := asn1.Unmarshal(ci.Content.Bytes, &env); err != nil || len(rest) > 0 {
			t.Fatalf("not one EnvelopedData: %v, %d bytes after", err, len(rest))
		}
		if !ci.ContentType.Equal(oidEnvelopedData) {
			t.Errorf("content type %s", ci.ContentType)
		}
		eci := &env.EncryptedContentInfo
		var iv []byte
		if _, err := asn1.Unmarshal(eci.ContentEncryptionAlgorithm.Parameters.FullBytes, &iv); err != nil || len(iv) != 16 {
			t.Errorf("IV %x: %v", iv, err)
		}
		for i := range env.RecipientInfos {
			r := &env.RecipientInfos[i]
			r.EncryptedKey = make([]byte, len(r.EncryptedKey))
			r.IssuerAndSerialNumber.Issuer.Bytes = nil
		}
		eci.ContentEncryptionAlgorithm.Parameters = asn1.RawValue{}
		eci.EncryptedContent.Bytes = make([]byte, len(eci.EncryptedContent.Bytes))
		eci.EncryptedContent.FullBytes = nil
		out, err := asn1.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		return env, out
	}
	ourEnv, ourDER := blank(ours)
	theirEnv, theirDER := blank(theirs)
	if diff := cmp.Diff(theirEnv, ourEnv, cmp.Comparer(func(a, b *big.Int) bool { return a.Cmp(b) == 0 })); diff != "" {
		t.Errorf("envelopes differ (-openssl +ours):\n%s", diff)
	}
	if !bytes.Equal(ourDER, theirDER) {
		t.Errorf("blanked DER differs:\nopenssl %x\nours    %x", theirDER[:64], ourDER[:64])
	}
	if got := len(ourEnv.RecipientInfos); got != 1 {
		t.Fatalf("%d recipients, want 1", got)
	}
	r := ourEnv.RecipientInfos[0]
	if !bytes.Equal(r.IssuerAndSerialNumber.Issuer.FullBytes, cert.RawIssuer) || r.IssuerAndSerialNumber.SerialNumber.Cmp(cert.SerialNumber) != 0 {
		t.Error("the recipient is not the certificate's issuer and serial number")
	}
}

func TestReadRecipient(t *testing.T) {
	cert, keyPath, certPath := testRecipient(t, "pakiti report key")
	pemText, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	derPath := filepath.Join(t.TempDir(), "cert.der")
	if err := os.WriteFile(derPath, cert.Raw, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, value, wantErr string
	}{
		{"PEM file", certPath, ""},
		{"DER file", derPath, ""},
		{"PEM text, as a config heredoc gives", string(pemText), ""},
		{"missing file", filepath.Join(t.TempDir(), "nope.pem"), "no such file"},
		{"a key, not a certificate", keyPath, "no certificate in it"},
		{"garbage text", "not\na certificate\n", "no certificate in it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadRecipient(tt.value)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(cert) {
				t.Error("another certificate")
			}
		})
	}
}
