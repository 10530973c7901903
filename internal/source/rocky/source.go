package rocky

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/osv"
	"github.com/pakiti-go/pakiti/internal/source/updateinfo"
)

// Name is the source's name.
const Name = "rocky"

// OSVURL is osv.dev's export of every Rocky Linux record, fetched by
// default.
const OSVURL = "https://osv-vulnerabilities.storage.googleapis.com/Rocky%20Linux/all.zip"

// SkipSIG is the reason an affected entry of a SIG repository is skipped.
const SkipSIG = "SIG repository package"

// Source is the Rocky Linux source.
type Source struct{ opts osv.Options }

// New returns the Rocky Linux source.
func New() *Source { return &Source{opts: Options()} }

// Name is "rocky".
func (*Source) Name() string { return Name }

// Locations is osv.dev's Rocky Linux export.
func (*Source) Locations() []string { return []string{OSVURL} }

// Options are the conversion rules of Rocky's OSV records.
func Options() osv.Options {
	return osv.Options{Source: Name, Mapping: Ecosystems, SkipAffected: func(_ *osv.Vuln, a *osv.Affected) string {
		if isSIG(a.Package.Purl) {
			return SkipSIG
		}
		return ""
	}}
}

// isSIG tells a package of a Rocky SIG repository by its purl's distro
// qualifier ("pkg:rpm/rocky-linux/kernel?distro=rocky-linux-8-sig-cloud&epoch=0").
func isSIG(purl string) bool {
	_, q, ok := strings.Cut(purl, "?")
	if !ok {
		return false
	}
	v, err := url.ParseQuery(q)
	if err != nil {
		return false
	}
	return strings.Contains(v.Get("distro"), "-sig-")
}

// Parse reads an OSV document (record, records, zip, tar) or an
// updateinfo.xml.
func (s *Source) Parse(ctx context.Context, doc source.Document, emit func(model.Advisory) error) error {
	br := bufio.NewReaderSize(doc.Body, 64<<10)
	head, _ := br.Peek(512)
	if bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n\ufeff"), []byte("<")) {
		_, err := ParseUpdateinfo(ctx, br, doc.Group, emit)
		if err != nil {
			return fmt.Errorf("%s: %w", doc.Name, err)
		}
		return nil
	}
	_, err := osv.Parse(ctx, br, doc.Name, &s.opts, emit)
	return err
}

// ParseUpdateinfo reads a Rocky repository's updateinfo.xml; group, when
// not empty, is the OS group of every update, else each update's
// <release> says.
func ParseUpdateinfo(ctx context.Context, r io.Reader, group string, emit func(model.Advisory) error) (updateinfo.Stats, error) {
	return updateinfo.Parse(ctx, r, updateinfo.Options{Source: Name, Group: func(u *updateinfo.Update) (string, error) {
		if group != "" {
			return group, nil
		}
		if g := updateGroup(u); g != "" {
			return g, nil
		}
		return "", fmt.Errorf("update %s: no Rocky Linux release 8 or 9 in <release>%s</release>: give the group with the location (rocky:9=PATH)", u.ID, u.Release)
	}}, emit)
}
