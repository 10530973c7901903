package oval

import (
	"regexp"
	"strings"
)

// Kind is what a test checks, as Flatten and the sources read it. It is
// decided from the test's type, object and states, never from comments.
type Kind int

// The kinds of tests vendors' definitions are made of.
const (
	// KindOther is any test Flatten does not know; Eval still evaluates it.
	KindOther Kind = iota
	// KindOSInstalled: the product release is installed (Red Hat's
	// rpmverifyfile_test on /etc/redhat-release with a version pattern,
	// "Red Hat Enterprise Linux 9 is installed"; Oracle's and SUSE's
	// rpminfo_test on a *-release package with a version state).
	KindOSInstalled
	// KindOSGuard: Red Hat's "Red Hat Enterprise Linux must be installed",
	// check "none satisfy" on the release file: true only on hosts that do
	// not run the product, so a definition ORs it with its real branches.
	KindOSGuard
	// KindPackageBefore: a package is installed in a version "less than"
	// the state's EVR (with an optional arch restriction).
	KindPackageBefore
	// KindPackageInstalled: a package is installed, whatever its version
	// (unpatched definitions).
	KindPackageInstalled
	// KindPackageAbsent: a package is not installed (check_existence
	// none_exist).
	KindPackageAbsent
	// KindSignedBy: the package is signed with the vendor's key
	// (signature_keyid); true for the vendor's packages.
	KindSignedBy
	// KindArch: the release package is of an architecture (Oracle's
	// "Oracle Linux arch is x86_64").
	KindArch
	// KindModuleEnabled: an RPM module stream is enabled
	// (textfilecontent54_test on /etc/dnf/modules.d/NAME.module).
	KindModuleEnabled
	// KindKernelRunning: the running kernel is older than a release
	// (uname_test on os_release).
	KindKernelRunning
	// KindKernelNextBoot: the kernel set to boot next is older than a
	// release (textfilecontent54_test on the grub configuration).
	KindKernelNextBoot
)

var kindNames = [...]string{"other", "os-installed", "os-guard", "package-before", "package-installed",
	"package-absent", "signed-by", "arch", "module-enabled", "kernel-running", "kernel-next-boot"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind?"
}

// MarshalText writes the kind's name (golden files).
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	*k = KindOther
	return nil
}

func classify(t *Test) Kind {
	if len(t.States) != len(t.StateRefs) {
		// A state the document does not hold: what the test checks is
		// unknown (without it a "less than" test would read as "is
		// installed").
		return KindOther
	}
	switch t.Type {
	case "rpminfo_test", "dpkginfo_test":
		name := t.Object.Get("name")
		if name == "" && t.Variable != nil && len(t.Binaries()) == 0 {
			return KindOther // a variable of values that are not package names
		}
		var before, signed, version, arch, other bool
		for _, s := range t.States {
			for _, f := range s.Fields {
				switch f.Name {
				case "evr", "version":
					if f.Operation == "less than" {
						before = true
					} else if f.Name == "version" {
						version = true
					} else {
						other = true
					}
				case "signature_keyid":
					signed = true
				case "arch":
					arch = true
				default:
					other = true
				}
			}
		}
		switch {
		case len(t.States) == 0:
			if t.CheckExistence == "none_exist" {
				return KindPackageAbsent
			}
			return KindPackageInstalled
		case before && !signed && !other:
			return KindPackageBefore
		case signed && !before && !version && !other:
			return KindSignedBy
		case isReleasePackage(name) && version && !before && !signed && !other:
			return KindOSInstalled
		case isReleasePackage(name) && arch && !version && !before && !signed && !other:
			return KindArch
		}
	case "rpmverifyfile_test":
		path := t.Object.Get("filepath")
		if !strings.HasPrefix(path, "/etc/") || !strings.HasSuffix(path, "-release") {
			return KindOther
		}
		if t.Check == "none satisfy" {
			return KindOSGuard
		}
		for _, s := range t.States {
			if _, ok := s.Field("version"); ok {
				return KindOSInstalled
			}
		}
	case "textfilecontent54_test":
		path := t.Object.Get("filepath")
		if path == "" && t.Object.Get("filename") != "" {
			path = strings.TrimSuffix(t.Object.Get("path"), "/") + "/" + t.Object.Get("filename")
		}
		switch {
		case path == "./manifest":
			// Ubuntu's OVAL for OCI images: a line "binary version" of
			// the image's manifest, the binaries a constant_variable's
			// patterns name, the version its state's subexpression.
			if t.Variable == nil || t.Variable.Package() == "" || len(t.Binaries()) == 0 {
				return KindOther
			}
			for _, s := range t.States {
				for _, f := range s.Fields {
					if f.Name != "subexpression" || f.Operation != "less than" {
						return KindOther
					}
				}
			}
			if len(t.States) == 1 {
				return KindPackageBefore
			}
		case path == "/etc/debian_version":
			// Debian's OVAL: "Debian GNU/Linux 11 is installed".
			return KindOSInstalled
		case strings.HasPrefix(path, "/etc/dnf/modules.d/") && strings.HasSuffix(path, ".module"):
			return KindModuleEnabled
		case strings.HasPrefix(path, "/boot/"):
			return KindKernelNextBoot
		}
	case "uname_test":
		for _, s := range t.States {
			if _, ok := s.Field("os_release"); ok {
				return KindKernelRunning
			}
		}
		if len(t.States) == 0 && t.CheckExistence != "none_exist" {
			// Debian's OVAL: "Installed architecture is all", a uname
			// item without state, true on every host: no restriction.
			return KindArch
		}
	}
	return KindOther
}

