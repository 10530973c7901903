package redhat

import (
	"strings"

	"github.com/pakiti-go/pakiti/internal/source"
)

// Coverage: Red Hat's OVAL file of a release holds every CVE of every
// package of that release (fixed and, in the -including-unpatched files,
// unfixed), so it is complete for the OS group(s) it gives records of; its
// part is "oval GROUP", which the next OVAL file of that release replaces.
func (*Source) Coverage(p source.Parsed) source.Coverage {
	g := p.Groups()
	if len(g) == 0 {
		return source.Coverage{Part: "oval " + p.Name}
	}
	return source.Coverage{Part: "oval " + strings.Join(g, " "), Complete: g}
}
