package alpine

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/version"
)

// SourceSecdb is the Source field of every record.
const SourceSecdb = "alpine-secdb"

// NotAffectedKey is the secfixes key that lists the ids that never
// affected Alpine's build of the package.
const NotAffectedKey = "0"

// Limits on what the readers accept; real files stay far below each (the
// longest real line is under 120 bytes, the most ids of one package about
// 700 for xen and firefox). Package names, versions and ids must pass
// source.ValidName (at most source.MaxName bytes).
const (
	maxLine          = 64 << 10       // YAML: longest line
	maxJSONValue     = 1 << 20        // JSON: bytes of one token beyond the last one read
	maxNote          = source.MaxNote // free text kept in Note
	maxIDsPerPackage = 100000         // distinct ids of one package
	maxPending       = 200000         // records held while distroversion is not yet known
)

// Stats counts what a reader read and emitted.
type Stats struct {
	Packages    int `json:"packages"`     // pkg entries read
	Items       int `json:"items"`        // list items (lines of ids) read
	Records     int `json:"records"`      // records emitted
	NotAffected int `json:"not_affected"` // of which under the "0" key
	NonCVE      int `json:"non_cve"`      // of which with an id that is not a CVE (XSA-..., wnpa-sec-...)
	// Duplicates counts ids listed again for the same package (under
	// another version, or twice under one); one record is kept.
	Duplicates int `json:"duplicates"`
	// InvalidVersions counts records whose fixed version apk cannot read
	// to its end (see ComparableFixedVersion).
	InvalidVersions int `json:"invalid_versions,omitempty"`
	// Repaired counts ids read from a misspelt item, by the item as
	// written ("CVE_2019-2426"); the record's Note keeps the original too.
	Repaired map[string]int `json:"repaired,omitempty"`
}

func (s *Stats) repaired(raw string) {
	if s.Repaired == nil {
		s.Repaired = map[string]int{}
	}
	if len(s.Repaired) < 64 {
		s.Repaired[source.Clip(raw, 60)]++
	}
}

