package debian

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// TrackerURL is the security tracker's complete JSON view, fetched by
// default.
const TrackerURL = "https://security-tracker.debian.org/tracker/data/json"

// Source is the Debian security tracker as a source.Source: it reads the
// tracker JSON, the DSA and DLA lists and data/CVE/list, telling them
// apart by their content, and the archive's Packages indexes.
type Source struct {
	Archive Archive // where the default source set reads
}

// New returns the Debian source reading Debian's own archives.
func New() *Source { return &Source{} }

// NewWith returns the Debian source reading the given archive.
func NewWith(a Archive) *Source { return &Source{Archive: a} }

// Name is "debian".
func (*Source) Name() string { return "debian" }

// Locations is the default source set without fleet: the tracker JSON
// and the Packages indexes of the default releases for the configured
// arches (DefaultArches when none).
func (s *Source) Locations() []string {
	locs, _, _ := s.Archive.Plan(context.Background(), nil)
	return locs
}

// Plan is the default source set for the fleet: the tracker JSON, and
// the Packages indexes of main, -security and -updates of the supported
// releases and those the fleet runs, for the fleet's arches.
func (s *Source) Plan(ctx context.Context, fleet source.Fleet) (locations, missing []string, err error) {
	return s.Archive.Plan(ctx, fleet)
}

// IndexSuite is the suite kind of a Packages index location (see the
// function IndexSuite).
func (*Source) IndexSuite(location string) string { return IndexSuite(location) }

// Parse reads one document, whichever of the tracker's formats it is.
func (*Source) Parse(ctx context.Context, doc source.Document, emit func(model.Advisory) error) error {
	br := bufio.NewReaderSize(doc.Body, 64<<10)
	kind, err := sniff(br)
	if err != nil {
		return fmt.Errorf("%s: %w", doc.Name, err)
	}
	switch kind {
	case "json":
		_, err = ParseTrackerJSON(ctx, br, emit)
	case "DSA", "DLA":
		_, err = ParseAdvisoryList(ctx, br, kind, emit)
	case "CVE":
		_, err = ParseCVEList(ctx, br, emit)
	}
	return err
}

// sniff tells the format from the first bytes.
func sniff(br *bufio.Reader) (string, error) {
	head, _ := br.Peek(4096)
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(t) == 0 {
		return "", fmt.Errorf("empty document")
	}
	if t[0] == '{' {
		return "json", nil
	}
	line, _, _ := bytes.Cut(t, []byte("\n"))
	switch {
	case bytes.HasPrefix(line, []byte("[")) && bytes.Contains(line, []byte("] DSA-")):
		return "DSA", nil
	case bytes.HasPrefix(line, []byte("[")) && bytes.Contains(line, []byte("] DLA-")):
		return "DLA", nil
	case bytes.HasPrefix(line, []byte("CVE-")) || bytes.HasPrefix(line, []byte("TEMP-")):
		return "CVE", nil
	case bytes.HasPrefix(line, []byte("Package:")):
		return "", fmt.Errorf("this is an apt Packages index, not security data")
	}
	return "", fmt.Errorf("not a Debian security tracker document (tracker JSON, DSA/DLA list or CVE list): starts %q", clipBytes(line))
}

func clipBytes(b []byte) string {
	if len(b) > 60 {
		b = b[:60]
	}
	return string(b)
}

// BinaryIndexGroup recognises an apt Packages index and finds its release
// from the location: a codename as a path element or as the start of the
// file name (dists/bookworm/main/binary-amd64/Packages.gz,
// bookworm-security_main_binary-amd64_Packages.gz).
func (*Source) BinaryIndexGroup(location string, head []byte) (string, bool, error) {
	t := bytes.TrimLeft(head, " \t\r\n")
	if !bytes.HasPrefix(t, []byte("Package:")) {
		return "", false, nil
	}
	// In an archive layout the release follows "dists/": the directories
	// above it may hold anything ("/home/sid/mirror/dists/bookworm/...").
	if i := strings.LastIndex(filepath.ToSlash(location), "/dists/"); i >= 0 {
		location = location[i+len("/dists/"):]
	}
	for _, part := range strings.FieldsFunc(location, func(r rune) bool { return r == '/' || r == '\\' || r == '_' || r == '-' || r == '.' }) {
		if g, ok := OSGroup(part); ok {
			return g, true, nil
		}
	}
	return "", true, fmt.Errorf("%s is a Packages index, but its release is not in its path (name it like dists/bookworm/.../Packages or bookworm_main_binary-amd64_Packages)", location)
}

// ParseBinaries reads an apt Packages index.
func (*Source) ParseBinaries(ctx context.Context, doc source.Document, emit func(source.Binary) error) error {
	_, err := ParsePackagesIndex(ctx, doc.Body, func(b Binary) error {
		return emit(source.Binary{Name: b.Name, Version: b.Version, Arch: b.Arch, SourceName: b.Source, SourceVersion: b.SourceVersion})
	})
	return err
}
