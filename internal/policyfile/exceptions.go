package policyfile

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
)

// xmlExceptions is Pakiti 3's exceptions file:
// <cveExceptions><cveException><cveName/><reason/><modifier/>
// <pkg><name/><version/><release/><arch/><type/></pkg><osGroup><name/></osGroup></cveException>...</cveExceptions>
// A missing arch, type or osGroup means "all". Expires is ours (Pakiti 3
// ignores elements it does not know).
type xmlExceptions struct {
	XMLName    xml.Name       `xml:"cveExceptions"`
	Exceptions []xmlException `xml:"cveException"`
}

type xmlException struct {
	CVE      string      `xml:"cveName"`
	Reason   string      `xml:"reason"`
	Modifier string      `xml:"modifier"`
	Pkg      xmlPkg      `xml:"pkg"`
	OSGroup  *xmlOSGroup `xml:"osGroup"`
	Expires  string      `xml:"expires,omitempty"`
}

type xmlPkg struct {
	Name    string `xml:"name"`
	Version string `xml:"version"`
	Release string `xml:"release"`
	Arch    string `xml:"arch"`
	Type    string `xml:"type"`
}

type xmlOSGroup struct {
	Name string `xml:"name"`
}

// jsonExceptions is our exceptions file.
type jsonExceptions struct {
	Exceptions []jsonException `json:"cve_exceptions"`
}

type jsonException struct {
	CVE       string `json:"cve"`
	Package   string `json:"package"`
	Version   string `json:"version,omitempty"`
	Arch      string `json:"arch,omitempty"`
	PkgType   string `json:"pkg_type,omitempty"`
	ScopeKind string `json:"scope_kind"`
	Scope     string `json:"scope,omitempty"`
	Reason    string `json:"reason"`
	Author    string `json:"author,omitempty"`
	CreatedAt string `json:"created_at,omitempty"`
	ExpiresAt string `json:"expires_at,omitempty"`
}

// ReadExceptions reads an exceptions file, XML or JSON. Pakiti 3's
// version and release join as VERSION-RELEASE (the way reports write a
// package's version); an exception without an OS group applies to every
// host. Records without a modifier or author get d.Author, without a
// creation time d.Now.
func ReadExceptions(r io.Reader, d Defaults) ([]store.Exception, error) {
	b, f, err := sniff(r)
	if err != nil {
		return nil, err
	}
	var out []store.Exception
	switch f {
	case XML:
		var x xmlExceptions
		if err := xml.Unmarshal(b, &x); err != nil {
			return nil, fmt.Errorf("exceptions XML: %w", err)
		}
		for i, e := range x.Exceptions {
			v := strings.TrimSpace(e.Pkg.Version)
			if rel := strings.TrimSpace(e.Pkg.Release); rel != "" {
				v += "-" + rel
			}
			kind, scope := store.ScopeAll, ""
			if e.OSGroup != nil && strings.TrimSpace(e.OSGroup.Name) != "" {
				kind, scope = store.ScopeOSGroup, strings.TrimSpace(e.OSGroup.Name)
			}
			ex, err := exceptionOf(jsonException{CVE: e.CVE, Package: e.Pkg.Name, Version: v, Arch: e.Pkg.Arch,
				PkgType: e.Pkg.Type, ScopeKind: string(kind), Scope: scope, Reason: e.Reason, Author: e.Modifier,
				ExpiresAt: e.Expires}, d)
			if err != nil {
				return nil, fmt.Errorf("exceptions XML, cveException %d: %w", i+1, err)
			}
			out = append(out, ex)
		}
	case JSON:
		var j jsonExceptions
		if err := decodeJSON(b, &j); err != nil {
			return nil, fmt.Errorf("exceptions JSON: %w", err)
		}
		for i, e := range j.Exceptions {
			ex, err := exceptionOf(e, d)
			if err != nil {
				return nil, fmt.Errorf("exceptions JSON, cve_exceptions[%d]: %w", i, err)
			}
			out = append(out, ex)
		}
	}
	return out, nil
}

