package redhat

import (
	"regexp"
	"slices"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/oval"
	"github.com/pakiti-go/pakiti/internal/version"
)

// The rules a matcher for RHEL and its rebuilds needs that only this
// source knows. They are plain functions, not wired into internal/match.

// Key is the name Red Hat files records under: the binary RPM name.
func Key(p model.Package) string { return p.Name }

// Host is what record matching needs to know of a host besides a package.
type Host struct {
	// Modules are the enabled module streams, "name:stream".
	Modules []string
	// ModulesKnown tells whether Modules was reported (protocol 6). When
	// it was not, a package's module stream is inferred from its release
	// (".module+el8...").
	ModulesKnown bool
}

// Verdict is what Affects decided, and why.
type Verdict struct {
	Applies    bool   // the record is about this package build (arch, module)
	Vulnerable bool   // the installed version is affected
	Basis      string // why, for the finding ("arch", "module", "fixed in ...", "rebuild dist tag", "module stream inferred from release")
}

// Affects tells whether a Red Hat record affects an installed package:
//
//   - the record's Arch list ("aarch64|ppc64le|s390x|x86_64", an OVAL
//     pattern) must match the package's arch (an unknown arch matches);
//   - module streams must agree, as claircore's RHEL matcher has it: a
//     record of module "nodejs:12" applies only where that stream is
//     enabled (from Host.Modules, or, when the host did not say, where the
//     package is a module build: ".module+el8" in its release); a record
//     without a module applies only to packages that are not module builds;
//   - then a fixed record affects versions older than FixedVersion (rpm
//     order, epoch included: a missing epoch is 0; rebuild dist tags as
//     OlderThanFix), and an unfixed record affects every version unless
//     its status is not-affected.
func Affects(rec model.Advisory, p model.Package, h Host) Verdict {
	if rec.Arch != "" && p.Arch != "" && !ArchMatches(rec.Arch, p.Arch) {
		return Verdict{Basis: "arch " + p.Arch + " not in " + rec.Arch}
	}
	basis := ""
	modular := IsModuleBuild(p.Version)
	switch {
	case rec.Module == "" && modular:
		return Verdict{Basis: "module build, record is for the non-modular package"}
	case rec.Module != "" && h.ModulesKnown:
		if !slices.Contains(h.Modules, rec.Module) {
			return Verdict{Basis: "module stream " + rec.Module + " not enabled"}
		}
	case rec.Module != "":
		if !modular {
			return Verdict{Basis: "not a module build, record is for module stream " + rec.Module}
		}
		basis = "module stream inferred from release; "
	}
	if rec.Status != model.StatusFixed {
		return Verdict{Applies: true, Vulnerable: rec.Status.Affects(), Basis: basis + string(rec.Status)}
	}
	if version.RPM.Compare(p.Version, rec.FixedVersion) >= 0 {
		return Verdict{Applies: true, Basis: basis + "fixed in " + rec.FixedVersion}
	}
	if !OlderThanFix(p.Version, rec.FixedVersion) {
		return Verdict{Applies: true, Basis: basis + "rebuild dist tag: same upstream release as " + rec.FixedVersion}
	}
	return Verdict{Applies: true, Vulnerable: true, Basis: basis + "older than " + rec.FixedVersion}
}

