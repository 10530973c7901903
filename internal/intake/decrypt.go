package intake

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"

	"github.com/smallstep/pkcs7"
)

// ReportKey decrypts S/MIME-encrypted reports (pakiti-client --encrypt
// CERT, openssl smime -encrypt): the private key of CERT and, when known,
// CERT itself.
type ReportKey struct {
	Name string // where it came from (a file name), for errors and logs
	Key  *rsa.PrivateKey
	// Cert, when set, is the key's certificate: the key is then used only
	// for reports whose recipient (issuer and serial number) is Cert, and
	// without telling a wrong padding from a wrong key (no padding oracle).
	// Keys without a certificate are tried on every encrypted report.
	Cert *x509.Certificate
}

// LoadReportKey reads a report key from a PEM file (pakiti serve
// --report-key): an RSA private key, PKCS #1 ("RSA PRIVATE KEY") or
// PKCS #8 ("PRIVATE KEY"), not encrypted, optionally followed or preceded
// by its certificate (cat key.pem cert.pem > report-key.pem).
func LoadReportKey(path string) (ReportKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return ReportKey{}, err
	}
	k, err := ParseReportKey(path, data)
	if err != nil {
		return ReportKey{}, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// ParseReportKey reads a report key from PEM data; see LoadReportKey.
func ParseReportKey(name string, data []byte) (ReportKey, error) {
	k := ReportKey{Name: name}
	var certs []*x509.Certificate
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return k, fmt.Errorf("certificate: %w", err)
			}
			certs = append(certs, c)
		case "ENCRYPTED PRIVATE KEY":
			return k, errors.New("the private key is protected by a passphrase; write it out without one (openssl pkey -in KEY -out PLAIN) and keep that file readable by the server only")
		case "RSA PRIVATE KEY", "PRIVATE KEY":
			if k.Key != nil {
				return k, errors.New("more than one private key; give each with its own --report-key")
			}
			if b.Headers["Proc-Type"] != "" {
				return k, errors.New("the private key is protected by a passphrase; write it out without one (openssl pkey -in KEY -out PLAIN) and keep that file readable by the server only")
			}
			key, err := parsePrivateKey(b)
			if err != nil {
				return k, err
			}
			k.Key = key
		}
	}
	if k.Key == nil {
		return k, errors.New("no RSA private key in it (want a PEM block RSA PRIVATE KEY or PRIVATE KEY)")
	}
	for _, c := range certs {
		if pub, ok := c.PublicKey.(*rsa.PublicKey); ok && pub.Equal(&k.Key.PublicKey) {
			k.Cert = c
			break
		}
	}
	if len(certs) > 0 && k.Cert == nil {
		return k, errors.New("no certificate in it matches its private key")
	}
	return k, nil
}

func parsePrivateKey(b *pem.Block) (*rsa.PrivateKey, error) {
	if b.Type == "RSA PRIVATE KEY" {
		return x509.ParsePKCS1PrivateKey(b.Bytes)
	}
	key, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the private key is a %T, not RSA (S/MIME key transport needs RSA)", key)
	}
	return rk, nil
}

// envelopedDataPrefix is the DER of the envelopedData object identifier,
// 1.2.840.113549.1.7.3, that follows the outer SEQUENCE's tag and length.
var envelopedDataPrefix = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03}

// isEnveloped reports whether body looks like a CMS ContentInfo of type
// envelopedData: a SEQUENCE (definite length or BER's indefinite one)
// whose first element is that object identifier. A text report never
// starts so.
func isEnveloped(body []byte) bool {
	if len(body) < 2 || body[0] != 0x30 {
		return false
	}
	off := 2
	if n := int(body[1]); n > 0x80 && n <= 0x84 {
		off += n - 0x80
	} else if n > 0x84 {
		return false
	}
	return len(body) >= off && bytes.HasPrefix(body[off:], envelopedDataPrefix)
}

