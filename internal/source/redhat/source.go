package redhat

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// OVALv2Base is where Red Hat publishes OVAL v2, one directory per major.
const OVALv2Base = "https://security.access.redhat.com/data/oval/v2/"

// Source is Red Hat's security data as a source.Source.
type Source struct {
	// TempDir holds the OVAL reader's spool ("" = os.TempDir).
	TempDir string
	// VEX is where the CSAF VEX feed is read by default (vexfeed.go):
	// its archive_latest.txt or directory, as a URL or a local mirror
	// directory; "" is VEXBase, NoVEX leaves it out.
	VEX string
	// Client fetches archive_latest.txt (nil: a client with a minute's
	// timeout).
	Client *http.Client
}

// New returns the Red Hat source.
func New() *Source { return &Source{} }

// Name is "redhat".
func (*Source) Name() string { return "redhat" }

// Locations are the OVAL v2 files, unpatched CVEs included, of RHEL 7 to
// 10, then the CSAF VEX feed's archive_latest.txt (Resolve turns it into
// the day's archive at import).
func (s *Source) Locations() []string {
	var out []string
	for _, n := range []string{"7", "8", "9", "10"} {
		out = append(out, OVALv2Base+"RHEL"+n+"/rhel-"+n+"-including-unpatched.oval.xml.bz2")
	}
	if f := s.vexFeed(); f != "" {
		out = append(out, f)
	}
	return out
}

// Parse reads one document: an OVAL v1 or v2 file, a CSAF document (a VEX
// file of one CVE, or an advisory of one RHSA), or the bulk VEX archive
// (csaf_vex_YYYY-MM-DD.tar.zst).
func (s *Source) Parse(ctx context.Context, doc source.Document, emit func(model.Advisory) error) error {
	br := bufio.NewReaderSize(doc.Body, 64<<10)
	head, _ := br.Peek(4096)
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	switch {
	case len(t) == 0:
		return fmt.Errorf("%s: empty document", doc.Name)
	case t[0] == '<' && bytes.Contains(head, []byte("oval_definitions")):
		_, err := ParseOVAL(ctx, br, ParseOptions{Name: doc.Name, TempDir: s.TempDir}, emit)
		if err != nil {
			return fmt.Errorf("%s: %w", doc.Name, err)
		}
		return nil
	case bytes.HasPrefix(head, zstdMagic):
		if _, err := ParseArchive(ctx, br, emit); err != nil {
			return fmt.Errorf("%s: %w", doc.Name, err)
		}
		return nil
	case t[0] == '{':
		if _, err := ParseVEX(br, emit); err != nil {
			return fmt.Errorf("%s: %w", doc.Name, err)
		}
		return nil
	}
	return fmt.Errorf("%s: neither Red Hat OVAL nor CSAF: starts %q", doc.Name, clip(t))
}

func clip(b []byte) string {
	if len(b) > 60 {
		b = b[:60]
	}
	return string(b)
}
