package collect

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
)

// EncryptedContentType is the Content-Type of an encrypted report, the
// one the Perl client's manual names (the server sniffs the body whatever
// the type says).
const EncryptedContentType = "application/octet-stream"

// Object identifiers of an S/MIME enveloped report (RFC 5652, RFC 3565).
var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEnvelopedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 3}
	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidAES256CBC     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

// The CMS structures, as openssl smime writes them.
type (
	envelopedData struct {
		Version              int
		RecipientInfos       []keyTransRecipientInfo `asn1:"set"`
		EncryptedContentInfo encryptedContentInfo
	}
	keyTransRecipientInfo struct {
		Version                int
		IssuerAndSerialNumber  issuerAndSerialNumber
		KeyEncryptionAlgorithm pkix.AlgorithmIdentifier
		EncryptedKey           []byte
	}
	issuerAndSerialNumber struct {
		Issuer       asn1.RawValue
		SerialNumber *big.Int
	}
	encryptedContentInfo struct {
		ContentType                asn1.ObjectIdentifier
		ContentEncryptionAlgorithm pkix.AlgorithmIdentifier
		EncryptedContent           asn1.RawValue // [0] IMPLICIT OCTET STRING
	}
	contentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue // [0] EXPLICIT
	}
)

// ReadRecipient reads the certificate pakiti-client --encrypt names: the
// path of a PEM (or DER) certificate file or, as the Perl client also
// takes, the PEM text itself (a value with a line end, as a configuration
// file's heredoc gives). Its key must be RSA.
func ReadRecipient(value string) (*x509.Certificate, error) {
	data, name := []byte(value), "the --encrypt certificate"
	if !strings.Contains(value, "\n") {
		var err error
		if data, err = os.ReadFile(value); err != nil {
			return nil, fmt.Errorf("--encrypt: %w", err)
		}
		name = value
	}
	cert, err := parseCertificate(data)
	if err != nil {
		return nil, fmt.Errorf("--encrypt: %s: %w", name, err)
	}
	if _, ok := cert.PublicKey.(*rsa.PublicKey); !ok {
		return nil, fmt.Errorf("--encrypt: %s: the certificate's key is %s, not RSA (S/MIME key transport needs RSA)", name, cert.PublicKeyAlgorithm)
	}
	return cert, nil
}

// parseCertificate takes the first CERTIFICATE block of PEM data, or DER.
func parseCertificate(data []byte) (*x509.Certificate, error) {
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			return x509.ParseCertificate(b.Bytes)
		}
	}
	if cert, err := x509.ParseCertificate(data); err == nil {
		return cert, nil
	}
	return nil, errors.New("no certificate in it (want a PEM CERTIFICATE block)")
}

// Encrypt returns report as S/MIME enveloped data for cert's owner, in
// DER: what `openssl smime -encrypt -binary -aes-256-cbc -outform DER`
// writes (the Perl client's command) and what a Pakiti server with the
// matching private key decrypts. The content is the report's bytes as they
// are (-binary: no line end conversion), encrypted with a fresh random
// AES-256 key in CBC mode (random IV, PKCS #7 padding); the key travels
// encrypted with the certificate's RSA key (PKCS #1 v1.5, rsaEncryption),
// for the one recipient named by the certificate's issuer and serial number.
func Encrypt(report []byte, cert *x509.Certificate) ([]byte, error) {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("certificate key is %s, not RSA", cert.PublicKeyAlgorithm)
	}
	key := make([]byte, 32)
	iv := make([]byte, aes.BlockSize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if _, err := rand.Read(iv); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	pad := aes.BlockSize - len(report)%aes.BlockSize
	ct := make([]byte, len(report)+pad)
	copy(ct, report)
	for i := len(report); i < len(ct); i++ {
		ct[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, ct)

	// PKCS #1 v1.5 is what openssl smime, the Perl client and the PHP
	// server use for S/MIME key transport: wire compatibility needs it.
	//lint:ignore SA1019 rsaEncryption key transport is the format's (openssl smime's) choice
	encKey, err := rsa.EncryptPKCS1v15(rand.Reader, pub, key)
	if err != nil {
		return nil, fmt.Errorf("encrypting the content key: %w", err)
	}
	ivDER, err := asn1.Marshal(iv)
	if err != nil {
		return nil, err
	}
	env, err := asn1.Marshal(envelopedData{
		Version: 0,
		RecipientInfos: []keyTransRecipientInfo{{
			Version: 0,
			IssuerAndSerialNumber: issuerAndSerialNumber{
				Issuer:       asn1.RawValue{FullBytes: cert.RawIssuer},
				SerialNumber: cert.SerialNumber,
			},
			KeyEncryptionAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidRSAEncryption, Parameters: asn1.NullRawValue},
			EncryptedKey:           encKey,
		}},
		EncryptedContentInfo: encryptedContentInfo{
			ContentType:                oidData,
			ContentEncryptionAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: ivDER}},
			EncryptedContent:           asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: ct},
		},
	})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(contentInfo{
		ContentType: oidEnvelopedData,
		Content:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: env},
	})
}
