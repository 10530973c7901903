package alpine

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// Records built by hand from the real secdb of Alpine 3.10
// (shared/data/feeds/alpine/secdb-yaml-2020/v3.10/main.yaml, "distroversion:
// v3.10"), as the secdb source files them: under the origin package, one
// record per id, fixed in the version the secfixes key names.
func secdb310(pkg, fixed string, cves ...string) []model.Advisory {
	var out []model.Advisory
	for _, c := range cves {
		out = append(out, model.Advisory{Source: "alpine-secdb", OSGroup: "alpine:3.10", Package: pkg, CVE: c,
			FixedVersion: fixed, Status: model.StatusFixed})
	}
	return out
}

var (
	// name: openssl; secfixes: 1.1.1d-r0: [CVE-2019-1547, CVE-2019-1549, CVE-2019-1563],
	// 1.1.1b-r1: [CVE-2019-1543], 1.1.1a-r0: [CVE-2018-0734, CVE-2018-0735]
	opensslRecs = append(append(secdb310("openssl", "1.1.1d-r0", "CVE-2019-1547", "CVE-2019-1549", "CVE-2019-1563"),
		secdb310("openssl", "1.1.1b-r1", "CVE-2019-1543")...), secdb310("openssl", "1.1.1a-r0", "CVE-2018-0734", "CVE-2018-0735")...)
	// name: busybox; secfixes: 1.30.1-r2: [CVE-2019-5747], 1.29.3-r10: [CVE-2018-20679, CVE-2019-5747],
	// 1.27.2-r4: [CVE-2017-16544, CVE-2017-15873, CVE-2017-15874]
	busyboxRecs = append(append(secdb310("busybox", "1.30.1-r2", "CVE-2019-5747"),
		secdb310("busybox", "1.29.3-r10", "CVE-2018-20679", "CVE-2019-5747")...),
		secdb310("busybox", "1.27.2-r4", "CVE-2017-16544", "CVE-2017-15873", "CVE-2017-15874")...)
	// name: jq; secfixes: 1.6_rc1-r0: [CVE-2016-4074]
	jqRecs = secdb310("jq", "1.6_rc1-r0", "CVE-2016-4074")
)

func fixedVerdicts(fixed string, cves ...string) []store.Verdict {
	var out []store.Verdict
	for _, c := range cves {
		out = append(out, store.Verdict{CVE: c, Status: model.StatusFixed, FixedVersion: fixed, Origin: "alpine-secdb"})
	}
	return out
}

