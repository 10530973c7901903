package ubuntu

import (
	"slices"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
)

// How a host tells us it is an Ubuntu Pro host: by what it has installed
// — a version with "+esm" (1.2-3ubuntu0.1+esm1) comes from an ESM channel
// (UsesESM), but it does not say which (esm-infra for main, esm-apps for
// universe) — and, over protocol 6, by its pro: header: the services
// enabled in the Pro client's status.json (esm-infra, esm-apps,
// fips-updates...), which the Driver's host rule reads (prohost.go) and
// PreferChannels takes.

// UsesESM tells whether any installed package (binary or source version)
// comes from an Ubuntu Pro ESM channel.
func UsesESM(pkgs []model.Package) bool {
	for _, p := range pkgs {
		if esmVersion(p.Version) || esmVersion(p.SourceVersion) {
			return true
		}
	}
	return false
}

// esmVersion recognises the ESM version suffixes: +esmN and ~esmN.
func esmVersion(v string) bool {
	return strings.Contains(v, "+esm") || strings.Contains(v, "~esm")
}

// PreferChannels picks, among the records of one host's OS group for its
// packages, those that apply to a host with the Pro channels enabled
// ("esm-infra", "esm-apps"...; none for a host without Pro). Per
// (package, CVE):
//
//   - records of an enabled channel win: the host gets that channel's
//     fixes, and the release's "ignored (end of standard support)" no
//     longer holds for it;
//   - otherwise the release's own records (ubuntu-tracker);
//   - otherwise, when only channels the host lacks have a record, those:
//     the host is exposed, and its finding shows the fix Pro would bring.
//
// Records keep their order.
func PreferChannels(recs []model.Advisory, enabled []string) []model.Advisory {
	type key struct{ pkg, cve string }
	rank := func(a model.Advisory) int {
		switch ch := Channel(a.Source); {
		case ch != "" && slices.Contains(enabled, ch):
			return 3
		case a.Source == OriginTracker:
			return 2
		}
		return 1
	}
	best := map[key]int{}
	for _, a := range recs {
		k := key{a.Package, a.CVE}
		best[k] = max(best[k], rank(a))
	}
	var out []model.Advisory
	for _, a := range recs {
		if rank(a) == best[key{a.Package, a.CVE}] {
			out = append(out, a)
		}
	}
	return out
}
