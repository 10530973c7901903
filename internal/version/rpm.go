package version

import "strings"

// RPM orders RPM versions as rpm ≥ 4.15 does: rpm's rpmvercmp applied to
// epoch, version and release in turn, with the EVR split and rules of rpm's
// rpmverCmp, which Lua's rpm.vercmp exposes (checked against rpm 4.18.0).
//
// Input is [epoch:]version[-release], as Pakiti reports it ("0:1.2-3.el9").
// The epoch is the run of digits before a colon at the very start (":1" has
// epoch 0); a missing epoch counts as 0, so "1.2-3" equals "0:1.2-3". The
// release is the text after the last hyphen. A missing release sorts before
// any present one, even an empty one: "1.0" < "1.0-" < "1.0-0".
//
// rpmvercmp splits a string into runs of ASCII digits and runs of ASCII
// letters; every other byte only separates runs, so "1.0" equals "1_0" and
// "1..0". Digit runs compare by numeric value (leading zeros dropped, then
// length, then digits: no overflow), letter runs by byte value, and a digit
// run is newer than a letter run. '~' sorts before anything, including the
// end of the string ("1.0~rc1" < "1.0"); '^' sorts after the end of the
// string but before anything else ("1.0" < "1.0^git1" < "1.0.1"). When all
// runs are equal, the string with runs left over is newer.
//
// rpm.vercmp rejects only the empty string. RPM parses it as rpm would any
// other EVR: epoch 0, empty version, no release. It thus equals "0:" and
// sorts below "0" but above "~".
var RPM Scheme = rpmScheme{}

type rpmScheme struct{}

func (rpmScheme) Name() string { return "rpm" }

func (rpmScheme) Compare(a, b string) int {
	va, vb := parseEVR(a), parseEVR(b)
	if c := rpmvercmp(va.epoch, vb.epoch); c != 0 {
		return c
	}
	if c := rpmvercmp(va.version, vb.version); c != 0 {
		return c
	}
	switch {
	case va.hasRelease && vb.hasRelease:
		return rpmvercmp(va.release, vb.release)
	case va.hasRelease:
		return 1
	case vb.hasRelease:
		return -1
	}
	return 0
}

type rpmEVR struct {
	epoch, version, release string
	hasRelease              bool
}

func parseEVR(s string) rpmEVR {
	s = cString(s)
	v := rpmEVR{epoch: "0"}
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	start := 0
	if i < len(s) && s[i] == ':' {
		if i > 0 {
			v.epoch = s[:i]
		}
		start = i + 1
	}
	if h := strings.LastIndexByte(s[i:], '-'); h >= 0 {
		v.version, v.release, v.hasRelease = s[start:i+h], s[i+h+1:], true
	} else {
		v.version = s[start:]
	}
	return v
}

func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

// rpmvercmp compares two version or release strings.
func rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isAlnum(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !isAlnum(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		ca, cb := byteAt(a, i), byteAt(b, j)

		// '~' sorts before everything else, the end included.
		if ca == '~' || cb == '~' {
			if ca != '~' {
				return 1
			}
			if cb != '~' {
				return -1
			}
			i++
			j++
			continue
		}
		// '^' sorts after the end of the string, before anything else.
		if ca == '^' || cb == '^' {
			if i == len(a) {
				return -1
			}
			if j == len(b) {
				return 1
			}
			if ca != '^' {
				return 1
			}
			if cb != '^' {
				return -1
			}
			i++
			j++
			continue
		}
		if i == len(a) || j == len(b) {
			break
		}

		ei, ej := i, j
		numeric := isDigit(a[i])
		if numeric {
			for ei < len(a) && isDigit(a[ei]) {
				ei++
			}
			for ej < len(b) && isDigit(b[ej]) {
				ej++
			}
		} else {
			for ei < len(a) && isAlpha(a[ei]) {
				ei++
			}
			for ej < len(b) && isAlpha(b[ej]) {
				ej++
			}
		}
		if ej == j {
			// The runs are of different kinds: numeric is newer.
			if numeric {
				return 1
			}
			return -1
		}
		var c int
		if numeric {
			c = compareNumbers(a[i:ei], b[j:ej])
		} else {
			c = strings.Compare(a[i:ei], b[j:ej])
		}
		if c != 0 {
			return c
		}
		i, j = ei, ej
	}
	switch {
	case i == len(a) && j == len(b):
		return 0
	case i == len(a):
		return -1
	}
	return 1
}

func byteAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}