// isReleasePackage tells a distribution's release package
// (oraclelinux-release, sles-release, SLES_SAP-release,
// sle-module-basesystem-release...).
func isReleasePackage(name string) bool {
	return strings.HasSuffix(name, "-release") && len(name) > len("-release")
}

// Package returns the package a package test is about, the "less than"
// EVR of a KindPackageBefore test (as written: "0:91.9.1-1.el9_0") and the
// arch restriction of its state ("aarch64|ppc64le|s390x|x86_64"), if any.
//
// A test whose object names its packages through a constant_variable
// (Ubuntu's: the binaries of one source package, "The 'tor' package
// binaries") is about the source package the variable's comment names
// (Variable.Package); Binaries lists the binaries.
func (t *Test) Package() (name, evr, arch string) {
	name = t.Object.Get("name")
	if name == "" && t.Variable != nil {
		name = t.Variable.Package()
	}
	for _, s := range t.States {
		for _, f := range s.Fields {
			switch {
			case (f.Name == "evr" || f.Name == "version" || f.Name == "subexpression") && f.Operation == "less than":
				evr = f.Value
			case f.Name == "arch":
				arch = f.Value
			}
		}
	}
	return name, evr, arch
}

// Arch returns the architecture a KindArch test requires.
func (t *Test) Arch() string {
	for _, s := range t.States {
		if f, ok := s.Field("arch"); ok {
			return f.Value
		}
	}
	return ""
}

var (
	reVersionPattern = regexp.MustCompile(`^\^?([0-9]+(?:\\?\.[0-9]+)*)`)
	reModuleComment  = regexp.MustCompile(`^Module (\S+:\S+) is enabled$`)
	reModuleStream   = regexp.MustCompile(`stream\\s\*=\\s\*((?:[A-Za-z0-9_+-]|\\\.|\.)+?)\\b`)
)

// OSVersion returns the product version a KindOSInstalled test requires:
// "9" from Red Hat's version pattern "^9[^\d]", "15.3" from SUSE's
// equals "15.3", "7" from Oracle's "^7"; "" when it cannot tell.
func (t *Test) OSVersion() string {
	for _, s := range t.States {
		f, ok := s.Field("version")
		if !ok {
			continue
		}
		if f.Operation == "pattern match" {
			if m := reVersionPattern.FindStringSubmatch(f.Value); m != nil {
				return strings.ReplaceAll(m[1], `\.`, ".")
			}
			return ""
		}
		return f.Value
	}
	return ""
}

// ReleasePackage returns the release package or file of a KindOSInstalled
// or KindOSGuard test: "redhat-release" from Red Hat's state name pattern
// "^redhat-release", "sles-release" from SUSE's object name.
func (t *Test) ReleasePackage() string {
	if t.Type == "rpmverifyfile_test" {
		for _, s := range t.States {
			if f, ok := s.Field("name"); ok {
				return strings.TrimPrefix(strings.TrimSuffix(f.Value, "$"), "^")
			}
		}
		return ""
	}
	return t.Object.Get("name")
}

// Module returns the "name:stream" a KindModuleEnabled test requires, from
// the module file's name and the state's stream pattern (Red Hat writes
// `\nstream\s*=\s*2\.4\b...`), or from the comment "Module httpd:2.4 is
// enabled" when the pattern says nothing readable.
func (t *Test) Module() string {
	path := t.Object.Get("filepath")
	name := strings.TrimSuffix(strings.TrimPrefix(path, "/etc/dnf/modules.d/"), ".module")
	for _, s := range t.States {
		if f, ok := s.Field("text"); ok {
			if m := reModuleStream.FindStringSubmatch(f.Value); m != nil && name != "" {
				return name + ":" + strings.ReplaceAll(m[1], `\.`, ".")
			}
		}
	}
	if m := reModuleComment.FindStringSubmatch(t.Comment); m != nil {
		return m[1]
	}
	return ""
}

// reVariablePackage reads the source package of Ubuntu's variable comments:
// "'tor' package binaries" (2020 files), "The 'openssh' package binaries"
// (2024 files).
var reVariablePackage = regexp.MustCompile(`^(?:The )?'([a-z0-9][a-z0-9.+-]*)' package binaries\.?$`)

// Package returns the source package a variable of binaries is named for
// ("" when its comment does not say).
func (v *Variable) Package() string {
	if m := reVariablePackage.FindStringSubmatch(v.Comment); m != nil {
		return m[1]
	}
	return ""
}

var (
	reBinaryName = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]*$`)
	// reManifestLine is Ubuntu's OCI manifest pattern for one binary:
	// ^NAME(?::\w+|)\s+(.*)$ (an optional ":arch", then the version).
	reManifestLine = regexp.MustCompile(`^\^((?:[a-z0-9]|\\[.+])(?:[a-z0-9-]|\\?[.+])*)\(\?::\\w\+\|\)\\s\+\(\.\*\)\$$`)
)

// Binaries returns the binary packages a test's variable names: its
// values for a dpkginfo name, the names in the manifest patterns of
// Ubuntu's OCI files. nil when a value is not a package name or such a
// pattern (the test is then not read as a package test).
func (t *Test) Binaries() []string {
	if t.Variable == nil {
		return nil
	}
	var out []string
	for _, v := range t.Variable.Values {
		name := v
		if t.Type == "textfilecontent54_test" {
			m := reManifestLine.FindStringSubmatch(v)
			if m == nil {
				return nil
			}
			name = strings.NewReplacer(`\.`, ".", `\+`, "+").Replace(m[1])
		}
		if !reBinaryName.MatchString(name) {
			return nil
		}
		out = append(out, name)
	}
	return out
}
