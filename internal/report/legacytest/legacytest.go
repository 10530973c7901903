// Package legacytest builds the bodies that old Pakiti clients and GLPI
// agents send, from real protocol-5 reports, for tests of the decoders
// and of the feed.
package legacytest

import (
	"bytes"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"
)

// Transport is how a Pakiti 2 client posts its form.
type Transport int

// The ways a protocol-4 report arrives.
const (
	OpenSSL Transport = iota // hand-written urlencoded POST, fields unescaped, '+' as %2b, 2 bytes short
	Curl                     // curl -F: multipart/form-data, values raw
	Query                    // fields in the query string, pkgs alone in a urlencoded body
)

// Transports lists them all, with their names.
var Transports = map[string]Transport{"openssl": OpenSSL, "curl": Curl, "query": Query}

// ToProtocol4 converts a protocol-5 report into the body a Pakiti 2 client
// (client/pakiti2-client in wdpypere/pakiti2 and UnifiedPost/pakiti2)
// would send for the same host: rpm lines as 'name' 'E:V' 'R' 'arch'
// (rpm -qa --queryformat "'%{NAME}' '%{EPOCH}:%{VERSION}' '%{RELEASE}'
// '%{ARCH}'"), dpkg lines as 'name' 'full version' with an empty release. It returns the
// body, its content type and the query string to post them with.
func ToProtocol4(t testing.TB, p5 []byte, how Transport) (body []byte, ctype string, query url.Values) {
	t.Helper()
	hd := map[string]string{}
	var pkgs strings.Builder
	hashes := 0
	for _, line := range strings.Split(string(p5), "\n") {
		if strings.TrimSpace(line) == "#" {
			hashes++
			continue
		}
		if line == "" {
			continue
		}
		if hashes == 1 {
			k, v, _ := strings.Cut(line, ":")
			hd[strings.TrimSpace(k)] = strings.TrimSpace(v)
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			t.Fatalf("not a protocol-5 package line: %q", line)
		}
		version, release := f[1], ""
		if hd["packager"] == "rpm" {
			i := strings.LastIndexByte(f[1], '-')
			version, release = f[1][:i], f[1][i+1:]
		}
		pkgs.WriteString("'" + f[0] + "' '" + version + "' '" + release + "' '" + f[2] + "'\n")
	}
	fields := [][2]string{
		{"type", hd["packager"]}, {"host", hd["host"]}, {"os", hd["system"]}, {"arch", hd["arch"]},
		{"tag", hd["tag"]}, {"kernel", hd["kernel"]}, {"version", "4"}, {"report", "0"}, {"proxy", "0"},
		{"site", hd["site"]},
	}
	switch how {
	case OpenSSL:
		var b strings.Builder
		for _, f := range fields {
			b.WriteString(f[0] + "=" + strings.ReplaceAll(f[1], "+", "%2b") + "&")
		}
		// echo -e "${POST_DATA}" adds a newline after "pkgs="; the declared
		// Content-Length is two bytes short of what follows.
		b.WriteString("pkgs=\n" + strings.ReplaceAll(pkgs.String(), "+", "%2b"))
		s := b.String()
		return []byte(s[:len(s)-2]), "application/x-www-form-urlencoded", nil
	case Curl:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, f := range fields {
			mw.WriteField(f[0], f[1])
		}
		mw.WriteField("pkgs", pkgs.String())
		mw.Close()
		return buf.Bytes(), mw.FormDataContentType(), nil
	default:
		q := url.Values{}
		for _, f := range fields {
			q.Set(f[0], f[1])
		}
		q.Set("protocol", "4")
		q.Del("version")
		return []byte(url.Values{"pkgs": {pkgs.String()}}.Encode()), "application/x-www-form-urlencoded", q
	}
}
