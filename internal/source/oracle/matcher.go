package oracle

import (
	"strings"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/rpmmatch"
)

// Driver is Oracle Linux's matching rules (match.Driver): those of the
// RPM families (rpmmatch.Family: ELSA records are filed under binary RPM
// names with per-arch branches and module streams; versions in rpm order,
// epoch first; only the running kernel counts, RHCK or UEK), except that
// Ksplice builds meet Ksplice records only (IsKsplice).
type Driver struct{ rpmmatch.Family }

var _ match.Driver = Driver{}

// Name names the driver (the zero Driver is the one to register).
func (Driver) Name() string { return "oracle" }

// Distros: oracle:N.
func (Driver) Distros() []string { return []string{"oracle"} }

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
	return rpmmatch.Family{ID: SourceName}.OriginRank(origin)
}
