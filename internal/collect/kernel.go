package collect

import (
	"bufio"
	"bytes"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
)

// unameInfo is what uname -r and uname -m print.
type unameInfo struct {
	release string
	machine string
}

// kernelPkg is an installed kernel package: the `uname -r` string of the
// kernel it installs, and the package version that orders it.
type kernelPkg struct {
	uname   string
	version string
}

// installedKernels lists the kernel packages among pkgs with the `uname -r`
// string each would show when booted:
//   - rpm: kernel, kernel-core, kernel-uek, kernel-uek-core give
//     VERSION-RELEASE.ARCH (Red Hat family); kernel-default and
//     kernel-default-base give VERSION-RELEASE-default with the release's
//     last (rebuild) component dropped (SUSE);
//   - dpkg: linux-image-ABI-FLAVOUR (and Ubuntu's linux-image-unsigned-...)
//     give the name's suffix; meta-packages (linux-image-amd64) are skipped;
//   - apk: linux-FLAVOUR (lts, virt, edge, rpi) version V-rN gives
//     V-N-FLAVOUR.
func installedKernels(packager string, pkgs []model.Package) []kernelPkg {
	var ks []kernelPkg
	for _, p := range pkgs {
		switch packager {
		case PackagerRPM:
			_, vr, ok := strings.Cut(p.Version, ":")
			if !ok {
				vr = p.Version
			}
			switch p.Name {
			case "kernel", "kernel-core", "kernel-uek", "kernel-uek-core":
				ks = append(ks, kernelPkg{uname: vr + "." + p.Arch, version: p.Version})
			case "kernel-default", "kernel-default-base":
				v, r, _ := strings.Cut(vr, "-")
				if i := strings.LastIndexByte(r, '.'); i > 0 {
					r = r[:i]
				}
				ks = append(ks, kernelPkg{uname: v + "-" + r + "-default", version: p.Version})
			}
		case PackagerDpkg:
			rest, ok := strings.CutPrefix(p.Name, "linux-image-")
			if !ok {
				continue
			}
			rest = strings.TrimPrefix(rest, "unsigned-")
			if rest != "" && rest[0] >= '0' && rest[0] <= '9' {
				ks = append(ks, kernelPkg{uname: rest, version: p.Version})
			}
		case PackagerAPK:
			flavour, ok := strings.CutPrefix(p.Name, "linux-")
			if !ok {
				continue
			}
			switch flavour {
			case "lts", "virt", "edge", "rpi", "rpi4", "rpi2":
				if v, r, ok := strings.Cut(p.Version, "-r"); ok && isDigits(r) {
					ks = append(ks, kernelPkg{uname: v + "-" + r + "-" + flavour, version: p.Version})
				}
			}
		}
	}
	return ks
}

// newestKernel returns the kernel package with the highest version.
func newestKernel(ks []kernelPkg) (kernelPkg, bool) {
	if len(ks) == 0 {
		return kernelPkg{}, false
	}
	best := ks[0]
	for _, k := range ks[1:] {
		if c := compareVersions(k.version, best.version); c > 0 || (c == 0 && k.uname > best.uname) {
			best = k
		}
	}
	return best, true
}

// compareVersions orders kernel package versions well enough to pick the
// newest: epochs compared as numbers, then runs of digits compared as
// numbers and runs of letters as text, other characters separating them,
// '~' sorting before anything (a pre-release), as rpm and dpkg both do for
// the versions kernels carry. It is not a full dpkg or rpm comparator.
func compareVersions(a, b string) int {
	ea, ra := splitEpoch(a)
	eb, rb := splitEpoch(b)
	if c := compareNum(ea, eb); c != 0 {
		return c
	}
	for {
		ra = strings.TrimLeftFunc(ra, isSep)
		rb = strings.TrimLeftFunc(rb, isSep)
		ta, tb := strings.HasPrefix(ra, "~"), strings.HasPrefix(rb, "~")
		if ta || tb {
			if !ta {
				return 1
			}
			if !tb {
				return -1
			}
			ra, rb = ra[1:], rb[1:]
			continue
		}
		if ra == "" || rb == "" {
			switch {
			case ra == rb:
				return 0
			case ra == "":
				return -1
			default:
				return 1
			}
		}
		da, db := isDigit(ra[0]), isDigit(rb[0])
		if da != db {
			if da {
				return 1
			}
			return -1
		}
		sa, sb := leadingRun(ra, da), leadingRun(rb, db)
		ra, rb = ra[len(sa):], rb[len(sb):]
		var c int
		if da {
			c = compareNum(sa, sb)
		} else {
			c = strings.Compare(sa, sb)
		}
		if c != 0 {
			return c
		}
	}
}

