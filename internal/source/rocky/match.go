package rocky

import (
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/rpmmatch"
)

// PackageKey is the name Rocky files records under for an installed
// package: its binary RPM name.
func PackageKey(p model.Package) string { return rpmmatch.Key(p) }

// Affects tells whether a Rocky record makes an installed package
// vulnerable; enabled lists the module streams the package may come from
// (nil: unknown). The rules are rpmmatch.Affects'; updateinfo records
// carry the arches their repository lists, which the rules honour.
func Affects(p model.Package, a model.Advisory, enabled []string) rpmmatch.Verdict {
	return rpmmatch.Affects(p, a, enabled)
}