var (
	cveRE = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)
	// otherIDRE is a vendor or project id: XSA-207, TALOS-2019-0844,
	// ZBX-11023, wnpa-sec-2017-18, GHSA-xxxx-xxxx-xxxx, ALPINE-13661.
	otherIDRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)+$`)
	// The misspellings found in the real secdb, each mapped to the CVE id.
	cveUnderscoreRE = regexp.MustCompile(`^CVE_([0-9]{4}-[0-9]{4,})$`)            // CVE_2019-2426
	cvePatchRE      = regexp.MustCompile(`^(CVE-[0-9]{4}-[0-9]{4,})\.patch$`)     // CVE-2019-19451.patch
	cvePartRE       = regexp.MustCompile(`^(CVE-[0-9]{4}-[0-9]{4,})-[0-9]{1,2}$`) // CVE-2017-17434-1 (a fix in two patches)
	yearNumRE       = regexp.MustCompile(`^[0-9]{4}-[0-9]{4,}$`)                  // "CVE 2018-16859": the part after the blank
	// cvePlaceholderRE is "CVE-????-?????", written before a CVE was
	// assigned ("CVE-????-?????  XSA-295"): the item's id is the other one.
	cvePlaceholderRE = regexp.MustCompile(`^CVE-\?+-\?+$`)
)

// item is what one list item says.
type item struct {
	ids      []string // the ids the item fixes: its CVEs, or its one other id when it names no CVE
	advisory string   // a non-CVE id given beside CVEs (XSA-182 beside CVE-2016-6258)
	note     string   // the rest of the text: "(SMB)", "XPTI"
	repaired string   // the item as written, when an id had to be repaired
}

// parseItem reads the text of one list item. The first word must be an id
// (or one of the misspellings above); the others are more CVE ids, an
// advisory id, or free text kept in note. An item that does not start with
// an id is an error.
func parseItem(text string) (item, error) {
	var it item
	words := strings.Fields(text)
	if len(words) == 0 {
		return it, fmt.Errorf("empty list item")
	}
	var rest []string
	var others []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if strings.HasPrefix(w, "(") {
			rest = append(rest, words[i:]...)
			break
		}
		switch {
		case cveRE.MatchString(w):
			it.ids = append(it.ids, w)
			continue
		case w == "CVE" && i+1 < len(words) && yearNumRE.MatchString(words[i+1]):
			it.ids = append(it.ids, "CVE-"+words[i+1])
			it.repaired = text
			i++
			continue
		}
		if cvePlaceholderRE.MatchString(w) {
			it.repaired = text
			continue
		}
		if m := cveUnderscoreRE.FindStringSubmatch(w); m != nil {
			it.ids, it.repaired = append(it.ids, "CVE-"+m[1]), text
			continue
		}
		if m := cvePatchRE.FindStringSubmatch(w); m != nil {
			it.ids, it.repaired = append(it.ids, m[1]), text
			continue
		}
		if m := cvePartRE.FindStringSubmatch(w); m != nil {
			it.ids, it.repaired = append(it.ids, m[1]), text
			continue
		}
		if otherIDRE.MatchString(w) && strings.ContainsAny(w, "0123456789") && len(w) <= source.MaxName {
			others = append(others, w)
			continue
		}
		if i == 0 {
			return it, fmt.Errorf("list item %q does not start with an id", source.Clip(text, 60))
		}
		rest = append(rest, w)
	}
	switch {
	case len(it.ids) > 0 && len(others) > 0:
		it.advisory = others[0]
		rest = append(others[1:], rest...)
	case len(it.ids) == 0 && len(others) == 0:
		return it, fmt.Errorf("list item %q names no id", source.Clip(text, 60))
	case len(it.ids) == 0:
		it.ids = others[:1]
		rest = append(others[1:], rest...)
	}
	it.note = source.Clip(strings.Join(rest, " "), maxNote)
	return it, nil
}

// collector turns the (package, version, item) triples of either format
// into records: one per (package, id), emitted when the package ends. It
// holds the records back while the document's distroversion is unknown.
type collector struct {
	ctx     context.Context
	emit    func(model.Advisory) error
	st      *Stats
	group   string
	pending []model.Advisory

	pkg     string
	hasName bool
	byID    map[string]int
	entries []entry
}

type entry struct {
	id, version, advisory, note string
	repaired                    string
	also                        []string // other versions the id is listed under
}

func newCollector(ctx context.Context, st *Stats, emit func(model.Advisory) error) *collector {
	return &collector{ctx: ctx, emit: emit, st: st, byID: map[string]int{}}
}

// setGroup records the document's distroversion and releases the records
// held back.
func (c *collector) setGroup(distroversion string) error {
	if c.group != "" {
		return fmt.Errorf("distroversion given twice")
	}
	g, ok := OSGroup(distroversion)
	if !ok {
		return fmt.Errorf("distroversion %q is not an Alpine branch (v3.NN or edge)", source.Clip(distroversion, 40))
	}
	c.group = g
	for _, a := range c.pending {
		a.OSGroup = g
		if err := c.out(a); err != nil {
			return err
		}
	}
	c.pending = nil
	return nil
}

// startPackage begins a pkg entry.
func (c *collector) startPackage() {
	c.pkg, c.hasName = "", false
	clear(c.byID)
	c.entries = c.entries[:0]
	c.st.Packages++
}

func (c *collector) setName(name string) error {
	if c.hasName {
		return fmt.Errorf("package name given twice")
	}
	if !source.ValidName(name) {
		return fmt.Errorf("package name %q is empty, too long or has blanks or control bytes", source.Clip(name, 60))
	}
	c.pkg, c.hasName = name, true
	return nil
}

// add records that version fixes what the item names.
func (c *collector) add(ver, text string) error {
	if !source.ValidName(ver) {
		return fmt.Errorf("secfixes key %q is empty, too long or has blanks or control bytes", source.Clip(ver, 60))
	}
	c.st.Items++
	it, err := parseItem(text)
	if err != nil {
		return err
	}
	if it.repaired != "" {
		c.st.repaired(it.repaired)
	}
	for _, id := range it.ids {
		if i, ok := c.byID[id]; ok {
			c.st.Duplicates++
			e := &c.entries[i]
			if later(ver, e.version) {
				e.also = append(e.also, e.version)
				e.version = ver
				if it.advisory != "" {
					e.advisory = it.advisory
				}
			} else if ver != e.version {
				e.also = append(e.also, ver)
			}
			continue
		}
		if len(c.entries) >= maxIDsPerPackage {
			return fmt.Errorf("more than %d ids for one package", maxIDsPerPackage)
		}
		c.byID[id] = len(c.entries)
		c.entries = append(c.entries, entry{id: id, version: ver, advisory: it.advisory, note: it.note, repaired: it.repaired})
	}
	return nil
}

// later tells whether version a should replace b as an id's fixed
// version: a fix beats "0" (listed as fixed somewhere, so assume it was
// affected), and a higher version beats a lower one (secfixes keep the
// history of older branches, so an id can be listed under a backport
// and again under the branch's own version; the higher one is the safe
// choice, as a host of a branch only has versions of that branch's line).
func later(a, b string) bool {
	if b == NotAffectedKey {
		return a != NotAffectedKey
	}
	if a == NotAffectedKey {
		return false
	}
	return version.APK.Compare(a, b) > 0
}

// endPackage emits the records of the package read.
func (c *collector) endPackage() error {
	if !c.hasName {
		return fmt.Errorf("pkg entry without a name")
	}
	for _, e := range c.entries {
		a := model.Advisory{
			Source:     SourceSecdb,
			OSGroup:    c.group,
			Package:    c.pkg,
			CVE:        e.id,
			AdvisoryID: e.advisory,
			Temporary:  !cveRE.MatchString(e.id),
		}
		if e.version == NotAffectedKey {
			a.Status = model.StatusNotAffected
			c.st.NotAffected++
		} else {
			a.Status, a.FixedVersion = model.StatusFixed, e.version
			if !apkValidRE.MatchString(e.version) {
				c.st.InvalidVersions++
			}
		}
		if a.Temporary {
			c.st.NonCVE++
		}
		var notes []string
		if e.note != "" {
			notes = append(notes, e.note)
		}
		if e.repaired != "" {
			notes = append(notes, fmt.Sprintf("secdb writes %q", e.repaired))
		}
		if len(e.also) > 0 {
			notes = append(notes, "also listed under "+strings.Join(e.also, ", "))
		}
		a.Note = source.Clip(strings.Join(notes, "; "), maxNote)
		if c.group == "" {
			if len(c.pending) >= maxPending {
				return fmt.Errorf("more than %d records before distroversion", maxPending)
			}
			c.pending = append(c.pending, a)
			continue
		}
		if err := c.out(a); err != nil {
			return err
		}
	}
	return nil
}

func (c *collector) out(a model.Advisory) error {
	if err := c.emit(a); err != nil {
		return err
	}
	c.st.Records++
	return nil
}

// finish ends the document.
func (c *collector) finish() error {
	if c.group == "" {
		return fmt.Errorf("no distroversion")
	}
	return nil
}
