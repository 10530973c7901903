package intake

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/store"
)

// The real report the tests encrypt, and its host.
const (
	plainReport = "testdata/vaultwarden.pakiti5.txt"
	plainHost   = "inv-alpine320-a.example.org"
)

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// needOpenSSL returns the openssl command; without it the test is
// skipped, or fails under CI.
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

// testKey is a throwaway RSA key with a self-signed certificate, the
// certificate also written as a PEM file for openssl.
type testKey struct {
	withCert, noCert ReportKey
	certPath         string
}

func newTestKey(t *testing.T, cn string) testKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"Pakiti test"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageKeyEncipherment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	certPath := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return testKey{
		withCert: ReportKey{Name: cn + " with certificate", Key: key, Cert: cert},
		noCert:   ReportKey{Name: cn, Key: key},
		certPath: certPath,
	}
}

// opensslEncrypt is the Perl client's encryption: openssl smime -encrypt
// -binary -aes-256-cbc -outform DER (another cipher when given).
func opensslEncrypt(t *testing.T, plain []byte, certPath string, cipherFlag string) []byte {
	t.Helper()
	openssl := needOpenSSL(t)
	in := filepath.Join(t.TempDir(), "report")
	if err := os.WriteFile(in, plain, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(openssl, "smime", "-encrypt", "-binary", cipherFlag, "-outform", "DER", "-in", in, certPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl smime -encrypt: %v: %s", err, stderr.String())
	}
	return out
}

func TestDecryptOpenSSL(t *testing.T) {
	plain := readFile(t, plainReport)
	oldKey, newKey := newTestKey(t, "old report key"), newTestKey(t, "new report key")
	keySets := []struct {
		name string
		keys []ReportKey
	}{
		{"key with certificate", []ReportKey{newKey.withCert}},
		{"key alone", []ReportKey{newKey.noCert}},
		{"rotation, certificates", []ReportKey{oldKey.withCert, newKey.withCert}},
		{"rotation, keys alone", []ReportKey{oldKey.noCert, newKey.noCert}},
		{"rotation, the old key with its certificate", []ReportKey{oldKey.withCert, newKey.noCert}},
	}
	for _, cipherFlag := range []string{"-aes-256-cbc", "-aes-128-cbc", "-des3"} {
		enc := opensslEncrypt(t, plain, newKey.certPath, cipherFlag)
		if !isEnveloped(enc) {
			t.Fatalf("%s: openssl's envelope is not recognised: % x", cipherFlag, enc[:16])
		}
		for _, ks := range keySets {
			t.Run(cipherFlag+"/"+ks.name, func(t *testing.T) {
				var tried []string
				got, err := decryptReport(enc, ks.keys, func(k string, _ error) { tried = append(tried, k) })
				if err != nil {
					t.Fatalf("%v (tried %q)", err, tried)
				}
				if diff := cmp.Diff(plain, got); diff != "" {
					t.Errorf("plaintext differs (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestDecryptFixedEnvelope decrypts an envelope openssl wrote once
// (testdata), so that the server side is tested even where openssl is
// missing.
func TestDecryptFixedEnvelope(t *testing.T) {
	k, err := LoadReportKey("testdata/report-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	if k.Cert == nil {
		t.Fatal("the certificate in report-key.pem was not read")
	}
	got, err := decryptReport(readFile(t, "testdata/vaultwarden.pakiti5.txt.p7m"), []ReportKey{k}, func(string, error) {})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(readFile(t, plainReport), got); diff != "" {
		t.Errorf("plaintext differs (-want +got):\n%s", diff)
	}
}

// badPadding re-encrypts the content of an envelope for k so that its
// last byte, the PKCS #7 padding length, is 0xff: more than the content.
func badPadding(t *testing.T, enc []byte, k *rsa.PrivateKey) []byte {
	t.Helper()
	var env envelope
	if _, err := asn1.Unmarshal(enc, &env); err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 the test plays the attacker who knows the content key
	cek, err := rsa.DecryptPKCS1v15(nil, k, env.Content.RecipientInfos[0].EncryptedKey)
	if err != nil {
		t.Fatal(err)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(env.Content.EncryptedContentInfo.ContentEncryptionAlgorithm.Parameters.FullBytes, &iv); err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		t.Fatal(err)
	}
	n := len(env.Content.EncryptedContentInfo.EncryptedContent.Bytes)
	pt := bytes.Repeat([]byte{'#'}, n)
	pt[n-1] = 0xff
	if n > 0xff {
		pt = pt[:16] // keep 0xff more than the content
		pt[15] = 0xff
	}
	ct := make([]byte, len(pt))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, pt)
	env.Content.EncryptedContentInfo.EncryptedContent = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: ct}
	out, err := asn1.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFeedEncrypted(t *testing.T) {
	plain := readFile(t, plainReport)
	oldKey, newKey := newTestKey(t, "old report key"), newTestKey(t, "new report key")
	enc := opensslEncrypt(t, plain, newKey.certPath, "-aes-256-cbc")
	fixedKey, err := LoadReportKey("testdata/report-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(enc)
	flipped[len(flipped)-17] ^= 0x80 // the last padding byte becomes 0x8n: bad padding, whatever the content
	garbage := append(bytes.Clone(enc[:15]), bytes.Repeat([]byte{0xa5}, 200)...)
	tests := []struct {
		name       string
		keys       []ReportKey
		body       []byte
		wantStatus int
		wantBody   string // prefix
	}{
		{"openssl, key with certificate", []ReportKey{newKey.withCert}, enc, 200, "OK\n"},
		{"openssl, key alone", []ReportKey{newKey.noCert}, enc, 200, "OK\n"},
		{"rotation: to the second of two keys", []ReportKey{oldKey.withCert, newKey.withCert}, enc, 200, "OK\n"},
		{"rotation: to the second of two keys alone", []ReportKey{oldKey.noCert, newKey.noCert}, enc, 200, "OK\n"},
		{"the envelope in testdata", []ReportKey{fixedKey}, readFile(t, "testdata/vaultwarden.pakiti5.txt.p7m"), 200, "OK\n"},
		{"no key configured", nil, enc, 400, "ERROR: encrypted report but this server has no report key (--report-key)\n"},
		{"wrong key with certificate", []ReportKey{oldKey.withCert}, enc, 400,
			`ERROR: the report is encrypted for issuer "CN=new report key,O=Pakiti test" serial ` + fmt.Sprintf("%X, which none", newKey.withCert.Cert.SerialNumber)},
		{"wrong key alone", []ReportKey{oldKey.noCert}, enc, 400, "ERROR: the encrypted report could not be decrypted with this server's report keys (--report-key)"},
		{"wrong keys alone", []ReportKey{oldKey.noCert, fixedKey}, enc, 400, "ERROR: the encrypted report could not be decrypted"},
		{"damaged ciphertext", []ReportKey{newKey.withCert}, flipped, 400, "ERROR: the encrypted report could not be decrypted"},
		{"padding longer than the content", []ReportKey{newKey.withCert}, badPadding(t, enc, newKey.noCert.Key), 400, "ERROR: the encrypted report could not be decrypted"},
		{"padding longer than the content, key alone", []ReportKey{oldKey.noCert, newKey.noCert}, badPadding(t, enc, newKey.noCert.Key), 400, "ERROR: the encrypted report could not be decrypted"},
		{"truncated", []ReportKey{newKey.withCert}, enc[:len(enc)-100], 400, "ERROR: the report looks S/MIME-encrypted but is not DER enveloped data"},
		{"truncated in the header", []ReportKey{newKey.withCert}, enc[:20], 400, "ERROR: the report looks S/MIME-encrypted but is not DER enveloped data"},
		{"trailing bytes", []ReportKey{newKey.withCert}, append(bytes.Clone(enc), "#\n"...), 400, "ERROR: the report looks S/MIME-encrypted but is not DER enveloped data"},
		{"garbage after the type", []ReportKey{newKey.withCert}, garbage, 400, "ERROR: the report looks S/MIME-encrypted but is not DER enveloped data"},
		{"BER indefinite length, garbage", []ReportKey{newKey.withCert}, append([]byte{0x30, 0x80}, append(envelopedDataPrefix, 0xa0, 0x80, 0, 0, 0, 0)...), 400, "ERROR: the report looks S/MIME-encrypted but is not DER enveloped data"},
		{"another cipher", []ReportKey{newKey.withCert}, opensslEncrypt(t, plain, newKey.certPath, "-aes-192-cbc"), 400, "ERROR: the report is encrypted with the cipher 2.16.840.1.101.3.4.1.22"},
		{"encrypted garbage, not a report", []ReportKey{newKey.withCert}, opensslEncrypt(t, []byte("\x00\x01not a report"), newKey.certPath, "-aes-256-cbc"), 400, "ERROR: line 1: control character 0x0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, s := newTest(t)
			h.Keys = tt.keys
			req := httptest.NewRequest("POST", "/feed/?protocol=5", bytes.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/octet-stream")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got := rec.Body.String()
			// One key without its certificate: a wrong RSA padding gives a
			// random content key, never an error (no padding oracle), and
			// about once in 256 the garbage it decrypts to has a valid AES
			// padding and reaches the parser, which refuses it in its own words.
			// The same holds for each wrong key of several.
			wrongAlone := tt.name == "wrong key alone" || tt.name == "wrong keys alone"
			implicit := wrongAlone && rec.Code == 400 && strings.HasPrefix(got, "ERROR: ")
			if rec.Code != tt.wantStatus || !strings.HasPrefix(got, tt.wantBody) && !implicit {
				t.Fatalf("got %d %q, want %d %q...", rec.Code, got, tt.wantStatus, tt.wantBody)
			}
			_, err := s.Host(context.Background(), store.AllSites(), plainHost)
			if stored := err == nil; stored != (tt.wantStatus == 200) {
				t.Errorf("host stored: %v (%v), want %v", stored, err, tt.wantStatus == 200)
			}
			if tt.wantStatus == 200 {
				pkgs, err := s.HostPackages(context.Background(), store.AllSites(), plainHost)
				if err != nil || len(pkgs) != strings.Count(string(plain), "\t")/2 {
					t.Errorf("%d packages stored (%v), want %d", len(pkgs), err, strings.Count(string(plain), "\t")/2)
				}
			}
		})
	}
}

// TestFeedEncryptedResend: the same report encrypted twice (other bytes
// each time) takes the unchanged fast path the second time, since the
// fast paths see the plaintext.
func TestFeedEncryptedResend(t *testing.T) {
	plain := readFile(t, plainReport)
	k := newTestKey(t, "report key")
	h, s := newTest(t)
	var logs bytes.Buffer
	h.Log = slog.New(slog.NewTextHandler(&logs, nil))
	h.Keys = []ReportKey{k.withCert}
	for i := range 2 {
		logs.Reset()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/feed/", bytes.NewReader(opensslEncrypt(t, plain, k.certPath, "-aes-256-cbc"))))
		if rec.Code != 200 {
			t.Fatalf("send %d: %d %s", i, rec.Code, rec.Body)
		}
		hist, err := s.HostReports(context.Background(), store.AllSites(), plainHost, 10)
		if err != nil || len(hist) != 1 || hist[0].Count != i+1 {
			t.Fatalf("send %d: history %+v (%v), want one record with count %d", i, hist, err, i+1)
		}
	}
	// The unchanged fast path does not parse: its log line has no package count.
	if line := logs.String(); !strings.Contains(line, "change=unchanged") || strings.Contains(line, "packages=") {
		t.Errorf("the second send did not take the unchanged fast path: %s", line)
	}
}

func TestIsEnveloped(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want bool
	}{
		{"short length", append([]byte{0x30, 0x7f}, envelopedDataPrefix...), true},
		{"two length bytes", append([]byte{0x30, 0x82, 0x05, 0x1d}, envelopedDataPrefix...), true},
		{"indefinite length", append([]byte{0x30, 0x80}, envelopedDataPrefix...), true},
		{"four length bytes", append([]byte{0x30, 0x84, 0, 0, 0, 1}, envelopedDataPrefix...), true},
		{"five length bytes", append([]byte{0x30, 0x85, 0, 0, 0, 0, 1}, envelopedDataPrefix...), false},
		{"signedData", []byte{0x30, 0x82, 0x05, 0x1d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}, false},
		{"text report", []byte("#\nhost: h\n#\n#\n"), false},
		{"old test's binary body", []byte("0\x82\x01\x00\xff\xfe"), false},
		{"prefix cut", append([]byte{0x30, 0x82, 0x05, 0x1d}, envelopedDataPrefix[:10]...), false},
		{"empty", nil, false},
		{"one byte", []byte{0x30}, false},
		{"length bytes missing", []byte{0x30, 0x84, 0}, false},
	}
	for _, tt := range tests {
		if got := isEnveloped(tt.body); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseReportKey(t *testing.T) {
	k := newTestKey(t, "report key")
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.noCert.Key)})
	p8, err := x509.MarshalPKCS8PrivateKey(k.noCert.Key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8 := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8})
	certPEM := readFile(t, k.certPath)
	other := newTestKey(t, "other key")
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name     string
		data     []byte
		wantCert bool
		wantErr  string
	}{
		{"PKCS #1", pkcs1, false, ""},
		{"PKCS #8", pkcs8, false, ""},
		{"key then certificate", join(pkcs8, certPEM), true, ""},
		{"certificate then key", join(certPEM, pkcs1), true, ""},
		{"another key's certificate", join(pkcs1, readFile(t, other.certPath)), false, "no certificate in it matches its private key"},
		{"two keys", join(pkcs1, pkcs8), false, "more than one private key"},
		{"passphrase", pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}), false, "protected by a passphrase"},
		{"old passphrase", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: []byte{1}}), false, "protected by a passphrase"},
		{"EC key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}), false, "not RSA"},
		{"certificate only", certPEM, false, "no RSA private key in it"},
		{"not PEM", []byte("hello"), false, "no RSA private key in it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseReportKey("f.pem", tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Key.Equal(k.noCert.Key) || (got.Cert != nil) != tt.wantCert {
				t.Errorf("key equal %v, certificate %v (want %v)", got.Key.Equal(k.noCert.Key), got.Cert != nil, tt.wantCert)
			}
		})
	}
}