func splitEpoch(v string) (epoch, rest string) {
	if e, r, ok := strings.Cut(v, ":"); ok && isDigits(e) {
		return e, r
	}
	return "0", v
}

// compareNum compares two strings of digits as numbers.
func compareNum(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

func isSep(r rune) bool {
	return r != '~' && !(r < 0x80 && (isDigit(byte(r)) || isAlpha(byte(r))))
}

// leadingRun returns the leading run of digits (digits true) or letters.
func leadingRun(s string, digits bool) string {
	i := 0
	for i < len(s) && ((digits && isDigit(s[i])) || (!digits && isAlpha(s[i]))) {
		i++
	}
	return s[:i]
}

// rebootRequired says whether the system waits for a reboot, "" when that
// cannot be told:
//   - "yes" when /var/run/reboot-required exists (Debian and Ubuntu tools
//     create it when an upgrade needs a reboot);
//   - "yes" when the running kernel is an installed kernel package but not
//     the newest one, "no" when it is the newest;
//   - "" otherwise: no kernel package (a container), or a running kernel
//     that matches none of them (a custom kernel, or a root directory whose
//     kernel the newest package stands for: then only the file counts).
func rebootRequired(fsys rootFS, running string, ks []kernelPkg) string {
	if fsys.exists("/var/run/reboot-required") {
		return "yes"
	}
	if !fsys.live() {
		return ""
	}
	return rebootForKernel(running, ks)
}

// rebootForKernel compares the running kernel with the installed ones.
func rebootForKernel(running string, ks []kernelPkg) string {
	newest, ok := newestKernel(ks)
	if !ok || running == "" {
		return ""
	}
	if newest.uname == running {
		return "no"
	}
	for _, k := range ks {
		if k.uname == running {
			return "yes"
		}
	}
	return ""
}

// cpuModel returns the first "model name" of /proc/cpuinfo, or "" (some
// architectures have no such line).
func cpuModel(fsys rootFS) string {
	data, err := fsys.readFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return Strip(v)
		}
	}
	return ""
}

// unameMachine maps package architectures to what `uname -m` prints.
var unameMachine = map[string]string{
	// dpkg
	"amd64": "x86_64", "arm64": "aarch64", "armhf": "armv7l", "armel": "armv5tel",
	"i386": "i686", "ppc64el": "ppc64le", "ppc64": "ppc64", "s390x": "s390x",
	"riscv64": "riscv64", "mips64el": "mips64", "loong64": "loongarch64",
	// apk
	"x86_64": "x86_64", "aarch64": "aarch64", "armv7": "armv7l", "armhf_apk": "armv6l",
	"x86": "i686", "ppc64le": "ppc64le", "loongarch64": "loongarch64",
	// rpm
	"i686": "i686", "armv7hl": "armv7l",
}

// inferArch guesses `uname -m` of a system under a root directory from
// its packages: the most common package architecture that is not
// noarch/all, named as uname -m names it. It returns "" when there is
// nothing to go on.
func inferArch(packager string, pkgs []model.Package) string {
	count := map[string]int{}
	for _, p := range pkgs {
		a := p.Arch
		switch a {
		case "", "all", "noarch", "(none)", "any":
			continue
		}
		if packager == PackagerAPK && a == "armhf" {
			a = "armhf_apk" // Alpine's armhf is ARMv6; Debian's is ARMv7
		}
		count[a]++
	}
	best, bestN := "", 0
	for a, n := range count {
		if n > bestN || (n == bestN && a < best) {
			best, bestN = a, n
		}
	}
	if best == "" {
		return ""
	}
	if m, ok := unameMachine[best]; ok {
		return m
	}
	return best
}
