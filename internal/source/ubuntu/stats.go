package ubuntu

import (
	"fmt"
	"strings"

	"github.com/pakiti-go/pakiti/internal/source"
)

// Stats counts what a parse read, emitted and left out.
type Stats struct {
	// Files counts the CVE files read (a tarball's or directory's members
	// named CVE-*, or one file).
	Files int `json:"files"`
	// CVEs counts the files that named a valid CVE id in Candidate.
	CVEs int `json:"cves"`
	// OSVFiles counts the OSV records' files read (tar members *.json).
	OSVFiles int `json:"osv_files,omitempty"`
	// Lines counts status lines (release_package: status).
	Lines int `json:"lines"`
	// Records counts the records emitted.
	Records int `json:"records"`
	// Skipped counts, by reason, the status lines (or, for "file without a
	// valid Candidate", the files) read but not emitted.
	Skipped map[string]int `json:"skipped,omitempty"`
}

func (s *Stats) skip(reason string) { source.CountSkip(&s.Skipped, reason) }

// SkippedTotal is the number of lines or files skipped for any reason.
func (s Stats) SkippedTotal() int { return source.SkippedTotal(s.Skipped) }

// String is a one-line summary, reasons in name order.
func (s Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "files=%d cves=%d lines=%d records=%d skipped=%d", s.Files, s.CVEs, s.Lines, s.Records, s.SkippedTotal())
	source.WriteSkipped(&b, s.Skipped)
	return b.String()
}

func skipName(reason, name string) string { return source.SkipName(reason, name) }
