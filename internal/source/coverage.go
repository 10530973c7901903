package source

import (
	"io"
	"maps"
	"slices"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// Parsed is what the importer saw of one document a source parsed: enough
// for the source to say what the document is (Coverer).
type Parsed struct {
	Name     string // Document.Name
	Location string // where it was read
	Group    string // Document.Group
	// Head is the document's first bytes (up to HeadSize), decompressed.
	Head []byte
	// Packages counts, per OS group, the distinct packages the document
	// gave records of.
	Packages map[string]int
	// Newest is the newest record's Published date (zero when none says).
	Newest time.Time
}

// HeadSize is how much of a document Parsed.Head keeps.
const HeadSize = 4096

// Coverage is what a source says of one document it parsed.
type Coverage struct {
	// Part names the kind of document: a later document of the same part
	// replaces its records, documents of other parts keep theirs ("dsa-list",
	// "oval rhel:9"). "" is the document's location.
	Part string
	// Complete are the OS groups whose data the document holds completely:
	// a host of such a group with no finding from it has none known. A
	// document that names a release only in passing (an excerpt, an
	// advisory list that only says what was fixed) covers nothing
	// completely.
	Complete []string
}

// Coverer is a source that says, of each document it parsed, which part
// of its data it is and which OS groups it covers completely. A source
// that is not a Coverer fills one part per location and covers nothing
// completely: its hosts are shown with partial data, never as clean.
type Coverer interface {
	Coverage(p Parsed) Coverage
}

// TreeCoverer is a Coverer whose files given one by one (a directory laid
// out like the vendor's tree) may together be a release's whole data,
// though no one of them is: after the last document of an import, it is
// asked, for each part, which OS groups the part's documents cover
// completely together, from their locations and the distinct packages
// they gave records of per OS group.
type TreeCoverer interface {
	TreeCoverage(part string, locations []string, packages map[string]int) []string
}

// treeTally gathers, per part, the locations and the distinct packages
// per OS group of an import's documents, for a TreeCoverer.
type treeTally struct {
	order []string
	parts map[string]*treePart
}

type treePart struct {
	locations []string
	pkgs      map[string]map[string]bool
}

func (tt *treeTally) add(part string, t *tally) {
	if tt.parts == nil {
		tt.parts = map[string]*treePart{}
	}
	p := tt.parts[part]
	if p == nil {
		p = &treePart{pkgs: map[string]map[string]bool{}}
		tt.parts[part] = p
		tt.order = append(tt.order, part)
	}
	p.locations = append(p.locations, t.p.Location)
	for g, names := range t.pkgs {
		m := p.pkgs[g]
		if m == nil {
			m = map[string]bool{}
			p.pkgs[g] = m
		}
		for n := range names {
			m[n] = true
		}
	}
}

// complete asks tc, part by part, what the documents cover together.
func (tt *treeTally) complete(tc TreeCoverer, each func(part string, groups []string) error) error {
	for _, name := range tt.order {
		p := tt.parts[name]
		counts := map[string]int{}
		for g, m := range p.pkgs {
			counts[g] = len(m)
		}
		if groups := tc.TreeCoverage(name, p.locations, counts); len(groups) > 0 {
			if err := each(name, groups); err != nil {
				return err
			}
		}
	}
	return nil
}

// coverageOf asks src about a parsed document.
func coverageOf(src Source, p Parsed) Coverage {
	var c Coverage
	if cv, ok := src.(Coverer); ok {
		c = cv.Coverage(p)
	}
	if c.Part == "" {
		c.Part = p.Location
	}
	return c
}

// GroupsWithAtLeast lists, sorted, the OS groups of p with records of at
// least n distinct packages: a source's rule for telling a release's whole
// data from an excerpt of it.
func (p Parsed) GroupsWithAtLeast(n int) []string {
	var out []string
	for _, g := range slices.Sorted(maps.Keys(p.Packages)) {
		if p.Packages[g] >= n {
			out = append(out, g)
		}
	}
	return out
}

// Groups lists, sorted, the OS groups p has records of.
func (p Parsed) Groups() []string { return p.GroupsWithAtLeast(1) }

// tally collects a Parsed while a document is parsed.
type tally struct {
	head []byte
	pkgs map[string]map[string]bool
	p    Parsed
}

func newTally(name, location, group string) *tally {
	return &tally{pkgs: map[string]map[string]bool{}, p: Parsed{Name: name, Location: location, Group: group}}
}

// reader keeps the first HeadSize bytes read through it.
func (t *tally) reader(r io.Reader) io.Reader { return &headReader{r: r, t: t} }

func (t *tally) record(a model.Advisory) {
	m := t.pkgs[a.OSGroup]
	if m == nil {
		m = map[string]bool{}
		t.pkgs[a.OSGroup] = m
	}
	m[a.Package] = true
	if a.Published.After(t.p.Newest) {
		t.p.Newest = a.Published
	}
}

func (t *tally) parsed() Parsed {
	p := t.p
	p.Head = t.head
	p.Packages = map[string]int{}
	for g, m := range t.pkgs {
		p.Packages[g] = len(m)
	}
	return p
}

type headReader struct {
	r io.Reader
	t *tally
}

func (h *headReader) Read(b []byte) (int, error) {
	n, err := h.r.Read(b)
	if k := min(n, HeadSize-len(h.t.head)); k > 0 {
		h.t.head = append(h.t.head, b[:k]...)
	}
	return n, err
}
