package ubuntu

import (
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/version"
)

// Bases of SourceKey, as findings name them.
const (
	BasisReport        = "report"
	BasisPackagesIndex = "packages-index"
	BasisBinaryName    = "binary-name"
)

// SourceKey returns the key the tracker files an installed binary's
// records under, the SOURCE package and its version, as Debian does:
// the report's source when it carried one (protocol 6; a missing source
// version is the binary's), else the Packages index's answer (index may
// be nil), else the binary's own name and version — right for binaries
// named like their source, wrong for libssl1.1 (openssl), which is why
// protocol-5 hosts need the index.
func SourceKey(p model.Package, index func(binary, version string) (source, sourceVersion string, ok bool)) (name, ver, basis string) {
	if p.SourceName != "" {
		v := p.SourceVersion
		if v == "" {
			v = p.Version
		}
		return p.SourceName, v, BasisReport
	}
	if index != nil {
		if s, v, ok := index(p.Name, p.Version); ok {
			return s, v, BasisPackagesIndex
		}
	}
	return p.Name, p.Version, BasisBinaryName
}

// Affects tells whether a record leaves a package whose source version is
// installed vulnerable: a fixed record when installed is older than the
// fix (dpkg order), any other status by its nature (affected, deferred,
// undetermined, will-not-fix and end-of-life do; not-affected does not).
func Affects(a model.Advisory, installed string) bool {
	if a.Status == model.StatusFixed {
		return version.Deb.Compare(installed, a.FixedVersion) < 0
	}
	return a.Status.Affects()
}
