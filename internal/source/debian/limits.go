package debian

import "github.com/pakiti-go/pakiti/internal/source"

// Size limits on what the parsers accept or keep. Real data stays far below
// each (the longest real line, in a Packages index, is 75 KB; the longest
// Debian version string is under 100 bytes). Package names, ids, codenames,
// versions, statuses and urgencies must pass source.ValidName (at most
// source.MaxName bytes); a longer one is an error (JSON) or a skipped line
// (lists).
const (
	// maxLine is the longest line a text parser reads; longer is an error.
	maxLine = 1 << 20
	// maxJSONValue bounds the bytes of one JSON token or CVE object (with
	// its releases) in the tracker export; larger is an error.
	maxJSONValue = 1 << 20
	// maxEntryLines bounds the annotation lines of one list entry, which a
	// parser keeps until the entry ends; more is an error.
	maxEntryLines = 10000
	// maxDescription and maxNote clip free text kept in a record.
	maxDescription = source.MaxDescription
	maxNote        = source.MaxNote
)
