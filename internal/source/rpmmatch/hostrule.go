package rpmmatch

import (
	"strings"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// BasisModuleEnabled is the basis of an installed module build whose
// stream the report did not give, on a host that said which module
// streams it has enabled (protocol 6 modules: header): only the records
// of its enabled streams (and modular records that name no stream)
// were applied.
const BasisModuleEnabled = "module-enabled"

// The host rule of the RPM families (match.RecordRule): a module build
// without its stream (BasisModuleUnknown) meets every stream's records of
// its name in the shared verdicts; on a host that said which streams it
// has enabled, it is decided again from the records of those streams only:
// the build on that host belongs to one of them (dnf installs module
// packages from enabled streams only, and installing from a default
// stream enables it), so a fix of another stream does not concern it —
// nodejs 1:10.19.0-1.module_el8.1.0+277+7a8d8d8e on a host with nodejs:10
// enabled is not held to nodejs:12's fix. A host that did not say keeps
// the shared verdicts (basis module-unknown).

// HostFacts: the host's enabled module streams.
func HostFacts() []string { return []string{store.FactModules} }

// RedecidedBasis: module builds without their stream.
func RedecidedBasis() string { return BasisModuleUnknown }

// HostRecords: on a host whose enabled streams are known, a module
// record applies when its stream is enabled (a modular record without a
// stream name still applies); basis module-enabled.
func HostRecords(_ match.Key, facts map[string]string) (string, func(model.Advisory) bool, bool) {
	v, ok := facts[store.FactModules]
	if !ok {
		return "", nil, false
	}
	enabled := map[string]bool{}
	for _, s := range strings.Fields(v) {
		enabled[s] = true
	}
	return BasisModuleEnabled, func(rec model.Advisory) bool { return rec.Module == "" || enabled[rec.Module] }, true
}

var _ match.RecordRule = Family{}

// HostFacts: the enabled module streams (HostRecords).
func (Family) HostFacts() []string { return HostFacts() }

// RedecidedBasis: module builds without their stream.
func (Family) RedecidedBasis() string { return RedecidedBasis() }

// HostRecords: the records of the host's enabled streams (HostRecords).
func (Family) HostRecords(k match.Key, facts map[string]string) (string, func(model.Advisory) bool, bool) {
	return HostRecords(k, facts)
}