func exceptionOf(j jsonException, d Defaults) (store.Exception, error) {
	created, err := parseTime(j.CreatedAt)
	if err != nil {
		return store.Exception{}, err
	}
	if created.IsZero() {
		created = d.Now.UTC()
	}
	exp, err := parseTime(j.ExpiresAt)
	if err != nil {
		return store.Exception{}, err
	}
	author := strings.TrimSpace(j.Author)
	if author == "" {
		author = d.Author
	}
	e := store.Exception{CVE: strings.TrimSpace(j.CVE), Package: strings.TrimSpace(j.Package),
		Version: strings.TrimSpace(j.Version), Arch: strings.TrimSpace(j.Arch), PkgType: strings.TrimSpace(j.PkgType),
		ScopeKind: store.ScopeKind(strings.TrimSpace(j.ScopeKind)), Scope: strings.TrimSpace(j.Scope),
		Reason: strings.TrimSpace(j.Reason), Author: author, CreatedAt: created}
	if e.ScopeKind == "" {
		e.ScopeKind = store.ScopeAll
	}
	if !exp.IsZero() {
		e.ExpiresAt = &exp
	}
	if e.CVE == "" || e.Package == "" {
		return e, fmt.Errorf("CVE %q package %q: both are needed", clip(e.CVE, 40), clip(e.Package, 40))
	}
	return e, nil
}

// Representable tells whether Pakiti 3's XML can carry e: its scopes are
// every host or one OS group, never a site or a host.
func Representable(e store.Exception) bool {
	return e.ScopeKind == store.ScopeAll || e.ScopeKind == store.ScopeOSGroup
}

// WriteExceptionsXML writes Pakiti 3's exceptions file of the exceptions
// it can carry (Representable; the others are left out and counted in
// skipped: export them as JSON). modifier names the exporting instance,
// or, when "", each exception's author. An expiry is written in our own
// <expires> element, which Pakiti 3 ignores.
func WriteExceptionsXML(w io.Writer, es []store.Exception, modifier string) (skipped int, err error) {
	x := xmlExceptions{Exceptions: make([]xmlException, 0, len(es))}
	for _, e := range es {
		if !Representable(e) {
			skipped++
			continue
		}
		ver, rel := e.Version, ""
		if i := strings.LastIndexByte(ver, '-'); i >= 0 {
			ver, rel = e.Version[:i], e.Version[i+1:]
		}
		m := modifier
		if m == "" {
			m = e.Author
		}
		xe := xmlException{CVE: e.CVE, Reason: e.Reason, Modifier: m,
			Pkg: xmlPkg{Name: e.Package, Version: ver, Release: rel, Arch: e.Arch, Type: e.PkgType}}
		if e.ScopeKind == store.ScopeOSGroup {
			xe.OSGroup = &xmlOSGroup{Name: e.Scope}
		}
		if e.ExpiresAt != nil {
			xe.Expires = e.ExpiresAt.UTC().Format(time.RFC3339)
		}
		x.Exceptions = append(x.Exceptions, xe)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return skipped, err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(x); err != nil {
		return skipped, err
	}
	_, err = io.WriteString(w, "\n")
	return skipped, err
}

// WriteExceptionsJSON writes our exceptions file: every scope, with
// creation and expiry times.
func WriteExceptionsJSON(w io.Writer, es []store.Exception) error {
	j := jsonExceptions{Exceptions: make([]jsonException, 0, len(es))}
	for _, e := range es {
		je := jsonException{CVE: e.CVE, Package: e.Package, Version: e.Version, Arch: e.Arch, PkgType: e.PkgType,
			ScopeKind: string(e.ScopeKind), Scope: e.Scope, Reason: e.Reason, Author: e.Author,
			CreatedAt: e.CreatedAt.UTC().Format(time.RFC3339)}
		if e.ExpiresAt != nil {
			je.ExpiresAt = e.ExpiresAt.UTC().Format(time.RFC3339)
		}
		j.Exceptions = append(j.Exceptions, je)
	}
	return writeJSON(w, j)
}
