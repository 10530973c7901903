package rocky

import (
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/rpmmatch"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/version"
)

// Driver is Rocky Linux's matching rules (match.Driver): records are filed
// under binary RPM names, versions ordered as rpm orders them (epoch
// first, a missing epoch read as 0), module builds met by module records
// only, and only the running kernel counts (internal/source/rpmmatch).
type Driver struct{}

var _ match.Driver = Driver{}

// Name names the driver.
func (Driver) Name() string { return "rocky" }

// Distros: rocky:8, rocky:9.
func (Driver) Distros() []string { return []string{"rocky"} }

// Scheme is rpm's order.
func (Driver) Scheme() version.Scheme { return version.RPM }

// DataGroups: a release reads its own records (Rocky's OSV records and
// updateinfo, or an updateinfo an admin filed under rocky:N).
func (Driver) DataGroups(group string) []string { return []string{group} }

// LearnsSources: records name binary packages; no source map is needed.
func (Driver) LearnsSources() bool { return false }

// Key is the installed binary's name and "E:V-R" (rpmmatch.DriverKey).
func (Driver) Key(p model.Package, _ *store.BinarySource) match.Key { return rpmmatch.DriverKey(p) }

// Kernel: only the running kernel image counts (rpmmatch.Kernel).
func (Driver) Kernel(p model.Package, _ match.Key) (match.KernelClass, string) {
	return rpmmatch.Kernel(p)
}

// Applies: arch (Rocky's OSV records carry none; its updateinfo's do) and
// module build rules of rpmmatch.Applies.
func (Driver) Applies(rec model.Advisory, k match.Key) bool {
	return rpmmatch.Applies(rec, k, rpmmatch.ArchMatches)
}

// OriginRank: Rocky's own records (OSV and its updateinfo, both "rocky") before an updateinfo file an admin named.
func (Driver) OriginRank(origin string) int {
	if origin == Name {
		return 2
	}
	return 1
}

// Severity maps Rocky's words (Red Hat's: Low, Moderate, Important,
// Critical).
func (Driver) Severity(word string) model.Severity { return rpmmatch.Severity(word) }
