package osv

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
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

// maxSkipReasons bounds the distinct reasons kept, since some carry a name
// taken from the input; further reasons are counted under "other".
const maxSkipReasons = 64

// Skip counts one thing left out for reason.
func (s *Stats) Skip(reason string) {
	if s == nil {
		return
	}
	if s.Skipped == nil {
		s.Skipped = make(map[string]int)
	}
	if _, ok := s.Skipped[reason]; !ok && len(s.Skipped) >= maxSkipReasons {
		reason = "other"
	}
	s.Skipped[reason]++
}

// SkippedTotal is the number of things skipped for any reason.
func (s Stats) SkippedTotal() int {
	n := 0
	for _, c := range s.Skipped {
		n += c
	}
	return n
}

// String is a one-line summary, reasons in name order.
func (s Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "files=%d vulns=%d records=%d multi_fixed=%d skipped=%d", s.Files, s.Vulns, s.Records, s.MultiFixed, s.SkippedTotal())
	for _, k := range slices.Sorted(maps.Keys(s.Skipped)) {
		fmt.Fprintf(&b, " [%s: %d]", k, s.Skipped[k])
	}
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

func skipName(reason, name string) string {
	return fmt.Sprintf("%s %q", reason, clip(name, 40))
}

// Size limits. Real data stays far below each: the largest AlmaLinux
// record (a glibc advisory with 215 affected entries) is 78 KB, the
// largest Rocky one 129 KB.
const (
	// MaxRecordBytes bounds one OSV record; larger is an error.
	MaxRecordBytes = 16 << 20
	// maxName bounds package names, ids and versions; longer is skipped.
	maxName = 256
	// maxDescription and maxNote clip free text kept in a record.
	maxDescription = 1000
	maxNote        = 300
)

// clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// validName reports whether s can be a package name, id or version:
// non-empty, at most maxName bytes, printable ASCII without spaces.
func validName(s string) bool {
	if s == "" || len(s) > maxName {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}
