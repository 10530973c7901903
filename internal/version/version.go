// Package version orders package version strings exactly as the packaging
// tools of three Linux families do:
//
//   - [Deb]: dpkg --compare-versions (Debian, Ubuntu);
//   - [RPM]: rpm's rpmvercmp with epoch:version-release handling (RHEL,
//     Alma, CentOS, SUSE, Mariner);
//   - [APK]: apk-tools' apk version -t (Alpine).
//
// Each [Scheme] is a pure function of two strings: it never fails and never
// panics. Strings the real tool rejects are still ordered, by a documented
// rule that keeps Compare antisymmetric and reflexive (see each scheme).
//
// A Go string may hold a NUL byte, which no command-line argument can; every
// scheme reads a string only up to its first NUL, as the C tools read argv.
//
// The orderings are checked against vectors that the real tools produced,
// see testdata/gen-vectors.sh. The package uses the standard library only.
package version

import (
	"fmt"
	"strings"
)

// Scheme orders the version strings of one packaging system.
type Scheme interface {
	// Name is the scheme's canonical name: "deb", "rpm" or "apk".
	Name() string
	// Compare returns -1 if a is older than b, 0 if the tool holds them
	// equal, and +1 if a is newer, exactly as the real tool orders them.
	Compare(a, b string) int
}

// Lookup returns the scheme called name: "deb" (alias "dpkg"), "rpm" or
// "apk". Names are matched case-insensitively.
func Lookup(name string) (Scheme, error) {
	switch strings.ToLower(name) {
	case "deb", "dpkg":
		return Deb, nil
	case "rpm":
		return RPM, nil
	case "apk":
		return APK, nil
	}
	return nil, fmt.Errorf("unknown version scheme %q: valid schemes are deb (alias dpkg), rpm, apk", name)
}

// cString returns s up to its first NUL byte, which is all of it that a C
// tool sees when s is passed as an argument.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isAlpha reports an ASCII letter; all three tools classify bytes in the C
// locale, so bytes of 0x80 and above are never letters.
func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// compareNumbers compares two runs of ASCII digits by numeric value, of any
// length and without converting them to integers.
func compareNumbers(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}
