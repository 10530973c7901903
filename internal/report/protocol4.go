package report

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
)

// Protocol4 is the Pakiti 2 clients' format: a form post whose pkgs field
// holds one package per line as four single-quoted fields.
const Protocol4 = 4

// Form fields of a protocol-4 report, and the legacy parameters that may
// travel with them in the body.
const (
	FieldHost     = "host"
	FieldIP       = "ip"
	FieldOS       = "os"
	FieldArch     = "arch"
	FieldKernel   = "kernel"
	FieldType     = "type" // rpm or dpkg
	FieldSite     = "site"
	FieldTag      = "tag"
	FieldProxy    = "proxy" // 1 when a proxy forwards a host's report
	FieldPkgs     = "pkgs"
	FieldVersion  = "version"  // legacy name of the protocol parameter
	FieldReport   = "report"   // legacy name of the mode parameter: 0, 1, 2
	FieldProtocol = "protocol" // as in the query string
	FieldMode     = "mode"     // as in the query string

	// KeyProxy is the Header.Extra key that carries proxy=1.
	KeyProxy = "proxy"
)

// ReadForm decodes a protocol-4 form body: multipart/form-data (the Pakiti
// 2 client's curl method, curl -F) or urlencoded (its openssl method,
// which writes the fields unescaped except '+' as %2b). The urlencoded
// decoding is lenient as PHP's was: an invalid %-escape stays as it is.
// In multipart values %2b is decoded to '+' too, because older Pakiti 2
// clients escaped '+' in the package list before choosing the transport.
// It never reads more than lim allows.
func ReadForm(body []byte, contentType string, lim Limits) (url.Values, error) {
	if int64(len(body)) > lim.MaxBytes {
		return nil, errf(0, "report is %d bytes, more than the limit of %d", len(body), lim.MaxBytes)
	}
	mt, params, _ := mime.ParseMediaType(contentType)
	boundary := params["boundary"]
	if mt != "multipart/form-data" || boundary == "" {
		// Without a content type, a body that starts with a boundary line
		// is multipart all the same.
		if first, _, _ := bytes.Cut(body, []byte("\n")); bytes.HasPrefix(first, []byte("--")) && mt != "application/x-www-form-urlencoded" {
			boundary = strings.TrimSpace(string(first[2:]))
		} else {
			return readURLEncoded(body, lim)
		}
	}
	return readMultipart(body, boundary, lim)
}

func readURLEncoded(body []byte, lim Limits) (url.Values, error) {
	form := url.Values{}
	n := 0
	for rest := string(body); rest != ""; {
		var piece string
		piece, rest, _ = strings.Cut(rest, "&")
		if piece == "" {
			continue
		}
		if n++; n > lim.MaxHeaderLines {
			return nil, errf(0, "the form has more than %d fields", lim.MaxHeaderLines)
		}
		k, v, _ := strings.Cut(piece, "=")
		k = strings.TrimSpace(formUnescape(k))
		form[k] = append(form[k], formUnescape(v))
	}
	return form, nil
}

// formUnescape decodes '+' and %XX; other bytes, and a '%' not followed by
// two hex digits, stay as they are.
func formUnescape(s string) string {
	if !strings.ContainsAny(s, "+%") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

func readMultipart(body []byte, boundary string, lim Limits) (url.Values, error) {
	form := url.Values{}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errf(0, "reading the multipart form: %v", err)
		}
		if n >= lim.MaxHeaderLines {
			return nil, errf(0, "the form has more than %d fields", lim.MaxHeaderLines)
		}
		// The body is already bounded by lim.MaxBytes: so is every part.
		v, err := io.ReadAll(part)
		if err != nil {
			return nil, errf(0, "reading the multipart form: %v", err)
		}
		name := part.FormName()
		s := string(v)
		if strings.Contains(s, "%2") {
			s = strings.NewReplacer("%2b", "+", "%2B", "+").Replace(s)
		}
		form[name] = append(form[name], s)
	}
	return form, nil
}

// Parse4 reads a protocol-4 report: the fields come from the query string
// and from the form body (contentType tells how it is encoded); a field
// in the query string wins over the same field in the body.
func Parse4(body []byte, contentType string, query url.Values, lim Limits) (*Report, error) {
	form, err := ReadForm(body, contentType, lim)
	if err != nil {
		return nil, err
	}
	for k, v := range query {
		form[k] = v
	}
	return Parse4Form(form, lim)
}

