package debian

import (
	"fmt"
	"strings"

	"github.com/pakiti-go/pakiti/internal/source"
)

// Stats counts what a parser read, emitted and left out.
type Stats struct {
	// Packages counts source packages read: the package objects of the
	// tracker JSON, the package lines ("[bookworm] - pkg ...") of the lists.
	Packages int `json:"packages"`
	// CVEs counts vulnerability ids read: the (package, id) objects of the
	// tracker JSON, the ids named in the DSA/DLA entries' {...} lines, the
	// entries of the CVE list.
	CVEs int `json:"cves"`
	// Advisories counts DSA or DLA entries (list parser only).
	Advisories int `json:"advisories,omitempty"`
	// Records counts the advisory records emitted.
	Records int `json:"records"`
	// Skipped counts, by reason, what was read but not emitted: an unknown
	// release, an entry with no package line, a REJECTED CVE... It counts
	// release objects (tracker JSON) and package lines (lists), except
	// "entry without package lines" and "CVE without releases", which
	// count entries.
	Skipped map[string]int `json:"skipped,omitempty"`
}

func (s *Stats) skip(reason string) { source.CountSkip(&s.Skipped, reason) }

// SkippedTotal is the number of records or lines skipped for any reason.
func (s Stats) SkippedTotal() int { return source.SkippedTotal(s.Skipped) }

// String is a one-line summary, reasons in name order.
func (s Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "packages=%d cves=%d", s.Packages, s.CVEs)
	if s.Advisories > 0 {
		fmt.Fprintf(&b, " advisories=%d", s.Advisories)
	}
	fmt.Fprintf(&b, " records=%d skipped=%d", s.Records, s.SkippedTotal())
	source.WriteSkipped(&b, s.Skipped)
	return b.String()
}

// Reasons for skipping, shared by the parsers. A reason may be followed by
// the offending name, as in `unknown release "experimental"`.
const (
	skipUnknownRelease = "unknown release"
	skipNoPackageLines = "entry without package lines"
	skipNoRelease      = "package line without release"
	skipMalformed      = "malformed package line"
	skipUnknownTag     = "unknown tag"
	skipITP            = "itp (package not in Debian)"
	skipRejected       = "rejected CVE"
	skipNotForUs       = "not-for-us entry with package lines"
	skipUnknownLine    = "unknown annotation"
	skipNonCVERef      = "non-CVE reference"
	skipUnknownStatus  = "unknown status"
	skipNoFixedVersion = "resolved without fixed_version"
	skipEmptyReleases  = "CVE without releases"
)
