package suse

import (
	"bufio"
	"bytes"
	"context"
	"fmt"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// OVALBase is where SUSE publishes its OVAL files.
const OVALBase = "https://ftp.suse.com/pub/projects/security/oval/"

// Source is SUSE's security data as a source.Source.
type Source struct {
	// TempDir holds the OVAL reader's spool ("" = os.TempDir).
	TempDir string
}

// New returns the SUSE source.
func New() *Source { return &Source{} }

// Name is "suse".
func (*Source) Name() string { return "suse" }

// Locations are the OVAL files of SUSE Linux Enterprise 12 and 15 (every
// service pack, patches and unfixed CVEs) and of openSUSE Leap 15.6.
// Other releases: name their files (OVALBase + "opensuse.leap.15.5.xml.gz").
func (*Source) Locations() []string {
	return []string{
		OVALBase + "suse.linux.enterprise.12.xml.gz",
		OVALBase + "suse.linux.enterprise.15.xml.gz",
		OVALBase + "opensuse.leap.15.6.xml.gz",
	}
}

// Parse reads one document: an OVAL file or a CSAF VEX document.
func (s *Source) Parse(ctx context.Context, doc source.Document, emit func(model.Advisory) error) error {
	br := bufio.NewReaderSize(doc.Body, 64<<10)
	head, _ := br.Peek(4096)
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	switch {
	case len(t) == 0:
		return fmt.Errorf("%s: empty document", doc.Name)
	case t[0] == '<' && bytes.Contains(head, []byte("oval_definitions")):
		if _, err := ParseOVAL(ctx, br, ParseOptions{Name: doc.Name, TempDir: s.TempDir}, emit); err != nil {
			return fmt.Errorf("%s: %w", doc.Name, err)
		}
		return nil
	case t[0] == '{':
		if _, err := ParseVEX(br, emit); err != nil {
			return fmt.Errorf("%s: %w", doc.Name, err)
		}
		return nil
	}
	return fmt.Errorf("%s: neither SUSE OVAL nor CSAF VEX: starts %q", doc.Name, clip(string(t), 60))
}
