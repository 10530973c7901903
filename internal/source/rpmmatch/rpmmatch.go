// Package rpmmatch holds the pure rules an RPM distribution's matcher
// applies to one installed package and one advisory record: the binary
// package name is the key records are filed under, an arch restriction,
// module builds against module records, and the rpm version order
// (epoch:version-release, internal/version's RPM), and (driver.go) the
// pieces of match.Driver the RPM families share: the key, the record
// filter, kernel naming and Red Hat's severity words, which the drivers
// of redhat, alma and rocky call.
package rpmmatch

import (
	"slices"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/version"
)

// Key is the name records of RPM distributions are filed under for an
// installed package: its binary name (OSV, updateinfo and OVAL all name
// binary RPMs).
func Key(p model.Package) string { return p.Name }

// IsModuleBuild reports whether an RPM version's release is a module build:
// ".module+el8.4.0+..." as Red Hat and Rocky write it, ".module_el8..." as
// AlmaLinux does.
func IsModuleBuild(evr string) bool {
	i := strings.LastIndexByte(evr, '-')
	if i < 0 {
		return false
	}
	rel := evr[i+1:]
	return strings.Contains(rel, ".module+") || strings.Contains(rel, ".module_")
}

// ArchMatches reports whether a record's arch restriction ("" or arches
// separated by "|") admits an installed arch.
func ArchMatches(restriction, arch string) bool {
	if restriction == "" {
		return true
	}
	for _, a := range strings.Split(restriction, "|") {
		if a == arch {
			return true
		}
	}
	return false
}

// ModuleStream returns the "name:stream" of an RPM's MODULARITYLABEL
// ("perl-libwww-perl:6.34:8060020220422081956:fbe42456" gives
// "perl-libwww-perl:6.34"), or "" for a label without both parts.
func ModuleStream(label string) string {
	parts := strings.SplitN(label, ":", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return ""
	}
	return parts[0] + ":" + parts[1]
}

// Verdict is what one record says of one installed package.
type Verdict struct {
	Affected bool
	// Reason says why, in a few words: "installed < fixed", "arch
	// restriction", "module stream not enabled", "unfixed"...
	Reason string
}

// Affects tells whether record a (already of the package's OS group and
// key) makes installed package p vulnerable.
//
// enabled lists the module streams ("name:stream") the installed package
// may come from: its own stream when its MODULARITYLABEL is known (see
// ModuleStream), else the host's enabled streams; nil means unknown (a
// protocol-5 report), and then a module record is decided by the
// module-build mark of the installed release alone, which flags a module
// build of another stream that ships the same package name. The rules, in order:
//
//   - an arch restriction that does not name the installed arch: not
//     affected;
//   - a record with a Module: not affected when the installed package is
//     not a module build, or when the host's enabled streams are known and
//     do not include it;
//   - a fixed record whose fixed version and the installed version are not
//     both module builds or both plain builds: not affected (a module
//     stream and the base package are different lines of one name; their
//     versions do not order);
//   - a fixed record: affected when installed < fixed in rpm order (epoch
//     first; a missing epoch is 0);
//   - any other status but not-affected: affected.
func Affects(p model.Package, a model.Advisory, enabled []string) Verdict {
	if !ArchMatches(a.Arch, p.Arch) {
		return Verdict{false, "arch restriction " + a.Arch}
	}
	if a.Module != "" {
		if !IsModuleBuild(p.Version) {
			return Verdict{false, "module record, installed is not a module build"}
		}
		if enabled != nil && !slices.Contains(enabled, a.Module) {
			return Verdict{false, "module stream " + a.Module + " not enabled"}
		}
	}
	if a.Status != model.StatusFixed {
		return Verdict{a.Status.Affects(), string(a.Status)}
	}
	if IsModuleBuild(p.Version) != IsModuleBuild(a.FixedVersion) {
		return Verdict{false, "module build and plain build do not compare"}
	}
	if version.RPM.Compare(p.Version, a.FixedVersion) < 0 {
		return Verdict{true, "installed < fixed"}
	}
	return Verdict{false, "installed >= fixed"}
}