// TestDriverVerdicts runs the generic verdicts with Alpine's driver: the
// key (origin from the report's source column, else the package name) and
// apk's version order.
func TestDriverVerdicts(t *testing.T) {
	all := append(append(append([]model.Advisory(nil), opensslRecs...), busyboxRecs...), jqRecs...)
	tests := []struct {
		name string
		p    model.Package
		want []store.Verdict
	}{
		// The real kobo-xorg-base-rootfs host (shared/data/inventories/alpine-3.10):
		// libcrypto1.1 1.1.1k-r0, o:openssl, newer than every fix.
		{"protocol 6, libcrypto1.1 past every fix", model.Package{Name: "libcrypto1.1", Version: "1.1.1k-r0", Arch: "armv7",
			SourceName: "openssl"}, nil},
		// 1.1.1c-r0: an installed version chosen between the fixes (not from an inventory).
		{"protocol 6, libcrypto1.1 between the fixes: keyed by its origin", model.Package{Name: "libcrypto1.1",
			Version: "1.1.1c-r0", Arch: "armv7", SourceName: "openssl"},
			fixedVerdicts("1.1.1d-r0", "CVE-2019-1547", "CVE-2019-1549", "CVE-2019-1563")},
		{"protocol 5, libcrypto1.1: no origin, its own name meets no record", model.Package{Name: "libcrypto1.1",
			Version: "1.1.1c-r0", Arch: "armv7"}, nil},
		{"protocol 5, openssl is its own origin", model.Package{Name: "openssl", Version: "1.1.1c-r0", Arch: "armv7"},
			fixedVerdicts("1.1.1d-r0", "CVE-2019-1547", "CVE-2019-1549", "CVE-2019-1563")},
		// The real host's busybox 1.30.1-r5 is past 1.30.1-r2.
		{"busybox at the real host's version", model.Package{Name: "busybox", Version: "1.30.1-r5", Arch: "armv7",
			SourceName: "busybox"}, nil},
		{"busybox at the fix", model.Package{Name: "busybox", Version: "1.30.1-r2", SourceName: "busybox"}, nil},
		// CVE-2019-5747 is listed under 1.30.1-r2 and 1.29.3-r10: the later fix decides.
		{"busybox one revision short: the later fix decides", model.Package{Name: "busybox", Version: "1.30.1-r1",
			SourceName: "busybox"}, fixedVerdicts("1.30.1-r2", "CVE-2019-5747")},
		// apk order: 1.6_rc1 is before 1.6 (dpkg's order would put 1.6-r0 first and flag it).
		{"jq 1.6-r0 is after its 1.6_rc1-r0 fix", model.Package{Name: "jq", Version: "1.6-r0"}, nil},
		{"jq 1.5-r5 is before it", model.Package{Name: "jq", Version: "1.5-r5"},
			fixedVerdicts("1.6_rc1-r0", "CVE-2016-4074")},
	}
	d := Driver{}
	byKey := map[string][]model.Advisory{}
	for _, a := range all {
		byKey[a.Package] = append(byKey[a.Package], a)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := d.Key(tt.p, nil)
			got := match.Verdicts(d, k, byKey[k.Name])
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestDriverKeyLearned: a protocol-5 package (no origin in the report)
// keyed by the origin a protocol-6 report of the branch taught; the
// Kobo 3.10 inventory's installed db has "P:libcrypto1.1 V:1.1.1k-r0
// o:openssl" (../shared/data/inventories/alpine-3.10).
func TestDriverKeyLearned(t *testing.T) {
	d := Driver{}
	p5 := model.Package{Name: "libcrypto1.1", Version: "1.1.1k-r0", Arch: "armv7"}
	tests := []struct {
		name  string
		p     model.Package
		known *store.BinarySource
		want  match.Key
	}{
		{"learned, same version", p5,
			&store.BinarySource{Name: "libcrypto1.1", Version: "1.1.1k-r0", SourceName: "openssl", Origin: match.BasisLearned, Exact: true},
			match.Key{Name: "openssl", Version: "1.1.1k-r0", Basis: match.BasisLearned, Arch: "armv7"}},
		// Another version learned: the origin holds, the installed version is compared.
		{"learned, other version", p5,
			&store.BinarySource{Name: "libcrypto1.1", Version: "1.1.1g-r0", SourceName: "openssl", Origin: match.BasisLearned},
			match.Key{Name: "openssl", Version: "1.1.1k-r0", Basis: match.BasisLearned, Arch: "armv7"}},
		{"nothing learned", p5, nil,
			match.Key{Name: "libcrypto1.1", Version: "1.1.1k-r0", Basis: match.BasisBinaryName, Arch: "armv7"}},
		// The report's own origin wins over a learned one.
		{"reported", model.Package{Name: "libcrypto1.1", Version: "1.1.1k-r0", Arch: "armv7", SourceName: "openssl"},
			&store.BinarySource{Name: "libcrypto1.1", Version: "1.1.1k-r0", SourceName: "other", Origin: match.BasisLearned, Exact: true},
			match.Key{Name: "openssl", Version: "1.1.1k-r0", Basis: match.BasisReport, Arch: "armv7"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, d.Key(tt.p, tt.known)); diff != "" {
			t.Errorf("%s: Key (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestDriverKeyAndKernel(t *testing.T) {
	d := Driver{}
	tests := []struct {
		p       model.Package
		key     match.Key
		class   match.KernelClass
		release string
	}{
		{model.Package{Name: "libssl1.1", Version: "1.1.1k-r0", Arch: "armv7", SourceName: "openssl"},
			match.Key{Name: "openssl", Version: "1.1.1k-r0", Basis: match.BasisReport, Arch: "armv7"}, match.NotKernel, ""},
		{model.Package{Name: "musl", Version: "1.1.22-r4", Arch: "armv7"},
			match.Key{Name: "musl", Version: "1.1.22-r4", Basis: match.BasisBinaryName, Arch: "armv7"}, match.NotKernel, ""},
		// linux-lts 6.6.31-r0 boots as uname -r 6.6.31-0-lts.
		{model.Package{Name: "linux-lts", Version: "6.6.31-r0", Arch: "x86_64", SourceName: "linux-lts"},
			match.Key{Name: "linux-lts", Version: "6.6.31-r0", Basis: match.BasisReport, Arch: "x86_64"}, match.KernelImage, "6.6.31-0-lts"},
		// linux-virt is a subpackage of the linux-lts aport.
		{model.Package{Name: "linux-virt", Version: "6.6.31-r0", Arch: "x86_64", SourceName: "linux-lts"},
			match.Key{Name: "linux-lts", Version: "6.6.31-r0", Basis: match.BasisReport, Arch: "x86_64"}, match.KernelImage, "6.6.31-0-virt"},
		{model.Package{Name: "linux-lts-dev", Version: "6.6.31-r0", Arch: "x86_64", SourceName: "linux-lts"},
			match.Key{Name: "linux-lts", Version: "6.6.31-r0", Basis: match.BasisReport, Arch: "x86_64"}, match.KernelSupport, ""},
		// linux-pam is no kernel.
		{model.Package{Name: "linux-pam", Version: "1.3.0-r1", Arch: "x86_64", SourceName: "linux-pam"},
			match.Key{Name: "linux-pam", Version: "1.3.0-r1", Basis: match.BasisReport, Arch: "x86_64"}, match.NotKernel, ""},
	}
	for _, tt := range tests {
		k := d.Key(tt.p, nil)
		if diff := cmp.Diff(tt.key, k); diff != "" {
			t.Errorf("Key(%s) (-want +got):\n%s", tt.p.Name, diff)
		}
		if c, r := d.Kernel(tt.p, k); c != tt.class || r != tt.release {
			t.Errorf("Kernel(%s) = %v %q, want %v %q", tt.p.Name, c, r, tt.class, tt.release)
		}
	}
}