// Parse4Form turns the fields of a protocol-4 report into the Report a
// protocol-5 report of the same host gives: rpm versions become
// epoch:version-release (epoch 0 when none, as the Perl client writes
// them), a dpkg version is kept whole (the Pakiti 2 client sends it in the
// version field with an empty release), gpg-pubkey entries are dropped as
// the Perl client drops them, and backslashes in pkgs are removed as the
// PHP server did.
func Parse4Form(form url.Values, lim Limits) (*Report, error) {
	r := &Report{}
	for _, f := range []struct{ field, key string }{
		{FieldArch, KeyArch}, {FieldHost, KeyHost}, {FieldIP, KeyIP}, {FieldKernel, KeyKernel},
		{FieldType, KeyPackager}, {FieldSite, KeySite}, {FieldOS, KeySystem}, {FieldTag, KeyTag},
	} {
		v := form.Get(f.field)
		if v == "" {
			continue
		}
		if err := r.Header.set(f.key+": "+v, lim); err != nil {
			return nil, errf(0, "field %s: %v", f.field, err)
		}
	}
	if r.Header.Hostname() == "" {
		return nil, errf(0, "the form has no host field")
	}
	switch p := form.Get(FieldProxy); p {
	case "", "0":
	case "1":
		r.Header.Extra = map[string]string{KeyProxy: "1"}
	default:
		return nil, errf(0, "field proxy is %q, want 0 or 1", clip(p))
	}
	pkgs := form.Get(FieldPkgs)
	if strings.TrimSpace(pkgs) == "" {
		return r, nil
	}
	typ := r.Header.Packager
	if typ != "rpm" && typ != "dpkg" {
		return nil, errf(0, "field type is %q, want rpm or dpkg", clip(typ))
	}
	pkgs = strings.ReplaceAll(pkgs, `\`, "")
	lines := strings.Split(pkgs, "\n")
	last := len(lines) - 1
	for last >= 0 && strings.TrimSpace(lines[last]) == "" {
		last--
	}
	r.Packages = make([]model.Package, 0, last+1)
	for i, line := range lines[:last+1] {
		if len(line) > lim.MaxLine {
			return nil, errf(0, "pkgs line %d is %d bytes, more than the limit of %d", i+1, len(line), lim.MaxLine)
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if len(r.Packages) >= lim.MaxPackages {
			return nil, errf(0, "more than %d packages", lim.MaxPackages)
		}
		p, keep, err := parse4Package(line, typ, i == last, lim)
		if err != nil {
			return nil, errf(0, "pkgs line %d: %v", i+1, err)
		}
		if keep {
			r.Packages = append(r.Packages, p)
		}
	}
	if len(r.Packages) == 0 {
		r.Packages = nil
	}
	r.Packages = SortPackages(r.Packages)
	return r, nil
}

// parse4Package reads 'name' 'version' 'release' 'arch'. The last line may
// lack its closing quote: the Pakiti 2 client's openssl method declares a
// Content-Length two bytes short, so the server never receives the
// package list's final quote and newline.
func parse4Package(line, typ string, last bool, lim Limits) (model.Package, bool, error) {
	if last && len(line) > 1 && line[len(line)-1] != '\'' {
		line += "'"
	}
	if len(line) < 2 || line[0] != '\'' || line[len(line)-1] != '\'' {
		return model.Package{}, false, fmt.Errorf("%q is not 'name' 'version' 'release' 'arch'", clip(line))
	}
	f := strings.Split(line[1:len(line)-1], "' '")
	if len(f) != 4 {
		return model.Package{}, false, fmt.Errorf("%q has %d quoted fields, want 4 ('name' 'version' 'release' 'arch')", clip(line), len(f))
	}
	for i, s := range f {
		s = strings.TrimSpace(s)
		f[i] = s
		if len(s) > lim.MaxField {
			return model.Package{}, false, fmt.Errorf("field %d is %d bytes, more than the limit of %d", i+1, len(s), lim.MaxField)
		}
		if bad := firstControl(s); bad >= 0 {
			return model.Package{}, false, fmt.Errorf("field %d holds control character %#x", i+1, bad)
		}
	}
	name, version, release, arch := f[0], f[1], f[2], f[3]
	if name == "" {
		return model.Package{}, false, fmt.Errorf("empty package name")
	}
	if version == "" {
		return model.Package{}, false, fmt.Errorf("package %s has an empty version", clip(name))
	}
	if typ == "rpm" {
		if name == "gpg-pubkey" {
			return model.Package{}, false, nil
		}
		if rest, ok := strings.CutPrefix(version, "(none):"); ok {
			version = "0:" + rest
		} else if !strings.Contains(version, ":") {
			version = "0:" + version
		}
	}
	if release != "" {
		version += "-" + release
	}
	if len(version) > lim.MaxField {
		return model.Package{}, false, fmt.Errorf("package %s: version-release is %d bytes, more than the limit of %d", clip(name), len(version), lim.MaxField)
	}
	return model.Package{Name: name, Version: version, Arch: arch}, true, nil
}
