package ubuntu

import (
	"strings"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/version"
)

// Driver is Ubuntu's matching rules (match.Driver). The tracker files its
// records under SOURCE packages, which protocol-6 reports name and
// protocol-5 reports leave to the OS group's binary -> source map (learned
// from protocol-6 reports and Ubuntu Packages indexes); versions compare
// in dpkg order.
//
// Ubuntu Pro (ESM). A record of a Pro channel (origin ubuntu-esm-infra,
// ubuntu-esm-apps, ubuntu-fips...) applies only to an installed package
// that came from such a channel: a source version with "+esm"/"~esm" for
// the ESM channels, with "fips" for the FIPS ones. Such a package is
// judged by its channel's record first (OriginRank), the release's own
// record when the channel has none for the CVE. Every other package is
// judged by the release's records only, so a host without Pro is never
// held to a fix it cannot install, nor shown one.
//
// Ubuntu's OSV records and the tracker's text files give a Pro fix a twin
// of origin ubuntu-without-CHANNEL (osv.go, cvefile.go): a package not
// from a Pro channel and below the Pro fix is affected with no fix it can
// install — unfixed, the Pro version named — so a host without Pro is
// never told an esm-only fix is "open", and is not left without a finding
// either (Ubuntu's OSV files a release out of standard support under its
// Pro ecosystem only; the tracker's twin carries the release's own
// verdict, "ignored (out of standard support)", in its stead).
//
// How a host tells us it has Pro: by what it has installed (above), and,
// over protocol 6, by the Pro services it says it has enabled (pro:
// header). Verdicts are kept per OS group and installed package, shared
// by every host that has that package (match.Matcher); the host's
// services then turn the without-Pro view of a Pro fix into an open
// finding on a host with the service and say why it is unfixed on the
// others (prohost.go, a match.FindingRule). PreferChannels picks the
// records a per-channel verdict would need.
//
// Kernels: only the running image counts (KernelImage with its release,
// matched against uname -r), keyed as its own source with signing undone
// (linux-signed-hwe-5.4 gives linux-hwe-5.4; ClassifyKernel,
// UnsignedSource); headers, modules, tools, linux-libc-dev and meta
// packages are never counted.
type Driver struct{}

var _ match.Driver = Driver{}

// Name names the driver.
func (Driver) Name() string { return "ubuntu" }

// Distros: ubuntu:VERSION, LTS and interim releases.
func (Driver) Distros() []string { return []string{"ubuntu"} }

// Scheme is dpkg's version order.
func (Driver) Scheme() version.Scheme { return version.Deb }

// DataGroups: a release reads its own records (Pro channels included:
// they share the release's group, told apart by origin).
func (Driver) DataGroups(group string) []string { return []string{group} }

// LearnsSources: the tracker names source packages.
func (Driver) LearnsSources() bool { return true }

// Key is the source package of an installed package: the report's
// (protocol 6), else the learned or indexed one, else the binary's own
// name and version. A kernel image is keyed as its unsigned source at the
// image's own version (linux-signed 4.15.0-99.100 gives linux); when
// nothing names its source, as inferred from its name (ImageSource).
func (Driver) Key(p model.Package, known *store.BinarySource) match.Key {
	k := match.Key{Name: p.SourceName, Version: p.SourceVersion, Basis: match.BasisReport, Arch: p.Arch}
	switch {
	case k.Name != "":
	case known != nil:
		k.Name, k.Version, k.Basis = known.SourceName, known.SourceVersion, known.Origin
		if !known.Exact {
			// Only another version of this binary is known: its source
			// name holds; Ubuntu rebuilds are sourceful ("build1"), so
			// the source version is the binary's.
			k.Version = p.Version
		}
	default:
		k.Name, k.Version, k.Basis = p.Name, p.Version, match.BasisBinaryName
	}
	if k.Version == "" {
		k.Version = p.Version
	}
	if c := ClassifyKernel(p.Name, k.Name, ""); isImage(c.Role) && c.Source != "" {
		k.Name, k.Version = c.Source, p.Version
		if k.Basis == match.BasisBinaryName {
			if src := ImageSource(p.Name, p.Version); src != "" {
				k.Name, k.Basis = src, BasisKernelName
			}
		}
	}
	return k
}

func isImage(r KernelRole) bool { return r == RunningImage || r == OtherImage }

// Kernel: an image counts only on the host running its release; the other
// packages of kernel sources are support, never counted.
func (Driver) Kernel(p model.Package, k match.Key) (match.KernelClass, string) {
	c := ClassifyKernel(p.Name, k.Name, "")
	switch {
	case isImage(c.Role):
		return match.KernelImage, c.Release
	case c.Role == KernelSupport:
		return match.KernelSupport, ""
	}
	return match.NotKernel, ""
}

// Applies: a Pro channel's record applies only to a package installed
// from such a channel (see Driver); the release's records to every
// package.
//
// Of the OSV records (osv.go): a Livepatch record applies to nothing (a
// live patch leaves the kernel's version as it was); a without-Pro
// record to a package not from a Pro channel whose version is below the
// Pro fix it names.
func (Driver) Applies(rec model.Advisory, k match.Key) bool {
	if !match.Applies(rec, k) {
		return false
	}
	switch ch := Channel(rec.Source); {
	case IsProLater(rec.Source):
		return appliesLater(rec, k.Version)
	case IsWithoutPro(rec.Source):
		return !esmVersion(k.Version) && !strings.Contains(k.Version, "fips") &&
			rec.FixedVersion != "" && version.Deb.Compare(k.Version, rec.FixedVersion) < 0
	case ch == "livepatch":
		return false
	case ch == "":
		return true
	case strings.HasPrefix(ch, "fips"):
		return strings.Contains(k.Version, "fips")
	default:
		return esmVersion(k.Version)
	}
}

// OriginRank: a Pro channel's fix later than the release's (prolater.go:
// it applies only above the release's fix), then a Pro channel's record (when it applies) before the
// release's own (tracker or OSV), before the without-Pro view of a Pro fix
// (osv.go) and any other origin.
func (Driver) OriginRank(origin string) int {
	switch {
	case IsProLater(origin):
		return 4 // applies only where the release's record said fixed (prolater.go)
	case Channel(origin) != "":
		return 3
	case origin == OriginTracker:
		return 2
	}
	return 1
}

// prioritySeverity ranks the tracker's priority words; "untriaged" (no
// priority assigned yet) ranks unknown.
var prioritySeverity = map[string]model.Severity{
	"negligible": model.SeverityNegligible,
	"low":        model.SeverityLow,
	"medium":     model.SeverityMedium,
	"high":       model.SeverityHigh,
	"critical":   model.SeverityCritical,
}

// Severity maps a tracker priority (Priorities).
func (Driver) Severity(word string) model.Severity { return prioritySeverity[word] }
