package localoval

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/oval"
	"github.com/pakiti-go/pakiti/internal/source"
)

// Name is the source's name.
const Name = "oval"

// Source is the local OVAL source.
type Source struct {
	// TempDir holds the OVAL reader's spool ("" = os.TempDir).
	TempDir string
}

// New returns the local OVAL source.
func New() *Source { return &Source{} }

// Name is "oval".
func (*Source) Name() string { return Name }

// Locations: none; an admin names each file with its OS group.
func (*Source) Locations() []string { return nil }

// Stats counts what one file gave.
type Stats struct {
	Definitions int `json:"definitions"`
	Deprecated  int `json:"deprecated,omitempty"`
	Unflattened int `json:"unflattened,omitempty"` // definitions of a shape oval.Flatten does not read
	NoRecord    int `json:"no_record,omitempty"`   // flattened, but naming no CVE or advisory in a reference
	Records     int `json:"records"`
}

// Parse reads one OVAL file for the location's OS group.
func (s *Source) Parse(ctx context.Context, doc source.Document, emit func(model.Advisory) error) error {
	if doc.Group == "" {
		return fmt.Errorf("%s: name the OS group the OVAL file is for: GROUP=PATH (e.g. debian:11=%s)", doc.Name, doc.Name)
	}
	st, err := ParseFile(ctx, doc.Body, doc.Group, s.TempDir, emit)
	if err != nil {
		return fmt.Errorf("%s: %w", doc.Name, err)
	}
	if st.Records == 0 { // an import that loads nothing must not pass for data of the group
		return fmt.Errorf("%s: no record read from its %d definitions (%d deprecated, %d of a shape this reader does not read, %d naming no CVE or advisory in a reference)",
			doc.Name, st.Definitions, st.Deprecated, st.Unflattened, st.NoRecord)
	}
	return nil
}

// ParseFile reads an OVAL definitions document and emits its records, all
// for group.
func ParseFile(ctx context.Context, r io.Reader, group, tempDir string, emit func(model.Advisory) error) (Stats, error) {
	var st Stats
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4096)
	if t := bytes.TrimLeft(head, " \t\r\n\ufeff"); len(t) == 0 || t[0] != '<' || !bytes.Contains(head, []byte("oval_definitions")) {
		return st, fmt.Errorf("not an OVAL definitions document")
	}
	p := oval.Parser{TempDir: tempDir}
	err := p.Parse(ctx, br, func(d *oval.Definition) error {
		st.Definitions++
		if d.Deprecated {
			st.Deprecated++
			return nil
		}
		dropApplicability(d.Criteria)
		bs, err := oval.Flatten(d)
		if errors.Is(err, oval.ErrShape) {
			st.Unflattened++
			return nil
		}
		if err != nil {
			return err
		}
		var recs []model.Advisory
		for _, b := range bs {
			rs, _ := oval.Advisories(d, []oval.Branch{b}, oval.RecordOptions{Source: Name, Groups: func(oval.Branch) []string { return []string{group} }})
			recs = append(recs, rs...)
			recs = append(recs, binaryRecords(rs, b)...)
		}
		if len(recs) == 0 {
			st.NoRecord++
		}
		for _, a := range recs {
			if a.Status == model.StatusFixed && (a.FixedVersion == "0" || a.FixedVersion == "0:0") {
				// Debian's OVAL writes "earlier than 0" for a release the
				// CVE never affected (the tracker's fixed_version "0").
				a.Status, a.FixedVersion = model.StatusNotAffected, ""
			}
			st.Records++
			if err := emit(a); err != nil {
				return err
			}
		}
		return nil
	})
	return st, err
}

// dropApplicability removes from a definition's conjunctions the
// extend_definition nodes marked applicability_check (Ubuntu's "Ubuntu
// 18.04 LTS (bionic) is installed."): they say which platform the
// definition is for, which the admin's OS group already says. An
// extend_definition of any other kind stays, and Flatten refuses it.
func dropApplicability(n *oval.Node) {
	if n == nil || !n.IsCriteria() {
		return
	}
	if n.Operator == "" || n.Operator == oval.OpAND {
		kept := n.Children[:0]
		for _, c := range n.Children {
			if c.DefinitionRef != "" && c.ApplicabilityCheck && !c.Negate && len(n.Children) > 1 {
				continue
			}
			kept = append(kept, c)
		}
		n.Children = kept
	}
	for _, c := range n.Children {
		dropApplicability(c)
	}
}

// binaryRecords repeats a branch's records under each binary its test's
// variable lists (Ubuntu's OVAL), but the one named like the source: an
// installed package the ubuntu driver keys by its binary name (a
// protocol-5 report, no binary -> source map known) meets them at its
// own version, as Ubuntu's OVAL compares it; one keyed by its source
// meets the source's record. A package has one key, so no host meets
// both.
//
// A kernel source's binaries (linux, linux-aws, linux-hwe-5.15...: images,
// headers, modules, tools, thousands of them, each in hundreds of CVE
// definitions) are not repeated: the ubuntu driver keys an image by its
// source whatever the report says, and never counts the others.
func binaryRecords(recs []model.Advisory, b oval.Branch) []model.Advisory {
	var out []model.Advisory
	for _, bin := range b.Binaries {
		if bin == b.Package || strings.HasPrefix(b.Package, "linux") && strings.HasPrefix(bin, "linux-") {
			continue
		}
		for _, a := range recs {
			a.Package = bin
			out = append(out, a)
		}
	}
	return out
}
