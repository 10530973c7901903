package model

import (
	"cmp"
	"strconv"
	"strings"
)

// CompareOSGroups orders OS groups ("debian:3.0", "debian:10",
// "rhel:8.10") as people read them: by distro, then by release with its
// numbers compared as numbers (debian:3.0 < debian:10, rhel:8.9 <
// rhel:8.10). It returns -1, 0 or +1, for slices.SortFunc.
func CompareOSGroups(a, b string) int {
	da, ra, _ := strings.Cut(a, ":")
	db, rb, _ := strings.Cut(b, ":")
	if c := strings.Compare(da, db); c != 0 {
		return c
	}
	pa, pb := releaseParts(ra), releaseParts(rb)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, errA := strconv.ParseUint(pa[i], 10, 64)
		nb, errB := strconv.ParseUint(pb[i], 10, 64)
		var c int
		switch {
		case errA == nil && errB == nil:
			c = cmp.Compare(na, nb)
		case errA == nil: // a number before a word (debian:12 < debian:sid)
			c = -1
		case errB == nil:
			c = 1
		default:
			c = strings.Compare(pa[i], pb[i])
		}
		if c != 0 {
			return c
		}
	}
	if c := cmp.Compare(len(pa), len(pb)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// releaseParts splits a release at dots, dashes and underscores.
func releaseParts(r string) []string {
	return strings.FieldsFunc(r, func(c rune) bool { return c == '.' || c == '-' || c == '_' })
}
