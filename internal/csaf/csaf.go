// Package csaf reads CSAF 2.0 documents (OASIS Common Security Advisory
// Framework: the VEX documents and security advisories Red Hat and SUSE
// publish) as a stream: the product tree's products (their CPEs and
// purls) and relationships, then each vulnerability with its product
// statuses, remediations and threats, handed over one at a time.
//
// Only what a vulnerability matcher reads is kept; every other member
// (scores, flags, references, acknowledgments...) is skipped token by
// token, so memory grows with the products and product ids of a document,
// never with its text, and one value larger than MaxValue is refused.
// The vendor's meaning of product ids, CPEs and statuses is left to the
// caller (internal/source/redhat). SUSE's reader (internal/source/suse)
// still decodes whole documents; it could move onto this one.
package csaf

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pakiti-go/pakiti/internal/jsontok"
)

// MaxValue bounds the bytes one kept JSON value may take (a product
// status list of a kernel CVE is a few MB).
const MaxValue = 64 << 20

// Document is what a document says of itself and its product tree.
type Document struct {
	Category           string // csaf_vex, csaf_security_advisory
	Title              string
	TrackingID         string // CVE-2023-38545, RHSA-2024:0811
	CurrentReleaseDate string
	AggregateSeverity  string // document.aggregate_severity.text
	// Generator is document.tracking.generator's engine, name and
	// version: "Red Hat SDEngine 4.6.14" (Red Hat's first generator),
	// "CSAF Generator 2.0.1" (the second, which names fixed components
	// by source RPM where the first listed every binary).
	Generator string
	// Products are the product tree's products by product id: the
	// branches' leaves and the relationships' full product names.
	Products map[string]*Product
}

// Product is one product of the tree.
type Product struct {
	ID, Name string
	CPE      string // product_identification_helper.cpe
	PURL     string // product_identification_helper.purl
	// A relationship's product ("component as a part of platform"):
	// Component is its product_reference, Platform its
	// relates_to_product_reference.
	Component, Platform string
}

// Vulnerability is one entry of vulnerabilities.
type Vulnerability struct {
	CVE          string              `json:"cve"`
	Title        string              `json:"title"`
	ReleaseDate  string              `json:"release_date"`
	Notes        []Note              `json:"notes"`
	Status       map[string][]string `json:"product_status"`
	Remediations []Remediation       `json:"remediations"`
	Threats      []Threat            `json:"threats"`
}

// Note is a vulnerability's note.
type Note struct {
	Category string `json:"category"`
	Title    string `json:"title"`
	Text     string `json:"text"`
}

// Remediation is a vulnerability's remediation.
type Remediation struct {
	Category   string   `json:"category"` // vendor_fix, none_available, no_fix_planned, workaround...
	Details    string   `json:"details"`
	Date       string   `json:"date"`
	URL        string   `json:"url"`
	ProductIDs []string `json:"product_ids"`
}

// Threat is a vulnerability's threat.
type Threat struct {
	Category   string   `json:"category"` // impact, exploit_status, target_set
	Details    string   `json:"details"`
	ProductIDs []string `json:"product_ids"`
}

// Read reads one CSAF document from r and calls fn for each
// vulnerability, with the document as read so far: its product tree is
// complete when the tree comes before the vulnerabilities (as Red Hat and
// SUSE write them); when it does not, the vulnerabilities are kept until
// the end of the document and handed over then.
func Read(r io.Reader, fn func(*Document, *Vulnerability) error) error {
	rd := &reader{br: &jsontok.BoundedReader{R: r, Max: MaxValue}, doc: &Document{Products: map[string]*Product{}}}
	rd.dec = json.NewDecoder(rd.br)
	return rd.run(fn)
}

type reader struct {
	br  *jsontok.BoundedReader
	dec *json.Decoder
	doc *Document
}

func (rd *reader) next() (json.Token, error) {
	t, err := rd.dec.Token()
	rd.br.Mark = rd.dec.InputOffset()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return t, err
}

