package match

import (
	"sort"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/version"
)

// Driver is the matching rules of one distro family, implemented in the
// family's folder under internal/source (debian.Driver...) and listed in
// internal/drivers. This package keeps what is generic: the verdict cache,
// grouping, invalidation by the driver's key, findings.
type Driver interface {
	// Name names the family ("debian").
	Name() string
	// Distros are the OS-group distros the driver serves, the part of a
	// group before ":" ("debian", "ubuntu").
	Distros() []string
	// Scheme is the version order of the family's packages.
	Scheme() version.Scheme
	// DataGroups are the OS groups whose records a host of group reads,
	// in order of preference: for each key the first group with records
	// decides. Usually the group itself; a group that borrows another's
	// data (centos:7 reading rhel:7) names that one, and every verdict
	// from it says so (store.Verdict.DataGroup).
	DataGroups(group string) []string
	// LearnsSources tells whether Key reads the OS group's binary ->
	// source map (learned from protocol-6 reports and package indexes).
	// When false the map is neither learned nor looked up.
	LearnsSources() bool
	// Key returns how an installed package meets the records: the name
	// they are filed under, the version compared with their fixes and how
	// the name was found. known is the group's binary -> source mapping of
	// the package when the report named no source (nil when none is known
	// or LearnsSources is false).
	Key(p model.Package, known *store.BinarySource) Key
	// Kernel says how a package counts as a kernel: not a kernel, an
	// image (counts only on a host running its release, which it
	// returns, as uname -r prints it), or support (headers, tools, meta
	// packages: evaluated, never counted).
	Kernel(p model.Package, k Key) (KernelClass, string)
	// Applies tells whether a record filed under k.Name concerns the
	// installed package at all (arch restriction, module stream);
	// versions and statuses are Verdicts' to decide.
	Applies(rec model.Advisory, k Key) bool
	// OriginRank orders record origins (model.Advisory.Source): for one
	// CVE only the records of the best origin count.
	OriginRank(origin string) int
	// Severity maps a severity word of the family's sources to the
	// common scale.
	Severity(word string) model.Severity
}

// Key is how an installed package meets the records of its OS group.
type Key struct {
	Name    string // the package name records are filed under (Debian: the source package)
	Version string // the version compared with the records' fixes
	Basis   string // how Name was found: BasisReport, BasisLearned...
	Arch    string // the installed package's arch, for arch-restricted records
	Module  string // the module stream "name:stream" of a modular package; "" otherwise
}

// Basis says how the key of an installed package was found.
const (
	BasisReport        = "report"         // the report carried it (protocol 6)
	BasisLearned       = "learned"        // from protocol-6 reports of the same OS group
	BasisPackagesIndex = "packages-index" // from the distro's package index (binary -> key)
	BasisBinaryName    = "binary-name"    // nothing known: the binary name and version
)

// KernelClass says how a package counts as a kernel. Only the running
// kernel counts (protocol.md): a host may keep several kernel images
// installed, but only the one it booted is exposed.
type KernelClass int

// The kernel classes.
const (
	NotKernel     KernelClass = iota // an ordinary package: counts
	KernelImage                      // counts only on hosts running it
	KernelSupport                    // headers, libc-dev, tools, meta packages: never counted
)

// Applies is the common record filter drivers may use: a record restricted
// to arches ("x86_64|aarch64", as OVAL writes them) applies to those only,
// and a module stream's record only to a package of that stream (a
// record without a stream only to a package without one).
func Applies(rec model.Advisory, k Key) bool {
	if rec.Module != k.Module {
		return false
	}
	if rec.Arch == "" {
		return true
	}
	for _, a := range strings.Split(rec.Arch, "|") {
		if a == k.Arch {
			return true
		}
	}
	return false
}

// Registry holds the drivers by the distros they serve.
type Registry struct {
	byDistro map[string]Driver
	drivers  []Driver
}

// NewRegistry registers drivers; a distro served twice is a programming
// error.
func NewRegistry(drivers ...Driver) *Registry {
	r := &Registry{byDistro: map[string]Driver{}}
	for _, d := range drivers {
		for _, distro := range d.Distros() {
			if prev, dup := r.byDistro[distro]; dup {
				panic("distro " + distro + " served by two drivers: " + prev.Name() + ", " + d.Name())
			}
			r.byDistro[distro] = d
		}
		r.drivers = append(r.drivers, d)
	}
	return r
}

// For returns the driver of an OS group's family (the group's part before
// ":"); false when none serves it, or r is nil.
func (r *Registry) For(group string) (Driver, bool) {
	if r == nil {
		return nil, false
	}
	distro, _, _ := strings.Cut(group, ":")
	d, ok := r.byDistro[distro]
	return d, ok
}

// Names lists the registered drivers, sorted.
func (r *Registry) Names() []string {
	var out []string
	if r != nil {
		for _, d := range r.drivers {
			out = append(out, d.Name())
		}
	}
	sort.Strings(out)
	return out
}

// Severity maps a record's severity word through the driver of its OS
// group (store.SeverityOf); unknown for a group no driver serves.
func (r *Registry) Severity(group, word string) model.Severity {
	if d, ok := r.For(group); ok {
		return d.Severity(word)
	}
	return model.SeverityUnknown
}
