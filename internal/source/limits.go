package source

import (
	"io"
	"unicode/utf8"
)

// Size limits the parsers share on what they keep of a record. Real data
// stays far below each (the longest Debian version string is under 100
// bytes); a source's own limits (longest line, largest record or file) are
// in its folder.
const (
	// MaxName bounds package names, ids, release names and versions.
	MaxName = 256
	// MaxDescription and MaxNote clip free text kept in a record.
	MaxDescription = 1000
	MaxNote        = 300
)

// Clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// ValidName reports whether s can be a package name, id, release name or
// version: non-empty, at most MaxName bytes, printable ASCII without
// blanks. Vendors' own names are narrower; this only keeps out what would
// be a hazard downstream.
func ValidName(s string) bool {
	if s == "" || len(s) > MaxName {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// Budget bounds the bytes a decoder reads for one record: it reads from R
// until Left bytes are read, then fails with Err (the source's "record
// larger than N bytes"). The decoder's caller sets Left again before each
// record.
type Budget struct {
	R    io.Reader
	Left int64
	Err  error
}

func (b *Budget) Read(p []byte) (int, error) {
	if b.Left <= 0 {
		return 0, b.Err
	}
	if int64(len(p)) > b.Left {
		p = p[:b.Left]
	}
	n, err := b.R.Read(p)
	b.Left -= int64(n)
	return n, err
}
