package debian

import "unicode/utf8"

// Size limits on what the parsers accept or keep. Real data stays far below
// each (the longest real line, in a Packages index, is 75 KB; the longest
// Debian version string is under 100 bytes).
const (
	// maxLine is the longest line a text parser reads; longer is an error.
	maxLine = 1 << 20
	// maxJSONValue bounds the bytes of one JSON token or CVE object (with
	// its releases) in the tracker export; larger is an error.
	maxJSONValue = 1 << 20
	// maxName bounds package names, ids, codenames, versions, statuses and
	// urgencies; longer is an error (JSON) or a skipped line (lists).
	maxName = 256
	// maxEntryLines bounds the annotation lines of one list entry, which a
	// parser keeps until the entry ends; more is an error.
	maxEntryLines = 10000
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

// validName reports whether s can be a package name, id, codename or
// version: non-empty, at most maxName bytes, printable ASCII without
// spaces. Debian's own names are narrower; this only keeps out what would
// be a hazard downstream.
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
