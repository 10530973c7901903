package oracle

import (
	"bufio"
	"bytes"
	"context"
	"fmt"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// ELSAAll is Oracle's OVAL file of every ELSA.
const ELSAAll = "https://linux.oracle.com/security/oval/com.oracle.elsa-all.xml.bz2"

// Source is Oracle Linux's security data as a source.Source.
type Source struct {
	// TempDir holds the OVAL reader's spool ("" = os.TempDir).
	TempDir string
}

// New returns the Oracle source.
func New() *Source { return &Source{} }

// Name is "oracle".
func (*Source) Name() string { return "oracle" }

// Locations is the OVAL file of every ELSA (a per-year file,
// com.oracle.elsa-2023.xml.bz2, reads the same).
func (*Source) Locations() []string { return []string{ELSAAll} }

// Parse reads one ELSA OVAL document.
func (s *Source) Parse(ctx context.Context, doc source.Document, emit func(model.Advisory) error) error {
	br := bufio.NewReaderSize(doc.Body, 64<<10)
	head, _ := br.Peek(4096)
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(t) == 0 || t[0] != '<' || !bytes.Contains(head, []byte("oval_definitions")) {
		if len(t) > 60 {
			t = t[:60]
		}
		return fmt.Errorf("%s: not Oracle ELSA OVAL: starts %q", doc.Name, t)
	}
	if _, err := ParseOVAL(ctx, br, s.TempDir, emit); err != nil {
		return fmt.Errorf("%s: %w", doc.Name, err)
	}
	return nil
}
