package redhat

import (
	"bytes"
	"strings"

	"github.com/pakiti-go/pakiti/internal/source"
)

// Coverage: Red Hat's OVAL file of a release holds every CVE of every
// package of that release (fixed and, in the -including-unpatched files,
// unfixed), so it is complete for the OS group(s) it gives records of; its
// part is "oval GROUP", which the next OVAL file of that release replaces.
//
// A CSAF document (one CVE's VEX, one RHSA) is a part of its own, named
// for the document ("csaf cve-2023-38545.json": the next copy of that
// file replaces its records), and covers no group completely: it says
// everything about one CVE, nothing about the others.
//
// The bulk VEX archive is one part, "csaf archive": the next archive
// (another day's name) replaces the records of the last.
func (*Source) Coverage(p source.Parsed) source.Coverage {
	if bytes.HasPrefix(p.Head, zstdMagic) {
		return source.Coverage{Part: "csaf archive"}
	}
	if t := bytes.TrimLeft(p.Head, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '{' {
		return source.Coverage{Part: "csaf " + p.Name}
	}
	g := p.Groups()
	if len(g) == 0 {
		return source.Coverage{Part: "oval " + p.Name}
	}
	return source.Coverage{Part: "oval " + strings.Join(g, " "), Complete: g}
}