// FuzzDecrypt feeds bodies to the sniff and decrypt step, with the key of
// the openssl-made seed (testdata/fuzz/FuzzDecrypt) given with its
// certificate, and alone beside another key: whatever the body, the answer
// is the plaintext (never larger) or a 400, never a panic.
func FuzzDecrypt(f *testing.F) {
	fixed, err := LoadReportKey("testdata/report-key.pem")
	if err != nil {
		f.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		f.Fatal(err)
	}
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	handlers := []*Handler{
		{Keys: []ReportKey{fixed}, Log: discard},
		{Keys: []ReportKey{{Name: "other", Key: other}, {Name: "fixed alone", Key: fixed.Key}}, Log: discard},
		{Log: discard},
	}
	seed, err := os.ReadFile("testdata/vaultwarden.pakiti5.txt.p7m")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed[:len(seed)/2])
	f.Add(append(bytes.Clone(seed[:15]), 0xff, 0xff))
	f.Add([]byte("#\nhost: h\n#\n#\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		for i, h := range handlers {
			req := &request{body: body}
			err := h.decrypt(context.Background(), req)
			var ce *clientError
			switch {
			case err != nil && (!errors.As(err, &ce) || ce.status != 400):
				t.Fatalf("handler %d: not a 400: %v", i, err)
			case err == nil && !isEnveloped(body) && !bytes.Equal(req.body, body):
				t.Fatalf("handler %d: a plain body was changed", i)
			case err == nil && len(req.body) > len(body):
				t.Fatalf("handler %d: %d bytes of plaintext from %d", i, len(req.body), len(body))
			}
		}
	})
}