// The part of an envelope the key choice needs, read strictly as DER.
type (
	envelope struct {
		ContentType asn1.ObjectIdentifier
		Content     envelopedData `asn1:"explicit,tag:0"`
	}
	envelopedData struct {
		Version              int
		RecipientInfos       []recipientInfo `asn1:"set"`
		EncryptedContentInfo struct {
			ContentType                asn1.ObjectIdentifier
			ContentEncryptionAlgorithm pkix.AlgorithmIdentifier
			EncryptedContent           asn1.RawValue `asn1:"tag:0,optional"`
		}
	}
	recipientInfo struct {
		Version                int
		IssuerAndSerialNumber  issuerAndSerial
		KeyEncryptionAlgorithm pkix.AlgorithmIdentifier
		EncryptedKey           []byte
	}
	issuerAndSerial struct {
		Issuer       asn1.RawValue
		SerialNumber *big.Int
	}
)

var (
	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSAESOAEP     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 7}
)

// contentKeyBytes are the key lengths of the content ciphers the library
// decrypts: what a PKCS #1 v1.5 decryption yields for the right key.
var contentKeyBytes = map[string]int{
	"2.16.840.1.101.3.4.1.42": 32, // aes256-CBC (openssl smime -aes-256-cbc, the Perl client)
	"2.16.840.1.101.3.4.1.2":  16, // aes128-CBC
	"2.16.840.1.101.3.4.1.46": 32, // aes256-GCM
	"2.16.840.1.101.3.4.1.6":  16, // aes128-GCM
	"1.2.840.113549.3.7":      24, // des-ede3-cbc (openssl smime's old default)
}

// decrypt replaces an S/MIME-encrypted body by the report it holds; a
// plain body is left alone. The plaintext is never larger than the
// ciphertext, which has passed the size limit.
func (h *Handler) decrypt(ctx context.Context, req *request) error {
	if !isEnveloped(req.body) {
		return nil
	}
	if len(h.Keys) == 0 {
		return badRequest("encrypted report but this server has no report key (--report-key)")
	}
	// The library makes about six copies of the body while decrypting
	// (measured: 5.96 MB allocated for a 0.99 MB report): count them in
	// the intake's memory budget.
	if err := req.lease.reserve(ctx, decryptCopies*int64(len(req.body))); err != nil {
		return err
	}
	plain, err := decryptReport(req.body, h.Keys, h.logDecryptFailure)
	if err != nil {
		return err
	}
	h.Log.Debug("report decrypted", "addr", req.addr, "encrypted_bytes", len(req.body), "bytes", len(plain))
	req.body = plain
	return nil
}

// decryptCopies is how many copies of an encrypted body decrypting holds.
const decryptCopies = 6

func (h *Handler) logDecryptFailure(key string, err error) {
	h.Log.Debug("report key did not decrypt", "key", key, "error", err)
}

// candidate is a key to try on one recipient of the envelope.
type candidate struct {
	key       ReportKey
	recipient recipientInfo
}

