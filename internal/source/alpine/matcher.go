package alpine

import (
	"regexp"
	"strings"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/version"
)

// Driver is Alpine's matching rules (match.Driver): the secdb files its
// fixes under origin packages (the aport a package was built from, the
// installed db's "o:" field), which protocol-6 reports carry in the
// source column; a protocol-5 report has none, and the package's own name
// is then the key (right for every package that is its own origin).
type Driver struct{}

var _ match.Driver = Driver{}

// Name names the driver.
func (Driver) Name() string { return "alpine" }

// Distros: alpine:3.x (and alpine:edge).
func (Driver) Distros() []string { return []string{"alpine"} }

// Scheme is apk's version order (1.6_rc1-r0 < 1.6-r0).
func (Driver) Scheme() version.Scheme { return version.APK }

// DataGroups: a branch reads its own secdb.
func (Driver) DataGroups(group string) []string { return []string{group} }

// LearnsSources: no binary -> origin map is kept; the report's origin or
// the package's name is the key.
func (Driver) LearnsSources() bool { return false }

// Key is the origin the report gave, else the package's name; an aport
// builds all its subpackages at one version, so the installed version is
// compared.
func (Driver) Key(p model.Package, _ *store.BinarySource) match.Key {
	k := match.Key{Name: p.SourceName, Version: p.Version, Basis: match.BasisReport, Arch: p.Arch}
	if k.Name == "" {
		k.Name, k.Basis = p.Name, match.BasisBinaryName
	}
	return k
}

// alpineKernel matches the kernel packages whose release uname -r prints
// as VERSION-REL-FLAVOUR: linux-lts 6.6.31-r0 boots as 6.6.31-0-lts.
var alpineKernel = regexp.MustCompile(`^linux-(lts|virt)$`)

// Kernel: linux-lts and linux-virt are images (only the running one
// counts); the other packages of their aports (linux-lts-dev...) are
// support.
func (Driver) Kernel(p model.Package, k match.Key) (match.KernelClass, string) {
	if m := alpineKernel.FindStringSubmatch(p.Name); m != nil {
		ver, rel, ok := strings.Cut(p.Version, "-r")
		if ok {
			return match.KernelImage, ver + "-" + rel + "-" + m[1]
		}
	}
	if alpineKernel.MatchString(k.Name) {
		return match.KernelSupport, ""
	}
	return match.NotKernel, ""
}

// Applies: the secdb has no arch or module restriction.
func (Driver) Applies(rec model.Advisory, k match.Key) bool { return match.Applies(rec, k) }

// OriginRank: one origin, the secdb.
func (Driver) OriginRank(string) int { return 1 }

// Severity: the secdb has no severities.
func (Driver) Severity(string) model.Severity { return model.SeverityUnknown }
