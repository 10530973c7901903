package updateinfo

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// Update is one <update> element, the part Pakiti reads.
type Update struct {
	Type       string       `xml:"type,attr"`
	Status     string       `xml:"status,attr"`
	ID         string       `xml:"id"`
	Title      string       `xml:"title"`
	Release    string       `xml:"release"`
	Severity   string       `xml:"severity"`
	Issued     Date         `xml:"issued"`
	Updated    Date         `xml:"updated"`
	References []Reference  `xml:"references>reference"`
	Pkglist    []Collection `xml:"pkglist>collection"`
}

// Date is an <issued>/<updated> element's date attribute.
type Date struct {
	Date string `xml:"date,attr"`
}

// Reference is one <reference>.
type Reference struct {
	ID    string `xml:"id,attr"`
	Type  string `xml:"type,attr"`
	Title string `xml:"title,attr"`
	Href  string `xml:"href,attr"`
}

// Collection is one <collection> of a pkglist.
type Collection struct {
	Short    string    `xml:"short,attr"`
	Module   *Module   `xml:"module"`
	Packages []Package `xml:"package"`
}

// Module is a collection's <module>.
type Module struct {
	Name   string `xml:"name,attr"`
	Stream string `xml:"stream,attr"`
}

// Package is one <package> of a collection.
type Package struct {
	Name    string `xml:"name,attr"`
	Arch    string `xml:"arch,attr"`
	Epoch   string `xml:"epoch,attr"`
	Version string `xml:"version,attr"`
	Release string `xml:"release,attr"`
}

// EVR is the package's "epoch:version-release", epoch "0" when none.
func (p Package) EVR() string {
	e := p.Epoch
	if e == "" {
		e = "0"
	}
	return e + ":" + p.Version + "-" + p.Release
}

// Options say how updates become records.
type Options struct {
	// Source is the records' Source.
	Source string
	// Group returns the OS group of an update, or an error that stops
	// parsing (the group is unknown).
	Group func(u *Update) (string, error)
}

// Stats counts what a parse did.
type Stats struct {
	Updates int            `json:"updates"`
	Records int            `json:"records"`
	Skipped map[string]int `json:"skipped,omitempty"`
}

func (s *Stats) skip(reason string) { source.CountSkip(&s.Skipped, reason) }

// Reasons for skipping.
const (
	SkipNotSecurity = "update not of type security"
	SkipNoPackages  = "update without packages"
	SkipSourceRPM   = "source package"
	SkipBadPackage  = "package without name, version or release"
	SkipBadID       = "update without a valid id"
)

// Limits. Real updates are far smaller (a kernel update with every arch
// and subpackage is a few hundred KB).
const (
	MaxUpdateBytes = 16 << 20
	maxDescription = source.MaxDescription
)

var errTooBig = fmt.Errorf("an <update> larger than %d bytes", MaxUpdateBytes)

// Parse streams the security updates of an updateinfo document to emit.
func Parse(ctx context.Context, r io.Reader, o Options, emit func(model.Advisory) error) (Stats, error) {
	var st Stats
	b := &source.Budget{R: bufio.NewReaderSize(r, 64<<10), Left: MaxUpdateBytes, Err: errTooBig}
	dec := xml.NewDecoder(b)
	root := false
	for {
		b.Left = MaxUpdateBytes
		tok, err := dec.Token()
		if err == io.EOF {
			if !root {
				return st, errors.New("not an updateinfo document: no <updates> element")
			}
			return st, nil
		}
		if err != nil {
			return st, fmt.Errorf("updateinfo: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case !root:
			if se.Name.Local != "updates" {
				return st, fmt.Errorf("not an updateinfo document: root element <%s>", source.Clip(se.Name.Local, 40))
			}
			root = true
		case se.Name.Local == "update":
			var u Update
			if err := dec.DecodeElement(&u, &se); err != nil {
				return st, fmt.Errorf("updateinfo: update %d: %w", st.Updates+1, err)
			}
			st.Updates++
			if st.Updates%256 == 0 {
				if err := ctx.Err(); err != nil {
					return st, err
				}
			}
			if err := convert(&u, o, &st, emit); err != nil {
				return st, err
			}
		default:
			if err := dec.Skip(); err != nil {
				return st, fmt.Errorf("updateinfo: %w", err)
			}
		}
	}
}

// convert emits one update's records.
func convert(u *Update, o Options, st *Stats, emit func(model.Advisory) error) error {
	if strings.TrimSpace(u.Type) != "security" {
		st.skip(SkipNotSecurity)
		return nil
	}
	id := strings.TrimSpace(u.ID)
	if !source.ValidName(id) {
		st.skip(SkipBadID)
		return nil
	}
	type key struct{ name, evr, module string }
	var order []key
	arches := map[key][]string{}
	for _, c := range u.Pkglist {
		module := ""
		if c.Module != nil && c.Module.Name != "" && c.Module.Stream != "" {
			module = c.Module.Name + ":" + c.Module.Stream
		}
		for _, p := range c.Packages {
			if p.Arch == "src" {
				st.skip(SkipSourceRPM)
				continue
			}
			if !source.ValidName(p.Name) || !source.ValidName(p.EVR()) || p.Version == "" || p.Release == "" {
				st.skip(SkipBadPackage)
				continue
			}
			k := key{p.Name, p.EVR(), module}
			if _, ok := arches[k]; !ok {
				order = append(order, k)
			}
			if source.ValidName(p.Arch) && !slices.Contains(arches[k], p.Arch) {
				arches[k] = append(arches[k], p.Arch)
			} else if _, ok := arches[k]; !ok {
				arches[k] = nil
			}
		}
	}
	if len(order) == 0 {
		st.skip(SkipNoPackages)
		return nil
	}
	group, err := o.Group(u)
	if err != nil {
		return err
	}
	var cves []string
	for _, r := range u.References {
		if strings.TrimSpace(r.Type) != "cve" {
			continue
		}
		c := strings.ToUpper(strings.TrimSpace(r.ID))
		if c == "" {
			c = strings.ToUpper(strings.TrimSpace(r.Title))
		}
		if isCVE(c) && !slices.Contains(cves, c) {
			cves = append(cves, c)
		}
	}
	if len(cves) == 0 {
		cves = []string{id}
	}
	sev := strings.ToLower(strings.TrimSpace(u.Severity))
	if sev == "none" || !validWord(sev) {
		sev = ""
	}
	published := parseDate(u.Updated.Date)
	if published.IsZero() {
		published = parseDate(u.Issued.Date)
	}
	for _, k := range order {
		a := model.Advisory{Source: o.Source, OSGroup: group, Package: k.name, FixedVersion: k.evr,
			Status: model.StatusFixed, Severity: sev, AdvisoryID: id, Arch: strings.Join(arches[k], "|"),
			Module: k.module, Description: source.Clip(strings.TrimSpace(u.Title), maxDescription), Published: published}
		for _, c := range cves {
			a.CVE = c
			st.Records++
			if err := emit(a); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseDate reads "2006-01-02 15:04:05", "2006-01-02" or Unix seconds.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 && n < 1<<40 {
		return time.Unix(n, 0).UTC()
	}
	return time.Time{}
}

func isCVE(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) != 3 || parts[0] != "CVE" || len(parts[1]) != 4 || len(parts[2]) < 4 {
		return false
	}
	for _, p := range parts[1:] {
		for _, c := range p {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

func validWord(s string) bool {
	if len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c == ' ' || c == '-') {
			return false
		}
	}
	return true
}
