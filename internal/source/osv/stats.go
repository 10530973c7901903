package osv

import (
	"fmt"
	"strings"

	"github.com/pakiti-go/pakiti/internal/source"
)

// Stats counts what reading and converting did.
type Stats struct {
	// Files counts the JSON files (or archive members) read.
	Files int `json:"files"`
	// Vulns counts the OSV records read.
	Vulns int `json:"vulns"`
	// Records counts the advisory records emitted.
	Records int `json:"records"`
	// MultiFixed counts records whose package had several fixed versions
	// (the lowest was kept, see the package documentation).
	MultiFixed int `json:"multi_fixed,omitempty"`
	// Skipped counts, by reason, what was read but not emitted: withdrawn
	// records, unmapped ecosystems, members that are not JSON...
	Skipped map[string]int `json:"skipped,omitempty"`
}

// Skip counts one thing left out for reason.
func (s *Stats) Skip(reason string) {
	if s == nil {
		return
	}
	source.CountSkip(&s.Skipped, reason)
}

// SkippedTotal is the number of things skipped for any reason.
func (s Stats) SkippedTotal() int { return source.SkippedTotal(s.Skipped) }

// String is a one-line summary, reasons in name order.
func (s Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "files=%d vulns=%d records=%d multi_fixed=%d skipped=%d", s.Files, s.Vulns, s.Records, s.MultiFixed, s.SkippedTotal())
	source.WriteSkipped(&b, s.Skipped)
	return b.String()
}

// Reasons for skipping.
const (
	SkipWithdrawn      = "withdrawn record"
	SkipUnmapped       = "unmapped ecosystem"
	SkipBadName        = "invalid package name"
	SkipBadVersion     = "invalid version"
	SkipNoVersionInfo  = "affected entry without ranges or versions"
	SkipOtherRangeType = "range type other than ECOSYSTEM"
	SkipNotJSON        = "archive member that is not JSON"
	SkipBadRecord      = "record of the wrong shape"
	SkipNoID           = "record without id"
)

// Size limits. Real data stays far below each: the largest AlmaLinux
// record (a glibc advisory with 215 affected entries) is 78 KB, the
// largest Rocky one 129 KB. Package names, ids and versions must pass
// source.ValidName (at most source.MaxName bytes); others are skipped.
const (
	// MaxRecordBytes bounds one OSV record; larger is an error.
	MaxRecordBytes = 16 << 20
	// maxDescription and maxNote clip free text kept in a record.
	maxDescription = source.MaxDescription
	maxNote        = source.MaxNote
)
