package auth

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strings"
)

// CertificateDN writes a certificate's subject the way GOCDB, Apache's
// SSL_CLIENT_S_DN (legacy format) and the grid tools do: "/DC=org/DC=
// terena/C=CZ/O=CESNET/CN=Jane Doe", the RDNs in the certificate's order
// (read from the raw subject: a parsed pkix.Name forgets the order and the
// DC attributes).
func CertificateDN(c *x509.Certificate) string {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(c.RawSubject, &seq); err != nil || len(rest) > 0 {
		return slashDN(c.Subject.ToRDNSequence())
	}
	return slashDN(seq)
}

var attrNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU",
	"0.9.2342.19200300.100.1.25": "DC", "1.2.840.113549.1.9.1": "emailAddress", "0.9.2342.19200300.100.1.1": "UID",
}

func slashDN(seq pkix.RDNSequence) string {
	var b strings.Builder
	for _, rdn := range seq {
		for _, atv := range rdn {
			name, ok := attrNames[atv.Type.String()]
			if !ok {
				name = atv.Type.String()
			}
			fmt.Fprintf(&b, "/%s=%v", name, value(atv.Value))
		}
	}
	return b.String()
}

func value(v any) any {
	if s, ok := v.(asn1.RawValue); ok {
		return string(s.Bytes)
	}
	return v
}