// decryptReport decrypts DER enveloped data with the first of keys that
// fits. Its errors are client errors; the library's own reasons go to
// failed only, never to the client (they would tell a wrong RSA padding
// from a wrong content key, the oracle of Bleichenbacher's attack).
func decryptReport(der []byte, keys []ReportKey, failed func(key string, err error)) ([]byte, error) {
	var env envelope
	rest, err := asn1.Unmarshal(der, &env)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("%d bytes after the envelope", len(rest))
	}
	if err == nil && len(env.Content.RecipientInfos) == 0 {
		err = errors.New("no recipient")
	}
	if err != nil {
		return nil, badRequest("the report looks S/MIME-encrypted but is not DER enveloped data (openssl smime -encrypt -outform DER): %v", err)
	}
	alg := env.Content.EncryptedContentInfo.ContentEncryptionAlgorithm.Algorithm
	keyLen, ok := contentKeyBytes[alg.String()]
	if !ok {
		return nil, badRequest("the report is encrypted with the cipher %s; this server decrypts AES-256-CBC (openssl smime -aes-256-cbc), AES-128-CBC, AES-GCM and 3DES-CBC", alg)
	}

	// Keys with a certificate go to the recipient they are for; the
	// others are tried on every recipient, when no certificate matched.
	var matched, blind []candidate
	for _, r := range env.Content.RecipientInfos {
		kea := r.KeyEncryptionAlgorithm.Algorithm
		if !kea.Equal(oidRSAEncryption) && !kea.Equal(oidRSAESOAEP) {
			continue
		}
		for _, k := range keys {
			switch {
			case k.Cert == nil:
				blind = append(blind, candidate{k, r})
			case k.Cert.SerialNumber.Cmp(r.IssuerAndSerialNumber.SerialNumber) == 0 &&
				bytes.Equal(k.Cert.RawIssuer, r.IssuerAndSerialNumber.Issuer.FullBytes):
				matched = append(matched, candidate{k, r})
			}
		}
	}
	tries := matched
	if len(tries) == 0 {
		tries = blind
	}
	if len(tries) == 0 {
		return nil, badRequest("the report is encrypted for %s, which none of this server's report keys (--report-key) is", describeRecipients(env.Content.RecipientInfos))
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, badRequest("the report looks S/MIME-encrypted but is not enveloped data: %v", err)
	}
	// One candidate: a wrong RSA padding yields a random content key
	// (RFC 3218, 2.3.2), so that it fails the way a damaged ciphertext
	// does. Several keys without certificates must be told apart by the
	// padding: give the certificates alongside the keys to avoid that.
	implicit := len(tries) == 1
	for _, c := range tries {
		var key crypto.Decrypter = c.key.Key
		if implicit {
			key = implicitRejection{c.key.Key, keyLen}
		}
		plain, err := decryptWith(p7, c.recipient, key)
		if err == nil {
			return plain, nil
		}
		failed(c.key.Name, err)
	}
	return nil, badRequest("the encrypted report could not be decrypted with this server's report keys (--report-key): encrypted for another key, or damaged")
}

// decryptWith runs the library's decryption for one recipient, turning a
// panic on hostile input into an error.
func decryptWith(p7 *pkcs7.PKCS7, r recipientInfo, key crypto.Decrypter) (plain []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			plain, err = nil, fmt.Errorf("pkcs7 panicked: %v", v)
		}
	}()
	// The library picks the recipient by a certificate's issuer and serial
	// number: a key without its certificate gets a stand-in.
	cert := &x509.Certificate{RawIssuer: r.IssuerAndSerialNumber.Issuer.FullBytes, SerialNumber: r.IssuerAndSerialNumber.SerialNumber}
	return p7.Decrypt(cert, key)
}

// implicitRejection is an RSA key whose PKCS #1 v1.5 decryption returns
// a random key of the content cipher's length instead of a padding error.
type implicitRejection struct {
	key    *rsa.PrivateKey
	keyLen int
}

func (k implicitRejection) Public() crypto.PublicKey { return k.key.Public() }

func (k implicitRejection) Decrypt(rand io.Reader, msg []byte, opts crypto.DecrypterOpts) ([]byte, error) {
	//lint:ignore SA1019 rsaEncryption key transport is what openssl smime and the Perl client send
	if o, ok := opts.(*rsa.PKCS1v15DecryptOptions); ok && o.SessionKeyLen == 0 {
		//lint:ignore SA1019 same
		opts = &rsa.PKCS1v15DecryptOptions{SessionKeyLen: k.keyLen}
	}
	return k.key.Decrypt(rand, msg, opts)
}

// describeRecipients names the recipients of an envelope: issuer and
// serial number, as openssl x509 -issuer -serial shows them.
func describeRecipients(rs []recipientInfo) string {
	var parts []string
	for _, r := range rs {
		issuer := "an unreadable issuer"
		var name pkix.RDNSequence
		if _, err := asn1.Unmarshal(r.IssuerAndSerialNumber.Issuer.FullBytes, &name); err == nil {
			var n pkix.Name
			n.FillFromRDNSequence(&name)
			issuer = n.String()
		}
		parts = append(parts, fmt.Sprintf("issuer %q serial %X", clip(issuer), r.IssuerAndSerialNumber.SerialNumber))
		if len(parts) == 3 {
			break
		}
	}
	return strings.Join(parts, ", ")
}
