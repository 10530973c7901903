package ubuntu

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/apt"
)

// TrackerURL is a tarball of the Ubuntu CVE tracker's git repository
// (Launchpad's cgit snapshot of the master branch), fetched by default.
const TrackerURL = "https://git.launchpad.net/ubuntu-cve-tracker/snapshot/ubuntu-cve-tracker-master.tar.gz"

// Source is the Ubuntu CVE tracker as a source.Source. It reads a tarball
// of the tracker (gzip undone by the framework) or one CVE file, Ubuntu's
// OSV records (a JSON record or array, a zip or tar of them; osv.go),
// telling them apart by content, and apt Packages indexes of the Ubuntu
// archive.
type Source struct {
	Archive Archive // where the default source set reads
}

// New returns the Ubuntu source reading Ubuntu's own archives.
func New() *Source { return &Source{} }

// NewWith returns the Ubuntu source reading the given archive.
func NewWith(a Archive) *Source { return &Source{Archive: a} }

// Name is "ubuntu".
func (*Source) Name() string { return "ubuntu" }

// Locations is the default source set without fleet: the tracker
// tarball and the Packages indexes of the default releases for the
// configured arches (DefaultArches when none).
func (s *Source) Locations() []string {
	locs, _, _ := s.Archive.Plan(context.Background(), nil)
	return locs
}

// Plan is the default source set for the fleet: the tracker, and the
// Packages indexes of the release, -security and -updates pockets of the
// default releases and those the fleet runs, for the fleet's arches.
func (s *Source) Plan(ctx context.Context, fleet source.Fleet) (locations, missing []string, err error) {
	return s.Archive.Plan(ctx, fleet)
}

// IndexSuite is the pocket of a Packages index location (see the
// function IndexSuite).
func (*Source) IndexSuite(location string) string { return IndexSuite(location) }

// housekeeping are the files beside the tracker's CVE files or OSV
// records that carry no record: a directory of them given file by file is
// read without error.
func housekeeping(name string) bool {
	switch {
	case name == "Makefile", name == "not-for-us.txt", name == "ignore-mistriaged.txt",
		strings.HasPrefix(name, "00boilerplate"), strings.HasPrefix(name, "10autotriage"),
		// beside OSV records (a checkout of ubuntu-security-notices, a
		// folder of samples):
		strings.HasPrefix(name, "README"), strings.HasPrefix(name, "LICENSE"), name == "PROVENANCE.tsv":
		return true
	}
	return false
}

// Parse reads one document: a tar archive of the tracker (ParseTar) or
// one CVE file (ParseCVEFile).
func (*Source) Parse(ctx context.Context, doc source.Document, emit func(model.Advisory) error) error {
	br := bufio.NewReaderSize(doc.Body, 64<<10)
	head, _ := br.Peek(512)
	switch {
	case isTar(head):
		_, err := ParseTarBinaries(ctx, br, emit, doc.Binaries)
		return err
	case housekeeping(path.Base(doc.Name)):
		return nil
	case isOSVDocument(head):
		_, err := ParseOSVBinaries(ctx, br, doc.Name, emit, doc.Binaries)
		return err
	case isCVEFile(head):
		_, err := ParseCVEFile(br, emit)
		return err
	case bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n"), []byte("Package:")):
		return fmt.Errorf("%s: this is an apt Packages index, not tracker data", doc.Name)
	}
	line, _, _ := bytes.Cut(bytes.TrimLeft(head, " \t\r\n"), []byte("\n"))
	if len(line) > 60 {
		line = line[:60]
	}
	return fmt.Errorf("%s: not Ubuntu CVE tracker data (a tarball of active/ retired/ ignored/, or a CVE file) nor Ubuntu OSV records (JSON, a zip or tar of them): starts %q", doc.Name, line)
}

// isTar recognises a POSIX or GNU tar header by its magic at offset 257.
func isTar(head []byte) bool {
	return len(head) >= 262 && bytes.Equal(head[257:262], []byte("ustar"))
}

// isCVEFile recognises a tracker file by its first field line (indented
// continuation lines passed over: 8 files of the 2020 snapshot start
// with a CVSS: block, retired/CVE-2005-0109 "CVSS:\n nvd: CVSS:3.0/...").
func isCVEFile(head []byte) bool {
	for _, l := range bytes.Split(head, []byte("\n")) {
		l = bytes.TrimRight(l, " \t\r")
		if len(l) == 0 || l[0] == '#' || l[0] == ' ' || l[0] == '\t' {
			continue
		}
		for _, f := range []string{"Candidate:", "PublicDate:", "PublicDateAtUSN:", "References:", "CRD:", "CVSS:"} {
			if bytes.HasPrefix(l, []byte(f)) {
				return true
			}
		}
		return false
	}
	return false
}

// BinaryIndexGroup recognises an apt Packages index of the Ubuntu archive
// and finds its release from the location: a codename as a path element
// or file-name part (dists/bionic-security/main/binary-amd64/Packages.gz,
// bionic-updates_main_binary-amd64_Packages.gz).
func (*Source) BinaryIndexGroup(location string, head []byte) (string, bool, error) {
	if !bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n"), []byte("Package:")) {
		return "", false, nil
	}
	// In an archive layout the release follows "dists/": the directories
	// above it may hold anything ("/srv/focal-mirror/dists/jammy/...").
	if i := strings.LastIndex(filepath.ToSlash(location), "/dists/"); i >= 0 {
		location = location[i+len("/dists/"):]
	}
	for _, part := range strings.FieldsFunc(location, func(r rune) bool { return r == '/' || r == '\\' || r == '_' || r == '-' || r == '.' }) {
		if g, ok := OSGroup(part); ok {
			return g, true, nil
		}
	}
	return "", true, fmt.Errorf("%s is a Packages index, but its Ubuntu release is not in its path (name it like dists/jammy/.../Packages or jammy_main_binary-amd64_Packages)", location)
}

// ParseBinaries reads an apt Packages index: the format is Debian's, and
// so is the parser (the neutral package apt).
func (*Source) ParseBinaries(ctx context.Context, doc source.Document, emit func(source.Binary) error) error {
	_, err := apt.ParsePackagesIndex(ctx, doc.Body, func(b apt.Binary) error {
		return emit(source.Binary{Name: b.Name, Version: b.Version, Arch: b.Arch, SourceName: b.Source, SourceVersion: b.SourceVersion})
	})
	return err
}