// TestImplicitRejection: with one key to try, a wrong RSA padding gives a
// random content key of the cipher's length, not an error (which would
// make the server a padding oracle).
func TestImplicitRejection(t *testing.T) {
	k := newTestKey(t, "report key")
	garbage := bytes.Repeat([]byte{0x42}, 256)
	//lint:ignore SA1019 the options the library passes for rsaEncryption
	opts := &rsa.PKCS1v15DecryptOptions{}
	if _, err := k.noCert.Key.Decrypt(rand.Reader, garbage, opts); err == nil {
		t.Fatal("the plain key accepts a wrong padding: the test proves nothing")
	}
	a, err := implicitRejection{k.noCert.Key, 32}.Decrypt(rand.Reader, garbage, opts)
	if err != nil || len(a) != 32 {
		t.Fatalf("got %d bytes, %v; want 32 random bytes", len(a), err)
	}
	b, _ := implicitRejection{k.noCert.Key, 32}.Decrypt(rand.Reader, garbage, opts)
	if bytes.Equal(a, b) {
		t.Error("the stand-in key is not random")
	}
}

// TestDecryptKeyChoice: a key whose certificate names the recipient is the
// only one tried (keys alone are not, even when it fails); without such a
// certificate every key alone is tried, and keys with another
// certificate never are.
func TestDecryptKeyChoice(t *testing.T) {
	plain := readFile(t, plainReport)
	a, b, c := newTestKey(t, "key a"), newTestKey(t, "key b"), newTestKey(t, "key c")
	enc := opensslEncrypt(t, plain, a.certPath, "-aes-256-cbc")
	damaged := bytes.Clone(enc)
	damaged[len(damaged)-17] ^= 0x80
	tests := []struct {
		name      string
		keys      []ReportKey
		body      []byte
		wantTried []string
	}{
		{"certificate matches, damaged", []ReportKey{b.noCert, a.withCert, c.withCert}, damaged, []string{"key a with certificate"}},
		{"no certificate matches", []ReportKey{b.noCert, c.withCert, a.noCert}, damaged, []string{"key b", "key a"}},
		{"no certificate matches, sound", []ReportKey{b.noCert, c.withCert, a.noCert}, enc, []string{"key b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tried []string
			_, err := decryptReport(tt.body, tt.keys, func(k string, _ error) { tried = append(tried, k) })
			if (err == nil) != bytes.Equal(tt.body, enc) {
				t.Errorf("error %v", err)
			}
			if diff := cmp.Diff(tt.wantTried, tried); diff != "" {
				t.Errorf("keys that failed (-want +got):\n%s", diff)
			}
		})
	}
}
