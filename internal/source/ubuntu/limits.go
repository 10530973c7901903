package ubuntu

import "unicode/utf8"

// Size limits on what the parsers accept or keep. Real data stays far below
// each: the largest CVE file of the 2020 snapshot is 52 KB, its longest line
// under 1 KB.
const (
	// maxFile is the largest CVE file read; larger is an error.
	maxFile = 4 << 20
	// maxName bounds package names, ids, release keys and versions; longer
	// is a skipped line.
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

// validName reports whether s can be a package name, id, release key or
// version: non-empty, at most maxName bytes, printable ASCII without spaces.
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

// validVersion reports whether s reads as a Debian version: a digit first,
// then letters, digits and . + ~ : - only (no comma, blank or bracket).
func validVersion(s string) bool {
	if !validName(s) || s[0] < '0' || s[0] > '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c == '.', c == '+', c == '~', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}
