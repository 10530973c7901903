package oracle

import (
	"strings"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/rpmmatch"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/version"
)

// Driver is Oracle Linux's matching rules (match.Driver): ELSA records
// are filed under binary RPM names with per-arch branches and module
// streams; versions in rpm order (epoch first); Ksplice builds meet
// Ksplice records only (IsKsplice); only the running kernel counts, RHCK
// or UEK (rpmmatch.Kernel).
type Driver struct{}

var _ match.Driver = Driver{}

// Name names the driver.
func (Driver) Name() string { return "oracle" }

// Distros: oracle:N.
func (Driver) Distros() []string { return []string{"oracle"} }

// Scheme is rpm's order.
func (Driver) Scheme() version.Scheme { return version.RPM }

// DataGroups: an Oracle Linux release reads its own records.
func (Driver) DataGroups(group string) []string { return []string{group} }

// LearnsSources: records name binary packages.
func (Driver) LearnsSources() bool { return false }

// Key is the installed binary's name and "E:V-R" (rpmmatch.DriverKey).
func (Driver) Key(p model.Package, _ *store.BinarySource) match.Key { return rpmmatch.DriverKey(p) }

// Kernel: only the running kernel image counts, kernel-uek included.
func (Driver) Kernel(p model.Package, _ match.Key) (match.KernelClass, string) {
	return rpmmatch.Kernel(p)
}

// Applies: arch and module rules of rpmmatch.Applies, and a Ksplice fix
// only for a Ksplice build, a plain fix only for a plain build.
func (Driver) Applies(rec model.Advisory, k match.Key) bool {
	if rec.Status == model.StatusFixed && IsKsplice(rec.FixedVersion) != IsKsplice(k.Version) {
		return false
	}
	return rpmmatch.Applies(rec, k, rpmmatch.ArchMatches)
}

// IsKsplice tells a Ksplice user-space build by its release
// ("2:1.1.1g-15.ksplice1.el8_3").
func IsKsplice(evr string) bool {
	i := strings.LastIndexByte(evr, '-')
	return i >= 0 && strings.Contains(evr[i:], ".ksplice")
}

// OriginRank: Oracle's ELSA OVAL before an updateinfo file an admin named.
func (Driver) OriginRank(origin string) int {
	if origin == SourceName {
		return 2
	}
	return 1
}

// Severity maps Oracle's words (LOW, MODERATE, IMPORTANT, CRITICAL).
func (Driver) Severity(word string) model.Severity { return rpmmatch.Severity(word) }
