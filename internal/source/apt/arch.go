package apt

import "strings"

// dpkgArches maps uname -m (the arch a report's header carries) to the
// dpkg architecture of the archives' binary-<arch> indexes.
var dpkgArches = map[string]string{
	"x86_64": "amd64", "amd64": "amd64",
	"aarch64": "arm64", "arm64": "arm64",
	"i386": "i386", "i486": "i386", "i586": "i386", "i686": "i386",
	"armv7l": "armhf", "armhf": "armhf", "armv6l": "armel", "armel": "armel",
	"ppc64le": "ppc64el", "ppc64el": "ppc64el",
	"s390x": "s390x", "mips64": "mips64el", "mips64el": "mips64el",
	"riscv64": "riscv64",
}

// DpkgArch returns the dpkg architecture of a machine architecture, or
// false for one no archive has an index of.
func DpkgArch(machine string) (string, bool) {
	a, ok := dpkgArches[strings.ToLower(strings.TrimSpace(machine))]
	return a, ok
}
