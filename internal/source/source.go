// Package source is the vulnerability-data framework every vendor plugs
// into: the Source contract (where the data lives, how one document
// parses into advisory records), fetching from a URL, a local file or a
// mirror directory with fingerprints so unchanged data costs nothing, and
// decompression. Each vendor is a folder below this one.
package source

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// Document is one fetched file of a source, decompressed.
type Document struct {
	Name string    // base name, e.g. "json", "list", "DSA-list.txt" (compression suffix removed)
	Body io.Reader // the decompressed content, read once
	// Group is the OS group the admin named with the location
	// ("rocky:9=/mirror/updateinfo.xml.gz", see SplitGroup), or "": for
	// sources whose data does not say which OS group it is for.
	Group string
	// Binaries, when set, takes the binary -> source pairs a document
	// names besides its records, with their OS group (Ubuntu's OSV
	// records list the binaries each source builds): the importer files
	// them in the group's binary -> source map (BinaryNames), so that
	// protocol-5 hosts are keyed by them without a package index.
	Binaries func(group string, b Binary) error
}

// groupPrefix is an OS group followed by "=" at the start of a location.
var groupPrefix = regexp.MustCompile(`^([a-z][a-z0-9-]*:[A-Za-z0-9._-]+)=(.+)$`)

// SplitGroup splits the OS group an admin may put before a location,
// "GROUP=LOCATION": "rocky:9=/srv/repodata/updateinfo.xml.gz" gives
// "rocky:9" and the path. A location without one (a path, a URL) comes
// back whole with an empty group.
func SplitGroup(loc string) (group, rest string) {
	m := groupPrefix.FindStringSubmatch(loc)
	if m == nil {
		return "", loc
	}
	return m[1], m[2]
}

// Source is one vendor's security data.
type Source interface {
	// Name is the source's identifier on the command line and in the
	// database ("debian").
	Name() string
	// Locations are the vendor URLs fetched when no location is given.
	Locations() []string
	// Parse streams the records of one document to emit, in bounded
	// memory whatever the document's size. It fails on a document it does
	// not recognise.
	Parse(ctx context.Context, doc Document, emit func(model.Advisory) error) error
}

// Cataloguer is a source of CVE attributes rather than advisory records
// (CISA's known-exploited catalogue, internal/source/kev): the importer
// fetches its one document as any source's (conditional GET, unchanged
// skipped) and hands it to Load instead of Parse, which checks it whole
// and replaces the set in force in one transaction (recording the import
// run). No host is re-evaluated: a catalogue names no package.
type Cataloguer interface {
	Load(ctx context.Context, st *store.Store, run store.ImportRun, doc Document) (store.ImportResult, error)
}

// Registry holds the known sources by name.
type Registry struct {
	byName map[string]Source
}

// NewRegistry registers sources; a name given twice is a programming error.
func NewRegistry(sources ...Source) *Registry {
	r := &Registry{byName: map[string]Source{}}
	for _, s := range sources {
		if _, dup := r.byName[s.Name()]; dup {
			panic("source registered twice: " + s.Name())
		}
		r.byName[s.Name()] = s
	}
	return r
}

// Get returns the named source.
func (r *Registry) Get(name string) (Source, error) {
	s, ok := r.byName[name]
	if !ok {
		return nil, fmt.Errorf("unknown source %q (known: %v)", name, r.Names())
	}
	return s, nil
}

// Names lists the registered sources, sorted.
func (r *Registry) Names() []string {
	var n []string
	for k := range r.byName {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Binary maps a binary package to the key its distro files records under
// (for Debian, the source package it was built from).
type Binary struct {
	Name, Version, Arch, SourceName, SourceVersion string
}

// BinaryIndexer is a source that also reads a binary -> key index its
// distro provides (Debian's Packages indexes), for reports that do not
// name the key (protocol 5). The distro's match.Driver reads the index
// back (LearnsSources, Key); the importer only loads it and calls
// AfterIndex.
type BinaryIndexer interface {
	// BinaryIndexGroup tells whether the document at location (whose
	// first bytes are head) is a package index, and of which OS group.
	BinaryIndexGroup(location string, head []byte) (group string, ok bool, err error)
	ParseBinaries(ctx context.Context, doc Document, emit func(Binary) error) error
}

// Fleet tells what the hosts of a distribution report: their OS groups
// and machine architectures (uname -m, as report headers carry them).
// *store.Store is one.
type Fleet interface {
	FleetFacts(ctx context.Context, distro string) (groups, arches []string, err error)
}

// Planner is a source whose default locations depend on its
// configuration and on the fleet (Debian: the Packages indexes of the
// releases and architectures the hosts run). The importer asks it
// instead of Locations when no location is given; missing are the
// locations it would read but cannot (a local mirror without them),
// logged, not fatal.
type Planner interface {
	Plan(ctx context.Context, fleet Fleet) (locations, missing []string, err error)
}

// Optionaler is a source some of whose planned locations may be absent
// from their server (Debian: the indexes of an LTS or ELTS release the
// tracker still lists, which the archive may have moved away): a 404 on
// such a location is logged, as a local mirror's missing index is, and
// the import goes on without it.
type Optionaler interface {
	Optional(location string) bool
}

// Resolver is a source some of whose locations stand for others: a
// feed's pointer file (Red Hat's VEX archive_latest.txt names the day's
// archive) or a mirror directory laid out like the feed. The importer
// asks it of each location before expanding it; ok false leaves the
// location as it is.
type Resolver interface {
	Resolve(ctx context.Context, loc string) (locs []string, ok bool, err error)
}

// IndexSuiter tells which suite a package index location is of:
// "security" for a release's security suite, whose binaries the importer
// keeps apart (store.SecurityUpdate) so that hosts with an older version
// installed show an update available.
type IndexSuiter interface {
	IndexSuite(location string) string
}
