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
// source column. A protocol-5 report has none: the origin protocol-6
// reports of the branch taught (LearnsSources) is the key, else the
// package's own name (right for every package that is its own origin, and
// wrong for libcrypto1.1, whose origin is openssl: such a host is partial
// data until the map holds its packages, store/coverage.go).
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

// LearnsSources: the package -> origin map protocol-6 reports carry is
// kept per branch, for the branch's protocol-5 hosts (Alpine publishes
// no index the server reads: APKINDEX is not imported).
func (Driver) LearnsSources() bool { return true }

// Key is the origin the report gave, else the one learned for the
// package's name, else the package's name; an aport builds all its
// subpackages at one version, so the installed version is compared (a
// mapping learned from another version of the package gives the origin's
// name all the same).
func (Driver) Key(p model.Package, known *store.BinarySource) match.Key {
	k := match.Key{Name: p.SourceName, Version: p.Version, Basis: match.BasisReport, Arch: p.Arch}
	switch {
	case k.Name != "":
	case known != nil && known.SourceName != "":
		k.Name, k.Basis = known.SourceName, known.Origin
	default:
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