// ArchMatches tells whether arch is in an OVAL arch restriction: a "|"
// list, or, when it holds other pattern characters, the pattern itself
// (OVAL "pattern match", unanchored).
func ArchMatches(restriction, arch string) bool {
	if !strings.ContainsAny(restriction, `.*+?[](){}^$\`) {
		return slices.Contains(strings.Split(restriction, "|"), arch)
	}
	re, err := regexp.Compile(restriction)
	return err == nil && re.MatchString(arch)
}

var reModuleBuild = regexp.MustCompile(`\.module[+_]el[0-9]`)

// IsModuleBuild tells a module build from its version-release
// ("3.6.8-1.module+el8.1.0+3334+5cb623d7", Rocky's ".module_el8").
func IsModuleBuild(evr string) bool { return reModuleBuild.MatchString(evr) }

var reDist = regexp.MustCompile(`^(.*?)\.el([0-9]+)(.*)$`)

// OlderThanFix tells whether installed is older than Red Hat's fixed
// version, reading rebuild dist tags as the rebuilds mean them.
//
// CentOS rebuilds Red Hat's z-stream updates under its own dist tag: Red
// Hat fixes BootHole in grub2 1:2.02-0.86.el7_8, CentOS ships the same
// source as 1:2.02-0.86.el7.centos. rpm orders "0.86.el7.centos" before
// "0.86.el7_8" (a letter run sorts before a digit run), so a plain
// comparison flags the fixed CentOS package: the false positive Pakiti 3's
// users reported for years. The rule: when epoch and version are equal and
// both releases carry an ".elN" dist tag of the same N, compare the
// releases up to the tag; if they are equal too, a rebuild tag (".elN"
// followed by "." and a letter: ".el7.centos", ".el7.centos.2") is the
// rebuild of that release, whatever z-stream suffix Red Hat's has ("",
// "_8", "_8.1"), and is not older. Everything else is plain rpm order.
//
// Known limit: a second Red Hat respin of the same release (".el7_8.2"
// after ".el7_8") is not told apart from the first in a rebuild tag.
func OlderThanFix(installed, fixed string) bool {
	if version.RPM.Compare(installed, fixed) >= 0 {
		return false
	}
	ie, iv, ir := splitEVR(installed)
	fe, fv, fr := splitEVR(fixed)
	if ie != fe || iv != fv {
		return true
	}
	im, fm := reDist.FindStringSubmatch(ir), reDist.FindStringSubmatch(fr)
	if im == nil || fm == nil || im[2] != fm[2] {
		return true
	}
	if version.RPM.Compare("0-"+im[1], "0-"+fm[1]) != 0 {
		return true
	}
	rebuild := len(im[3]) >= 2 && im[3][0] == '.' && isLetter(im[3][1])
	zstream := fm[3] == "" || fm[3][0] == '_'
	return !(rebuild && zstream)
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// splitEVR splits [epoch:]version-release, a missing epoch being "0".
func splitEVR(s string) (epoch, ver, rel string) {
	epoch = "0"
	if i := strings.IndexByte(s, ':'); i >= 0 {
		epoch, s = s[:i], s[i+1:]
		if epoch == "" {
			epoch = "0"
		}
	}
	ver = s
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		ver, rel = s[:i], s[i+1:]
	}
	if epoch = strings.TrimLeft(epoch, "0"); epoch == "" {
		epoch = "0"
	}
	return epoch, ver, rel
}

// Facts builds oval.Facts for evaluating Red Hat definitions on a host of
// group (rhel:N, or the RHEL group a rebuild maps to): the installed
// packages, /etc/redhat-release owned by a redhat-release package of
// major N (so "Red Hat Enterprise Linux N is installed" is true and the
// "must be installed" guard false, also on a CentOS host mapped to
// Red Hat's data), the enabled module streams as /etc/dnf/modules.d files
// when known, the running kernel, and vendor signatures assumed.
func Facts(group string, pkgs []model.Package, h Host, kernel string) *oval.Facts {
	f := &oval.Facts{KernelRelease: kernel, AssumeVendorSigned: true, FileOwners: map[string][]oval.Package{}}
	for _, p := range pkgs {
		f.Packages = append(f.Packages, oval.Package{Name: p.Name, EVR: p.Version, Arch: p.Arch})
	}
	if major, ok := Major(group); ok {
		f.FileOwners["/etc/redhat-release"] = []oval.Package{{Name: "redhat-release", EVR: "0:" + major + ".0-0", Arch: "noarch"}}
	}
	if h.ModulesKnown {
		f.Files = map[string]string{}
		f.FilesComplete = true
		for _, m := range h.Modules {
			name, stream, ok := strings.Cut(m, ":")
			if !ok {
				continue
			}
			f.Files["/etc/dnf/modules.d/"+name+".module"] = "[" + name + "]\nname=" + name + "\nstream=" + stream + "\nprofiles=\nstate=enabled\n"
		}
	}
	return f
}
