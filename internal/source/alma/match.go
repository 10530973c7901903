package alma

import (
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/rpmmatch"
)

// PackageKey is the name AlmaLinux files records under for an installed
// package: its binary RPM name ("openssl-libs", not "openssl").
func PackageKey(p model.Package) string { return rpmmatch.Key(p) }

// Affects tells whether an AlmaLinux record makes an installed package
// vulnerable; enabled lists the host's module streams (nil: unknown). The
// rules are rpmmatch.Affects': AlmaLinux adds none (its records carry no
// arch restriction).
func Affects(p model.Package, a model.Advisory, enabled []string) rpmmatch.Verdict {
	return rpmmatch.Affects(p, a, enabled)
}
