package alpine

import (
	"regexp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/version"
)

// The helpers a matcher for Alpine hosts needs; they are pure functions,
// not wired anywhere yet.

// Key bases: how PackageKey found the name.
const (
	BasisOrigin = "report"      // the report carried the origin (protocol 6: the installed db's o: field)
	BasisName   = "binary-name" // no origin reported (protocol 5): the package's own name
)

// PackageKey is the name the secdb files an installed package's records
// under: its origin, the aport it was built from (apk's installed db
// writes it as "o:", and protocol 6 reports carry it as the source
// column). A protocol-5 report has no source column; the package's own
// name is then the best guess, right for every package that is its own
// origin (busybox, curl, zlib...) and wrong for subpackages (libcrypto3 is
// built by openssl, busybox-binsh by busybox).
func PackageKey(p model.Package) (name, basis string) {
	if p.SourceName != "" {
		return p.SourceName, BasisOrigin
	}
	return p.Name, BasisName
}

// Affects tells whether record a affects the installed package p, in apk
// version order: a fixed record when p's version is older than the fixed
// version, a not-affected one ("0") never, any other status always. It is
// false when the record is for another package than PackageKey(p). The
// OS group is the caller's to check. An apk package's version is its
// origin's (an aport builds all its subpackages at one version), so p's
// own version is compared.
func Affects(a model.Advisory, p model.Package) bool {
	if key, _ := PackageKey(p); key != a.Package {
		return false
	}
	if a.Status != model.StatusFixed {
		return a.Status.Affects()
	}
	return version.APK.Compare(p.Version, ComparableFixedVersion(a.FixedVersion)) < 0
}

var (
	// apkValidRE is a version apk-tools reads to its end.
	apkValidRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*[a-z]?(_(alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-9]*)*(~[0-9a-f]+)?(-r[0-9]+)?$`)
	// The two misspelt revisions of the real secdb: "4.8.0.-r1" and
	// "0.8.21.r2" for 4.8.0-r1 and 0.8.21-r2.
	dotDashRevRE = regexp.MustCompile(`^([0-9][0-9.]*[0-9])\.-r([0-9]+)$`)
	dotRevRE     = regexp.MustCompile(`^([0-9][0-9.]*[0-9])\.r([0-9]+)$`)
)

// ComparableFixedVersion is the version a fixed version is compared as.
// Valid versions are returned as they are. The secdb has a few keys apk
// cannot read to the end, and apk orders such a string below every valid
// version that shares its readable start, so "4.8.0.-r1" would rank below
// 4.8.0-r0 and hide the vulnerable 4.8.0-r0. Two misspellings have a
// meaning beyond doubt and are read as meant: "X.-rN" and "X.rN" as X-rN
// (4.8.0.-r1, 1.18.-r2, 0.8.21.r2, 10.2.26.r0 in the 2020 files). The
// others are left as they are, since what was meant is a guess
// (opensmtpd 6.6.2p1-r0, python2 2.7.16-33, xen 4.10-1-r1, icu 57-1-r2,
// py-django 1.11-20-r0, git 2.15.r-r1): apk compares them as their
// readable start followed by something below any valid token, so every
// installed version with that start counts as fixed (2.7.16-r0 is not
// older than "2.7.16-33"). Such records err towards "fixed"; the readers
// count them in Stats.InvalidVersions.
func ComparableFixedVersion(v string) string {
	if apkValidRE.MatchString(v) {
		return v
	}
	if m := dotDashRevRE.FindStringSubmatch(v); m != nil {
		return m[1] + "-r" + m[2]
	}
	if m := dotRevRE.FindStringSubmatch(v); m != nil {
		return m[1] + "-r" + m[2]
	}
	return v
}
