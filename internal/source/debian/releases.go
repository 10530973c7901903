package debian

import "strings"

// osGroupPrefix starts every Debian OS group.
const osGroupPrefix = "debian:"

// release is one Debian release the tracker data names.
type release struct {
	codename string
	version  string // the OS group's suffix
}

// releases lists the codenames the tracker's data uses, oldest first, from
// woody (the oldest release the DSA list names) to duke (announced as
// Debian 15), and sid, which is always unstable.
//
// Releases 4 to 6 were numbered 4.0, 5.0 and 6.0; their OS groups use the
// major number alone, like every release since 7 (debian:4, debian:5...).
// Woody and sarge share major 3 and keep their full numbers (debian:3.0,
// debian:3.1). Sid is debian:sid. Codenames are matched exactly (the data
// writes them in lower case); "testing" and "experimental" are not releases
// a host runs with a fixed codename and are not in the table.
var releases = []release{
	{"woody", "3.0"},
	{"sarge", "3.1"},
	{"etch", "4"},
	{"lenny", "5"},
	{"squeeze", "6"},
	{"wheezy", "7"},
	{"jessie", "8"},
	{"stretch", "9"},
	{"buster", "10"},
	{"bullseye", "11"},
	{"bookworm", "12"},
	{"trixie", "13"},
	{"forky", "14"},
	{"duke", "15"},
	{"sid", "sid"},
}

// releaseRank orders codenames for output: known releases oldest first
// (sid last), then anything unknown.
func releaseRank(codename string) int {
	for i, r := range releases {
		if r.codename == codename {
			return i
		}
	}
	return len(releases)
}

// OSGroup returns the OS group of a Debian codename: "bookworm" gives
// "debian:12", "sid" gives "debian:sid". It returns false for a codename
// that is not in the table; the parsers skip such records and count them in
// Stats.Skipped under "unknown release <codename>" rather than guess.
func OSGroup(codename string) (string, bool) {
	for _, r := range releases {
		if r.codename == codename {
			return osGroupPrefix + r.version, true
		}
	}
	return "", false
}

// Codename is the reverse of OSGroup: "debian:12" gives "bookworm" and
// "debian:sid" gives "sid". It returns false for anything else, including
// point releases ("debian:12.5"): map those to their major first.
func Codename(osGroup string) (string, bool) {
	v, ok := strings.CutPrefix(osGroup, osGroupPrefix)
	if !ok {
		return "", false
	}
	for _, r := range releases {
		if r.version == v {
			return r.codename, true
		}
	}
	return "", false
}
