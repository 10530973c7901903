package suse

import (
	"regexp"
	"slices"
	"strings"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/rpmmatch"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/version"
)

// Driver is the matching rules of SUSE Linux Enterprise and openSUSE
// (match.Driver): records are filed under binary RPM names; versions in
// rpm order (epoch first, a missing epoch read as 0); arch restrictions
// as SUSE's OVAL writes them; only the running kernel counts, with SUSE's
// flavour naming (Kernel); SUSE's ratings.
type Driver struct{}

var _ match.Driver = Driver{}

// Name names the driver.
func (Driver) Name() string { return "suse" }

// Distros: sles, sled, opensuse-leap, opensuse.
func (Driver) Distros() []string { return slices.Clone(Distros) }

// Scheme is rpm's order.
func (Driver) Scheme() version.Scheme { return version.RPM }

// DataGroups: a release (service pack included) reads its own records:
// SUSE publishes them per service pack.
func (Driver) DataGroups(group string) []string { return []string{group} }

// LearnsSources: records name binary packages.
func (Driver) LearnsSources() bool { return false }

// Key is the installed binary's name and version, exactly as reported.
func (Driver) Key(p model.Package, _ *store.BinarySource) match.Key {
	return match.Key{Name: p.Name, Version: p.Version, Basis: match.BasisReport, Arch: p.Arch}
}

// Kernel: only the running kernel image counts (Kernel).
func (Driver) Kernel(p model.Package, _ match.Key) (match.KernelClass, string) { return Kernel(p) }

// Applies: the record's arch restriction must admit the installed arch
// (SUSE records have no module streams).
func (Driver) Applies(rec model.Advisory, k match.Key) bool {
	return rec.Module == "" && ArchMatches(rec.Arch, k.Arch)
}

// OriginRank: SUSE's OVAL, then its CSAF VEX, then an updateinfo file.
func (Driver) OriginRank(origin string) int {
	switch origin {
	case SourceName:
		return 3
	case VEXSourceName:
		return 2
	}
	return 1
}

// Severity maps SUSE's ratings (low, moderate, important, critical: the
// words Red Hat uses).
func (Driver) Severity(word string) model.Severity { return rpmmatch.Severity(word) }

// ArchMatches tells whether arch is admitted by a restriction: "" admits
// every arch, a "|" list its members, another OVAL pattern what it
// matches (unanchored, as OVAL's pattern match). An unknown installed
// arch is admitted.
func ArchMatches(restriction, arch string) bool {
	if restriction == "" || arch == "" {
		return true
	}
	if !strings.ContainsAny(restriction, `.*+?[](){}^$\`) {
		return slices.Contains(strings.Split(restriction, "|"), arch)
	}
	re, err := regexp.Compile(restriction)
	return err == nil && re.MatchString(arch)
}

// kernelImage matches SUSE's kernel packages of one flavour that hold a
// bootable kernel or its modules: kernel-default, kernel-default-base,
// kernel-default-extra, kernel-default-optional, kernel-azure,
// kernel-64kb, kernel-rt, kernel-preempt... Group 1 is the flavour.
var kernelImage = regexp.MustCompile(`^kernel-(default|azure|64kb|rt|rt_debug|preempt|kvmsmall|zfcpdump|vanilla|debug|pae|xen|ec2|lpae|bigsmp|desktop|trace|ppc64|s390|vmi)(?:-base|-extra|-optional)?$`)

// kernelSupport matches the packages built from the kernel sources that
// are no kernel a host boots: sources, devel trees, macros, symbols,
// documentation, build helpers.
var kernelSupport = regexp.MustCompile(`^kernel-(?:(?:default|azure|64kb|rt|preempt|kvmsmall|zfcpdump|vanilla|debug|pae|xen|ec2)-(?:devel|man|livepatch-devel)|devel|devel-azure|devel-rt|source|source-azure|source-rt|source-vanilla|syms|syms-azure|syms-rt|macros|docs|docs-html|docs-pdf|obs-build|obs-qa|install-tools)$`)

// Kernel classifies an installed SUSE RPM. A kernel image counts only on
// the host running it; uname -r prints its version, its release without
// the last (rebuild) component, and its flavour: kernel-default
// 0:5.3.18-59.37.2 runs as 5.3.18-59.37-default, kernel-default
// 0:5.14.21-150400.24.46.1 as 5.14.21-150400.24.46-default. Kernel
// support packages are evaluated, never counted; everything else (the
// kernel-firmware-* packages, whose vulnerabilities do not depend on the
// running kernel, included) is an ordinary package.
func Kernel(p model.Package) (match.KernelClass, string) {
	if m := kernelImage.FindStringSubmatch(p.Name); m != nil {
		return match.KernelImage, KernelRelease(p.Version, m[1])
	}
	if kernelSupport.MatchString(p.Name) {
		return match.KernelSupport, ""
	}
	return match.NotKernel, ""
}

// KernelRelease is uname -r of a SUSE kernel package of evr and flavour.
func KernelRelease(evr, flavour string) string {
	if i := strings.IndexByte(evr, ':'); i >= 0 {
		evr = evr[i+1:]
	}
	if i := strings.LastIndexByte(evr, '.'); i > strings.LastIndexByte(evr, '-') {
		evr = evr[:i]
	}
	return evr + "-" + flavour
}
