package report

import (
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
)

// Package lines for the set-hash tests. Lines taken as they are from the
// shared inventories (../shared/data/inventories):
//   - debian-12/ci-debian12/dpkg-query.tsv (protocol 6, with source):
//     libc-bin, libc6, libssl3 and zlib1g;
//   - centos-7/vuls-centos7/vuls-centos7.pakiti5.txt: glibc x86_64.
//
// No inventory there is of a multiarch host, so the second architecture
// of each is constructed: libc6:i386 is what `dpkg --add-architecture
// i386` puts beside libc6:amd64 (same version, both Multi-Arch: same), and
// glibc.i686 is what 32-bit software pulls in beside glibc.x86_64 on
// CentOS 7 (same NEVR, another arch).
var (
	libcBinAmd64 = model.Package{Name: "libc-bin", Version: "2.36-9+deb12u14", Arch: "amd64", SourceName: "glibc", SourceVersion: "2.36-9+deb12u14"}
	libc6Amd64   = model.Package{Name: "libc6", Version: "2.36-9+deb12u14", Arch: "amd64", SourceName: "glibc", SourceVersion: "2.36-9+deb12u14"}
	libc6I386    = model.Package{Name: "libc6", Version: "2.36-9+deb12u14", Arch: "i386", SourceName: "glibc", SourceVersion: "2.36-9+deb12u14"}
	libssl3      = model.Package{Name: "libssl3", Version: "3.0.19-1~deb12u2", Arch: "amd64", SourceName: "openssl", SourceVersion: "3.0.19-1~deb12u2"}
	zlib1g       = model.Package{Name: "zlib1g", Version: "1:1.2.13.dfsg-1", Arch: "amd64", SourceName: "zlib", SourceVersion: "1:1.2.13.dfsg-1"}
	glibcX8664   = model.Package{Name: "glibc", Version: "0:2.17-292.el7", Arch: "x86_64"}
	glibcI686    = model.Package{Name: "glibc", Version: "0:2.17-292.el7", Arch: "i686"}
)

// without returns p with its source columns empty (what protocol 5 sends).
func without(p model.Package) model.Package {
	p.SourceName, p.SourceVersion = "", ""
	return p
}

func TestPackageSetHashColumns(t *testing.T) {
	libc6OtherSource := libc6Amd64
	libc6OtherSource.SourceName = "glibc-constructed" // constructed: only the source name differs
	libc6BinNMU := libc6Amd64
	libc6BinNMU.SourceVersion = "2.36-9+deb12u13" // constructed: only the source version differs
	tests := []struct {
		name string
		a, b []model.Package
		same bool
	}{
		{"same list", []model.Package{libcBinAmd64, libc6Amd64, libssl3}, []model.Package{libcBinAmd64, libc6Amd64, libssl3}, true},
		{"order does not matter", []model.Package{libcBinAmd64, libc6Amd64, libssl3, zlib1g}, []model.Package{zlib1g, libssl3, libc6Amd64, libcBinAmd64}, true},
		{"duplicate line does not matter", []model.Package{libc6Amd64, libssl3}, []model.Package{libssl3, libc6Amd64, libc6Amd64}, true},
		{"multiarch: libc6 amd64 or i386", []model.Package{libcBinAmd64, libc6Amd64}, []model.Package{libcBinAmd64, libc6I386}, false},
		{"multiarch: one or both arches of libc6", []model.Package{libc6Amd64, libc6I386}, []model.Package{libc6I386}, false},
		{"multiarch order does not matter", []model.Package{libc6I386, libcBinAmd64, libc6Amd64}, []model.Package{libc6Amd64, libc6I386, libcBinAmd64}, true},
		{"rpm: glibc x86_64 or i686", []model.Package{glibcX8664}, []model.Package{glibcI686}, false},
		{"protocol 6 source columns count", []model.Package{libc6Amd64, libssl3}, []model.Package{without(libc6Amd64), without(libssl3)}, false},
		{"source name counts", []model.Package{libc6Amd64}, []model.Package{libc6OtherSource}, false},
		{"source version counts", []model.Package{libc6Amd64}, []model.Package{libc6BinNMU}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// SortPackages sorts in place: hash copies.
			a := PackageSetHash(SortPackages(append([]model.Package(nil), tt.a...)))
			b := PackageSetHash(SortPackages(append([]model.Package(nil), tt.b...)))
			if (a == b) != tt.same {
				t.Errorf("PackageSetHash(%v) = %s\nPackageSetHash(%v) = %s\nwant equal: %v", tt.a, a, tt.b, b, tt.same)
			}
		})
	}
}
