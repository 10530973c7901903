package version

import "strings"

// Deb orders Debian package versions as `dpkg --compare-versions` does
// (checked against dpkg 1.21.22).
//
// A version is [epoch:]upstream[-revision]. The epoch is the text before the
// first colon; the revision is the text after the last hyphen. Epochs compare
// as numbers; upstream and revision compare by dpkg's rule: alternately a run
// of non-digits, compared character by character, where '~' sorts before
// everything including the end of the string, then letters, then all other
// characters; and a run of digits, compared by numeric value (any length:
// leading zeros are dropped and the digit strings compared, so nothing
// overflows).
//
// dpkg quirks that Deb keeps, because the command line has them:
//   - the empty string and "<unknown>" are the blank version, equal to each
//     other and older than any other version, even "~" and "0";
//   - spaces and tabs around the version are ignored, and the epoch may be
//     preceded by any C white space and a sign, as strtol reads it ("+1:0"
//     equals "1:0");
//   - the C char is signed, so a byte of 0x80 and above sorts after the
//     letters but before the other non-letters.
//
// dpkg refuses to compare some strings ("version ... has bad syntax" errors;
// it only warns about, and compares, versions not starting with a digit or
// holding unexpected characters). Deb orders them anyway, by the rule above
// applied to the parts dpkg would have taken:
//   - only spaces or tabs: the blank version;
//   - a zero epoch with nothing else ("0:", "-", "0:-"): blank as well;
//   - an epoch that is not a number ("a:1", ":1") or is negative ("-1:1"):
//     no epoch, the colon stays in the upstream version;
//   - an epoch above dpkg's limit of 2147483647: compared by numeric value;
//   - nothing after the colon ("1:"), an empty upstream ("1:-1") or an empty
//     revision ("1.0-"): the empty part compares as "";
//   - embedded spaces: compared as ordinary non-letters.
var Deb Scheme = debScheme{}

type debScheme struct{}

func (debScheme) Name() string { return "deb" }

func (debScheme) Compare(a, b string) int {
	va, vb := parseDeb(a), parseDeb(b)
	// dpkg --compare-versions holds a version without information (the
	// blank one) older than any other, whatever the digits say: "" < "~".
	switch ia, ib := va.informative(), vb.informative(); {
	case !ia && !ib:
		return 0
	case !ia:
		return -1
	case !ib:
		return 1
	}
	if c := compareNumbers(va.epoch, vb.epoch); c != 0 {
		return c
	}
	if c := verrevcmp(va.upstream, vb.upstream); c != 0 {
		return c
	}
	return verrevcmp(va.revision, vb.revision)
}

// debVersion is a parsed Debian version; epoch is a run of ASCII digits,
// possibly empty (meaning 0).
type debVersion struct {
	epoch, upstream, revision string
}

// informative is dpkg_version_is_informative: a non-zero epoch or a
// non-empty upstream version or revision.
func (v debVersion) informative() bool {
	return strings.TrimLeft(v.epoch, "0") != "" || v.upstream != "" || v.revision != ""
}

func parseDeb(s string) debVersion {
	s = cString(s)
	if s == "" || s == "<unknown>" {
		return debVersion{}
	}
	s = strings.Trim(s, " \t")
	var v debVersion
	if i := strings.IndexByte(s, ':'); i >= 0 {
		if e, ok := debEpoch(s[:i]); ok {
			v.epoch = e
			s = s[i+1:]
		}
	}
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		v.upstream, v.revision = s[:i], s[i+1:]
	} else {
		v.upstream = s
	}
	return v
}

// debEpoch reads an epoch the way dpkg's strtol call does: optional C white
// space, an optional sign, then digits up to the colon. A negative epoch
// other than zero is not accepted.
func debEpoch(p string) (string, bool) {
	i := 0
	for i < len(p) && isCSpace(p[i]) {
		i++
	}
	neg := false
	if i < len(p) && (p[i] == '+' || p[i] == '-') {
		neg = p[i] == '-'
		i++
	}
	d := p[i:]
	if d == "" {
		return "", false
	}
	for j := 0; j < len(d); j++ {
		if !isDigit(d[j]) {
			return "", false
		}
	}
	if neg && strings.TrimLeft(d, "0") != "" {
		return "", false
	}
	return d, true
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// debOrder is dpkg's weight of a non-digit byte; the end of the string and
// digits weigh 0.
func debOrder(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	c := s[i]
	switch {
	case isDigit(c):
		return 0
	case isAlpha(c):
		return int(c)
	case c == '~':
		return -1
	case c >= 0x80:
		// dpkg computes c + 256 on a signed char: c - 256 + 256.
		return int(c)
	}
	return int(c) + 256
}

// verrevcmp compares two upstream versions or two revisions.
func verrevcmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isDigit(a[i]) || j < len(b) && !isDigit(b[j]) {
			ac, bc := debOrder(a, i), debOrder(b, j)
			if ac != bc {
				return sign(ac - bc)
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		firstDiff := 0
		for i < len(a) && j < len(b) && isDigit(a[i]) && isDigit(b[j]) {
			if firstDiff == 0 {
				firstDiff = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if firstDiff != 0 {
			return sign(firstDiff)
		}
	}
	return 0
}