func (rd *reader) decode(v any) error {
	err := rd.dec.Decode(v)
	rd.br.Mark = rd.dec.InputOffset()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

func (rd *reader) skip() error { return jsontok.Skip(rd.next) }

// open reads the start of an object or array; false for null.
func (rd *reader) open(want json.Delim, what string) (bool, error) {
	t, err := rd.next()
	if err != nil {
		return false, err
	}
	if t == nil {
		return false, nil
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return false, fmt.Errorf("%s: %c expected, found %v", what, want, t)
	}
	return true, nil
}

func (rd *reader) key() (string, error) {
	t, err := rd.next()
	if err != nil {
		return "", err
	}
	s, ok := t.(string)
	if !ok {
		return "", fmt.Errorf("object key expected, found %v", t)
	}
	return s, nil
}

// object calls member for each key of an object (or nothing for null);
// member must read the key's value.
func (rd *reader) object(what string, member func(key string) error) error {
	ok, err := rd.open('{', what)
	if err != nil || !ok {
		return err
	}
	for rd.dec.More() {
		k, err := rd.key()
		if err != nil {
			return err
		}
		if err := member(k); err != nil {
			return err
		}
	}
	_, err = rd.next()
	return err
}

// array calls elem for each element of an array (or nothing for null).
func (rd *reader) array(what string, elem func() error) error {
	ok, err := rd.open('[', what)
	if err != nil || !ok {
		return err
	}
	for rd.dec.More() {
		if err := elem(); err != nil {
			return err
		}
	}
	_, err = rd.next()
	return err
}

func (rd *reader) run(fn func(*Document, *Vulnerability) error) error {
	var pending []*Vulnerability
	treeSeen := false
	err := rd.object("document", func(key string) error {
		switch key {
		case "document":
			return rd.document()
		case "product_tree":
			treeSeen = true
			return rd.productTree()
		case "vulnerabilities":
			return rd.array("vulnerabilities", func() error {
				v, err := rd.vulnerability()
				if err != nil {
					return err
				}
				if !treeSeen {
					pending = append(pending, v)
					return nil
				}
				return fn(rd.doc, v)
			})
		}
		return rd.skip()
	})
	if errors.Is(err, jsontok.ErrValueTooLarge) {
		return fmt.Errorf("CSAF: a value over %d MiB", MaxValue>>20)
	}
	if err != nil {
		return fmt.Errorf("CSAF: %w", err)
	}
	if rd.doc.Category == "" {
		return errors.New("CSAF: no document.category")
	}
	if _, err := rd.dec.Token(); err != io.EOF {
		return errors.New("CSAF: data after the document")
	}
	for _, v := range pending {
		if err := fn(rd.doc, v); err != nil {
			return err
		}
	}
	return nil
}

func (rd *reader) document() error {
	var d struct {
		Category          string `json:"category"`
		Title             string `json:"title"`
		AggregateSeverity struct {
			Text string `json:"text"`
		} `json:"aggregate_severity"`
		Tracking struct {
			ID                 string `json:"id"`
			CurrentReleaseDate string `json:"current_release_date"`
			Generator          struct {
				Engine struct {
					Name    string `json:"name"`
					Version string `json:"version"`
				} `json:"engine"`
			} `json:"generator"`
		} `json:"tracking"`
	}
	if err := rd.decode(&d); err != nil {
		return fmt.Errorf("document: %w", err)
	}
	rd.doc.Category, rd.doc.Title = d.Category, d.Title
	rd.doc.AggregateSeverity = d.AggregateSeverity.Text
	rd.doc.TrackingID, rd.doc.CurrentReleaseDate = d.Tracking.ID, d.Tracking.CurrentReleaseDate
	e := d.Tracking.Generator.Engine
	rd.doc.Generator = strings.TrimSpace(e.Name + " " + e.Version)
	return nil
}

type fullProductName struct {
	Name      string `json:"name"`
	ProductID string `json:"product_id"`
	Helper    struct {
		CPE  string `json:"cpe"`
		PURL string `json:"purl"`
	} `json:"product_identification_helper"`
}

func (rd *reader) add(p fullProductName) {
	if p.ProductID == "" {
		return
	}
	pr := rd.doc.Products[p.ProductID]
	if pr == nil {
		pr = &Product{ID: p.ProductID}
		rd.doc.Products[p.ProductID] = pr
	}
	pr.Name = p.Name
	if p.Helper.CPE != "" {
		pr.CPE = p.Helper.CPE
	}
	if p.Helper.PURL != "" {
		pr.PURL = p.Helper.PURL
	}
}

func (rd *reader) productTree() error {
	return rd.object("product_tree", func(key string) error {
		switch key {
		case "branches":
			return rd.branches(0)
		case "full_product_names":
			return rd.array(key, func() error {
				var p fullProductName
				if err := rd.decode(&p); err != nil {
					return err
				}
				rd.add(p)
				return nil
			})
		case "relationships":
			return rd.array(key, func() error {
				var r struct {
					FullProductName  fullProductName `json:"full_product_name"`
					ProductReference string          `json:"product_reference"`
					RelatesTo        string          `json:"relates_to_product_reference"`
				}
				if err := rd.decode(&r); err != nil {
					return err
				}
				rd.add(r.FullProductName)
				if pr := rd.doc.Products[r.FullProductName.ProductID]; pr != nil {
					pr.Component, pr.Platform = r.ProductReference, r.RelatesTo
				}
				return nil
			})
		}
		return rd.skip()
	})
}

// maxDepth bounds the nesting of branches (CSAF's schema allows 30).
const maxDepth = 30

func (rd *reader) branches(depth int) error {
	if depth > maxDepth {
		return errors.New("product_tree: branches nested too deep")
	}
	return rd.array("branches", func() error {
		return rd.object("branch", func(key string) error {
			switch key {
			case "branches":
				return rd.branches(depth + 1)
			case "product":
				var p fullProductName
				if err := rd.decode(&p); err != nil {
					return err
				}
				rd.add(p)
				return nil
			}
			return rd.skip()
		})
	})
}

func (rd *reader) vulnerability() (*Vulnerability, error) {
	v := &Vulnerability{}
	err := rd.object("vulnerability", func(key string) error {
		switch key {
		case "cve":
			return rd.decode(&v.CVE)
		case "title":
			return rd.decode(&v.Title)
		case "release_date":
			return rd.decode(&v.ReleaseDate)
		case "notes":
			return rd.decode(&v.Notes)
		case "product_status":
			return rd.decode(&v.Status)
		case "remediations":
			return rd.decode(&v.Remediations)
		case "threats":
			return rd.decode(&v.Threats)
		}
		return rd.skip()
	})
	return v, err
}

// PURL is a package URL's parts (pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS).
type PURL struct {
	Type, Namespace, Name, Version string
	Qualifiers                     map[string]string
}

// ParsePURL reads a package URL; percent-escapes in the version and the
// qualifiers are undone ("module%2Bel8" is "module+el8").
func ParsePURL(s string) (PURL, bool) {
	rest, ok := strings.CutPrefix(s, "pkg:")
	if !ok {
		return PURL{}, false
	}
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	var p PURL
	rest, q, _ := strings.Cut(rest, "?")
	path, ver, _ := strings.Cut(rest, "@")
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) < 2 || segs[0] == "" || segs[len(segs)-1] == "" {
		return PURL{}, false
	}
	p.Type, p.Name = strings.ToLower(segs[0]), unescape(segs[len(segs)-1])
	p.Namespace = strings.Join(segs[1:len(segs)-1], "/")
	p.Version = unescape(ver)
	if q != "" {
		p.Qualifiers = map[string]string{}
		for _, kv := range strings.Split(q, "&") {
			k, v, _ := strings.Cut(kv, "=")
			p.Qualifiers[strings.ToLower(k)] = unescape(v)
		}
	}
	return p, true
}

func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
