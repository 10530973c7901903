package debian

import (
	"regexp"
	"strings"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/version"
)

// Driver is the Debian family's matching rules (match.Driver): records are
// filed under source packages, which protocol-6 reports name and protocol-5
// reports leave to the binary -> source map (learned from protocol-6
// reports and Packages indexes).
type Driver struct{}

var _ match.Driver = Driver{}

// Name names the driver.
func (Driver) Name() string { return "debian" }

// Distros: debian:N (Ubuntu has its own driver, ubuntu.Driver).
func (Driver) Distros() []string { return []string{"debian"} }

// Scheme is dpkg's version order.
func (Driver) Scheme() version.Scheme { return version.Deb }

// DataGroups: a Debian release reads its own records.
func (Driver) DataGroups(group string) []string { return []string{group} }

// LearnsSources: Debian records name source packages.
func (Driver) LearnsSources() bool { return true }

// binNMU is the suffix of a binary-only rebuild: same source version.
var binNMU = regexp.MustCompile(`\+b\d+$`)

// Key is the source package of an installed package: the report's
// (protocol 6), else the learned or indexed one, else the binary's own
// name and version. Signed kernel images are remapped to linux.
func (d Driver) Key(p model.Package, known *store.BinarySource) match.Key {
	k := match.Key{Name: p.SourceName, Version: p.SourceVersion, Basis: match.BasisReport, Arch: p.Arch}
	if k.Name == "" {
		if known != nil {
			k.Name, k.Version, k.Basis = known.SourceName, known.SourceVersion, known.Origin
			if !known.Exact {
				// Only another version of this binary is known: its
				// source name holds; the source version is the binary
				// version less a binNMU suffix (2.36-9+b1 -> 2.36-9).
				k.Version = binNMU.ReplaceAllString(p.Version, "")
			}
		} else {
			k.Name, k.Version, k.Basis = p.Name, p.Version, match.BasisBinaryName
		}
	}
	if k.Version == "" {
		k.Version = p.Version
	}
	// Signed kernel images are built from "linux-signed-*" at a "+N"
	// version; the tracker speaks of "linux" at the image's own version.
	if c, _ := classify(p.Name, k.Name); c == match.KernelImage && strings.HasPrefix(k.Name, "linux-signed") {
		k.Name, k.Version = "linux", p.Version
	}
	return k
}

// Kernel classifies by the binary's name and the source it is keyed as.
func (Driver) Kernel(p model.Package, k match.Key) (match.KernelClass, string) {
	return classify(p.Name, k.Name)
}

// Applies: Debian records have no arch or module restriction.
func (Driver) Applies(rec model.Advisory, k match.Key) bool { return match.Applies(rec, k) }

// OriginRank puts the tracker's complete view (JSON) first, then the CVE
// list, then the DSA and DLA lists (equal).
func (Driver) OriginRank(origin string) int {
	switch origin {
	case SourceTracker:
		return 3
	case SourceCVEList:
		return 2
	}
	return 1
}

// urgencySeverity ranks the tracker's urgency words; "not yet assigned",
// "end-of-life" and the "**" (unconfirmed) forms rank unknown.
var urgencySeverity = map[string]model.Severity{
	"unimportant": model.SeverityNegligible,
	"low":         model.SeverityLow,
	"medium":      model.SeverityMedium,
	"high":        model.SeverityHigh,
}

// Severity maps a tracker urgency.
func (Driver) Severity(word string) model.Severity { return urgencySeverity[word] }
