package rpmmatch

import (
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/version"
)

// Family is the matching rules (match.Driver) of an RPM distribution that
// publishes its own records for its own releases (AlmaLinux, Rocky
// Linux): records are filed under binary RPM names, versions ordered as
// rpm orders them (epoch first, a missing epoch read as 0), module builds
// met by module records only, only the running kernel counts, and the
// vendor's own records rank before an updateinfo file an admin imported.
type Family struct {
	ID     string // the driver's and the vendor source's name ("alma")
	Distro string // the distro of its OS groups ("alma" for alma:9)
}

var _ match.Driver = Family{}

// Name names the driver.
func (f Family) Name() string { return f.ID }

// Distros is the family's one distro.
func (f Family) Distros() []string { return []string{f.Distro} }

// Scheme is rpm's order.
func (Family) Scheme() version.Scheme { return version.RPM }

// DataGroups: a release reads its own records (the vendor's, or an
// updateinfo an admin filed under the same group).
func (Family) DataGroups(group string) []string { return []string{group} }

// LearnsSources: records name binary packages; no source map is needed.
func (Family) LearnsSources() bool { return false }

// Key is the installed binary's name and "E:V-R" (DriverKey).
func (Family) Key(p model.Package, _ *store.BinarySource) match.Key { return DriverKey(p) }

// Kernel: only the running kernel image counts (Kernel).
func (Family) Kernel(p model.Package, _ match.Key) (match.KernelClass, string) { return Kernel(p) }

// Applies: arch (OSV records carry none; updateinfo's do) and the module
// build rules of Applies.
func (Family) Applies(rec model.Advisory, k match.Key) bool { return Applies(rec, k, ArchMatches) }

// OriginRank: the vendor's own records before an updateinfo file.
func (f Family) OriginRank(origin string) int {
	if origin == f.ID {
		return 2
	}
	return 1
}

// Severity maps the vendor's words (Red Hat's: Low, Moderate, Important,
// Critical).
func (Family) Severity(word string) model.Severity { return Severity(word) }
