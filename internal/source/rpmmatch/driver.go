package rpmmatch

import (
	"regexp"
	"strings"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
)

// The pieces of match.Driver every RPM family shares (redhat, alma,
// rocky): their drivers call these and add their own data groups, arch
// rule, version order and origins.

// BasisModuleUnknown is the basis of an installed module build whose
// module stream the report did not give (protocol 5 carries none; a
// protocol-6 client whose rpm does not know MODULARITYLABEL neither): its
// module records were applied without knowing the stream or the host's
// module state, and every finding of the package says so.
const BasisModuleUnknown = "module-unknown"

// DriverKey is how an installed RPM meets the records: records are filed
// under binary package names, so the report's own name and version
// ("E:V-R", epoch 0 written) are the key, exactly (basis report). A module
// build carries its stream when the report gave its MODULARITYLABEL
// (protocol 6); one without has the basis module-unknown.
func DriverKey(p model.Package) match.Key {
	k := match.Key{Name: Key(p), Version: p.Version, Basis: match.BasisReport, Arch: p.Arch, Module: p.Module}
	if p.Module == "" && IsModuleBuild(p.Version) {
		k.Basis = BasisModuleUnknown
	}
	return k
}

// Applies tells whether a record filed under k.Name concerns the installed
// package, archOK deciding the arch restriction (rpmmatch.ArchMatches, or
// Red Hat's OVAL patterns):
//
//   - an arch restriction must admit the installed arch;
//   - a record is modular when it names a module stream or its fixed
//     version is a module build; it applies to module builds only, and a
//     plain record to plain builds only (a module stream and the base
//     package are different lines of one name: their versions do not
//     order);
//   - a package whose report gave its module stream (protocol 6
//     MODULARITYLABEL) is a module build whatever its release says, and
//     a modular record applies to it only when the record names that
//     stream (a record of a stream it is not in, as on a host that
//     enabled another stream, does not apply); when the package's stream
//     is not known (protocol 5), a modular record applies to any module
//     build of the name, and the key's basis (module-unknown) says so.
//
// This is claircore's rule (records and packages meet on their module,
// "" with "") and Trivy's (a modular package is looked up as
// "stream::name", a plain one by name), with one difference where the
// stream is unknown: Trivy skips such a module build and claircore, which
// always reads MODULARITYLABEL, never meets the case; we report it, marked.
// Known limit: when one name ships in two streams (nodejs:18 and
// nodejs:20), a module build of either is compared with the latest fix of
// both; the module-unknown basis warns of it.
func Applies(rec model.Advisory, k match.Key, archOK func(restriction, arch string) bool) bool {
	if rec.Arch != "" && k.Arch != "" && !archOK(rec.Arch, k.Arch) {
		return false
	}
	modular := k.Module != "" || IsModuleBuild(k.Version)
	recModular := rec.Module != "" || rec.Status == model.StatusFixed && IsModuleBuild(rec.FixedVersion)
	if modular != recModular {
		return false
	}
	if rec.Module != "" && k.Module != "" {
		return rec.Module == k.Module
	}
	return true
}

// kernelImage matches the RPM kernel packages that hold one bootable
// kernel (the image, its core and its modules) of each flavour Red Hat,
// its rebuilds, Oracle (uek) and SUSE (default) build. Group 1 is the
// flavour.
var kernelImage = regexp.MustCompile(`^kernel(?:-(rt|uek|64k|debug|rt-debug|64k-debug|zfcpdump|default|azure))?(?:-core|-modules(?:-[a-z]+)*)?$`)

// kernelSupport matches the packages built from a kernel source that are
// no kernel a host boots: headers, devel trees, tools, ABI lists,
// documentation, firmware.
var kernelSupport = regexp.MustCompile(`^kernel(?:-(?:rt|uek|64k|debug|rt-debug|64k-debug|default|azure))?-(?:headers|devel(?:-matched)?|tools(?:-libs)?(?:-devel)?|doc|abi-(?:whitelists|stablelists)|cross-headers|firmware|source|syms)$`)

// Kernel classifies an installed RPM: a kernel image counts only on the
// host running its release, the one uname -r prints (the report's kernel:
// line): VERSION-RELEASE.ARCH of the package ("kernel-core
// 0:5.14.0-427.13.1.el9_4 x86_64" is 5.14.0-427.13.1.el9_4.x86_64), with
// "+debug", "+64k", "+64k-debug" after it for those flavours on EL8 and
// later (".debug" on EL7 and before); SUSE's kernel-default 5.3.18-59.37.2
// runs as 5.3.18-59.37-default. Kernel support packages are evaluated,
// never counted; everything else is an ordinary package.
func Kernel(p model.Package) (match.KernelClass, string) {
	if m := kernelImage.FindStringSubmatch(p.Name); m != nil {
		return match.KernelImage, kernelRelease(m[1], p.Version, p.Arch)
	}
	if kernelSupport.MatchString(p.Name) {
		return match.KernelSupport, ""
	}
	return match.NotKernel, ""
}

var reOldEL = regexp.MustCompile(`\.el[1-7](?:[._]|$)`)

// kernelRelease is the uname -r of a kernel package of flavour.
func kernelRelease(flavour, evr, arch string) string {
	if i := strings.IndexByte(evr, ':'); i >= 0 {
		evr = evr[i+1:]
	}
	if flavour == "default" || flavour == "azure" {
		// SUSE: the last release component is the build counter.
		if i := strings.LastIndexByte(evr, '.'); i > strings.LastIndexByte(evr, '-') {
			evr = evr[:i]
		}
		return evr + "-" + flavour
	}
	r := evr
	if arch != "" {
		r += "." + arch
	}
	switch flavour {
	case "debug", "rt-debug":
		if reOldEL.MatchString(evr) {
			return r + ".debug"
		}
		return r + "+debug"
	case "64k":
		return r + "+64k"
	case "64k-debug":
		return r + "+64k-debug"
	}
	return r
}

// severities are Red Hat's impact words, which AlmaLinux and Rocky use
// too (lower-cased by the parsers).
var severities = map[string]model.Severity{
	"none":      model.SeverityNegligible,
	"low":       model.SeverityLow,
	"moderate":  model.SeverityMedium,
	"important": model.SeverityHigh,
	"critical":  model.SeverityCritical,
}

// Severity maps a Red Hat style impact word (any case) to the common
// scale; other words rank unknown.
func Severity(word string) model.Severity {
	return severities[strings.ToLower(strings.TrimSpace(word))]
}
