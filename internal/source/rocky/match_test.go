package rocky

import (
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
)

// TestAffects: installed versions are real, from the AlmaLinux inventories
// (shared/data/inventories/alma-8, alma-9: there is no Rocky inventory,
// and both rebuild the same RHEL packages); records are real Rocky records
// as this source emits them (advisory cited).
func TestAffects(t *testing.T) {
	rec := func(group, pkg, v, adv, arch, module string) model.Advisory {
		return model.Advisory{Source: Name, OSGroup: group, Package: pkg, FixedVersion: v, Status: model.StatusFixed, AdvisoryID: adv, Arch: arch, Module: module}
	}
	pkg := func(name, v, arch string) model.Package { return model.Package{Name: name, Version: v, Arch: arch} }
	for _, tc := range []struct {
		name string
		p    model.Package
		a    model.Advisory
		want bool
	}{
		// alma-9 xz 0:5.2.5-7.el9; BaseOS updateinfo RLSA-2022:7513 xz
		// 0:5.2.5-8.el9_0 arch x86_64.
		{"xz older, x86_64", pkg("xz", "0:5.2.5-7.el9", "x86_64"), rec("rocky:9", "xz", "0:5.2.5-8.el9_0", "RLSA-2022:7513", "x86_64", ""), true},
		// The same on an aarch64 host (arch CONSTRUCTED): the x86_64
		// repository's update does not speak for it.
		{"xz older, other arch", pkg("xz", "0:5.2.5-7.el9", "aarch64"), rec("rocky:9", "xz", "0:5.2.5-8.el9_0", "RLSA-2022:7513", "x86_64", ""), false},
		// alma-8 openssl 1:1.1.1k-12.el8_9; vault 8.6 RLSA-2022:1234 openssl 1:1.1.1k-6.el8_5.
		{"openssl newer than fix", pkg("openssl", "1:1.1.1k-12.el8_9", "x86_64"), rec("rocky:8", "openssl", "1:1.1.1k-6.el8_5", "RLSA-2022:1234", "x86_64", ""), false},
		// alma-8 kernel 0:4.18.0-513.9.1.el8_9; RLSA-2025:8056 kernel 0:4.18.0-553.53.1.el8_10.
		{"kernel older", pkg("kernel", "0:4.18.0-513.9.1.el8_9", "x86_64"), rec("rocky:8", "kernel", "0:4.18.0-553.53.1.el8_10", "RLSA-2025:8056", "", ""), true},
		// Why RXSA-2023:0101 (sig-cloud kernel 0:4.18.0-425.10.1.el8_7.cloud)
		// is not emitted: a base kernel of the same version-release
		// (CONSTRUCTED: 4.18.0-425.10.1.el8_7, the base build of that
		// release) sorts below the .cloud build and would be flagged.
		{"base kernel vs sig-cloud build", pkg("kernel", "0:4.18.0-425.10.1.el8_7", "x86_64"), rec("rocky:8", "kernel", "0:4.18.0-425.10.1.el8_7.cloud", "RXSA-2023:0101", "", ""), true},
		// RLSA-2024:3671 ruby:3.3 module record; the installed base ruby of
		// el9 (a plain build, version CONSTRUCTED: no inventory has ruby).
		{"module record, plain ruby", pkg("ruby", "0:3.0.4-160.el9_0", "x86_64"), rec("rocky:9", "ruby", "0:3.3.1-2.module+el9.4.0+20787+4c237fd3", "RLSA-2024:3671", "", "ruby:3.3"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Affects(tc.p, tc.a, nil); got.Affected != tc.want {
				t.Errorf("Affects = %+v, want affected %v", got, tc.want)
			}
		})
	}
	if PackageKey(model.Package{Name: "xz-libs", SourceName: "xz"}) != "xz-libs" {
		t.Error("key is not the binary name")
	}
}
