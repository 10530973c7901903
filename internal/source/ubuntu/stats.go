package ubuntu

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Stats counts what a parse read, emitted and left out.
type Stats struct {
	// Files counts the CVE files read (a tarball's or directory's members
	// named CVE-*, or one file).
	Files int `json:"files"`
	// CVEs counts the files that named a valid CVE id in Candidate.
	CVEs int `json:"cves"`
	// Lines counts status lines (release_package: status).
	Lines int `json:"lines"`
	// Records counts the records emitted.
	Records int `json:"records"`
	// Skipped counts, by reason, the status lines (or, for "file without a
	// valid Candidate", the files) read but not emitted.
	Skipped map[string]int `json:"skipped,omitempty"`
}

// maxSkipReasons bounds the distinct reasons kept, since some carry a name
// taken from the input; further reasons are counted under "other".
const maxSkipReasons = 64

func (s *Stats) skip(reason string) {
	if s.Skipped == nil {
		s.Skipped = make(map[string]int)
	}
	if _, ok := s.Skipped[reason]; !ok && len(s.Skipped) >= maxSkipReasons {
		reason = "other"
	}
	s.Skipped[reason]++
}

// SkippedTotal is the number of lines or files skipped for any reason.
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
	fmt.Fprintf(&b, "files=%d cves=%d lines=%d records=%d skipped=%d", s.Files, s.CVEs, s.Lines, s.Records, s.SkippedTotal())
	for _, k := range slices.Sorted(maps.Keys(s.Skipped)) {
		fmt.Fprintf(&b, " [%s: %d]", k, s.Skipped[k])
	}
	return b.String()
}

func skipName(reason, name string) string {
	return fmt.Sprintf("%s %q", reason, clip(name, 40))
}
