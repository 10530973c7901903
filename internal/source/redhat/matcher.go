package redhat

import (
	"strconv"
	"strings"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/rpmmatch"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/version"
)

// Driver is Red Hat Enterprise Linux's matching rules (match.Driver):
// records (OVAL, flattened) are filed under binary RPM names with Red
// Hat's arch restrictions and module streams; versions in rpm order,
// epoch first; only the running kernel counts (internal/source/rpmmatch).
type Driver struct{}

var _ match.Driver = Driver{}

// Name names the driver.
func (Driver) Name() string { return "redhat" }

// Distros: rhel:N and the extended-support streams rhel:N.M-eus...
func (Driver) Distros() []string { return []string{"rhel"} }

// Scheme is rpm's order.
func (Driver) Scheme() version.Scheme { return version.RPM }

// DataGroups: a RHEL release reads its own records.
func (Driver) DataGroups(group string) []string { return []string{group} }

// LearnsSources: records name binary packages.
func (Driver) LearnsSources() bool { return false }

// Key is the installed binary's name and "E:V-R" (rpmmatch.DriverKey).
func (Driver) Key(p model.Package, _ *store.BinarySource) match.Key { return rpmmatch.DriverKey(p) }

// Kernel: only the running kernel image counts (rpmmatch.Kernel).
func (Driver) Kernel(p model.Package, _ match.Key) (match.KernelClass, string) {
	return rpmmatch.Kernel(p)
}

// Applies: the OVAL arch restriction (a "|" list or a pattern,
// ArchMatches) and the module rules of rpmmatch.Applies; then, of an ELS
// fix (vex.go), the ELS record to a package at or above the fix (a build
// only ELS subscribers can install: that host has ELS), its WithoutELS
// twin to a package below it (affected, the ELS fix named, nothing to
// install without ELS). So an ELS fix never makes a host without ELS
// look fixed, nor tells it of a fix it cannot install.
func (d Driver) Applies(rec model.Advisory, k match.Key) bool {
	if !rpmmatch.Applies(rec, k, ArchMatches) {
		return false
	}
	switch {
	case rec.Source == ELSSourceName && rec.Status == model.StatusFixed:
		return version.RPM.Compare(k.Version, rec.FixedVersion) >= 0
	case rec.Source == WithoutELSSourceName:
		return rec.FixedVersion != "" && version.RPM.Compare(k.Version, rec.FixedVersion) < 0
	}
	return true
}

// OriginRank: the ELS records of a release out of maintenance (RHEL 6,
// 7: the plain release's say "Out of support scope" where ELS ships a
// fix, and Applies keeps each to the packages it speaks of), then Red
// Hat's OVAL, then its CSAF VEX and advisories (they decide a CVE the
// OVAL files hold no record of), then an updateinfo file an admin named.
func (Driver) OriginRank(origin string) int {
	switch origin {
	case ELSSourceName, WithoutELSSourceName:
		return 4
	case SourceName:
		return 3
	case VEXSourceName:
		return 2
	}
	return 1
}

// Severity maps Red Hat's impact words: Low, Moderate, Important, Critical.
func (Driver) Severity(word string) model.Severity { return rpmmatch.Severity(word) }

// Rebuilds is the driver of the distributions that rebuild RHEL from its
// sources and read Red Hat's data of the same major, as Pakiti 3 did:
// CentOS (centos:N, CentOS Stream included), Scientific Linux
// (scientific:N) and Red Hat CoreOS (rhcos:4.M, RHEL 8 based up to 4.12,
// RHEL 9 based from 4.13). A group's own records, when an admin imported
// some (updateinfo), come first; for the other keys Red Hat's decide and
// every verdict says so (store.Verdict.DataGroup). Versions are compared
// with the rebuild dist-tag rule (OlderThanFix): CentOS's
// 1:2.02-0.86.el7.centos has Red Hat's fix 1:2.02-0.86.el7_8.
type Rebuilds struct{ Driver }

var _ match.Driver = Rebuilds{}

// Name names the driver.
func (Rebuilds) Name() string { return "redhat-rebuilds" }

// Distros: CentOS, Scientific Linux, Red Hat CoreOS.
func (Rebuilds) Distros() []string { return []string{"centos", "scientific", "rhcos"} }

// Scheme is rpm's order read with the rebuild dist-tag rule.
func (Rebuilds) Scheme() version.Scheme { return RebuildOrder }

// DataGroups: the group's own, then rhel:N of its RHEL major (none when
// the major is not one Red Hat publishes data for).
func (Rebuilds) DataGroups(group string) []string {
	if major, ok := RHELMajor(group); ok {
		return []string{group, osGroupPrefix + major}
	}
	return []string{group}
}

// RHELMajor is the RHEL major a rebuild's group is built from:
// "centos:7" and "scientific:7" -> "7", "rhcos:4.2" -> "8",
// "rhcos:4.14" -> "9".
func RHELMajor(group string) (string, bool) {
	distro, rel, _ := strings.Cut(group, ":")
	switch distro {
	case "centos", "scientific":
		major := rel
		if i := strings.IndexFunc(rel, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
			major = rel[:i]
		}
		_, ok := OSGroup(major)
		return major, ok
	case "rhcos":
		ma, mi, _ := strings.Cut(rel, ".")
		n, err := strconv.Atoi(mi)
		if ma != "4" || err != nil {
			return "", false
		}
		if n <= 12 {
			return "8", true
		}
		return "9", true
	}
	return "", false
}

// RebuildOrder is rpm's order in which a rebuild's release counts as
// equal to the Red Hat release it rebuilds (OlderThanFix): Verdicts then
// holds a CentOS build of the fixed release fixed.
var RebuildOrder version.Scheme = rebuildOrder{}

type rebuildOrder struct{}

func (rebuildOrder) Name() string { return "rpm" }

func (rebuildOrder) Compare(a, b string) int {
	c := version.RPM.Compare(a, b)
	switch {
	case c < 0 && !OlderThanFix(a, b):
		return 0
	case c > 0 && !OlderThanFix(b, a):
		return 0
	}
	return c
}

var _ match.RecordRule = Driver{}

// HostFacts: the enabled module streams (rpmmatch.HostRecords).
func (Driver) HostFacts() []string { return rpmmatch.HostFacts() }

// RedecidedBasis: module builds without their stream.
func (Driver) RedecidedBasis() string { return rpmmatch.RedecidedBasis() }

// HostRecords: a module build without its stream, on a host that said
// which streams it enabled, meets the records of those streams only
// (rpmmatch.HostRecords).
func (Driver) HostRecords(k match.Key, facts map[string]string) (string, func(model.Advisory) bool, bool) {
	return rpmmatch.HostRecords(k, facts)
}
