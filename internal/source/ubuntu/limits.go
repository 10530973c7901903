package ubuntu

import "github.com/pakiti-go/pakiti/internal/source"

// Size limits on what the parsers accept or keep. Real data stays far below
// each: the largest CVE file of the 2020 snapshot is 52 KB, its longest line
// under 1 KB.
const (
	// maxFile is the largest CVE file read; larger is an error.
	maxFile = 4 << 20
	// maxDescription and maxNote clip free text kept in a record.
	maxDescription = source.MaxDescription
	maxNote        = source.MaxNote
)

// clip and validName are source.Clip and source.ValidName, named as the
// parsers of this folder call them. validName: a package name, id, release
// key or version of at most source.MaxName bytes; longer is a skipped line.
func clip(s string, n int) string { return source.Clip(s, n) }
func validName(s string) bool     { return source.ValidName(s) }

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
