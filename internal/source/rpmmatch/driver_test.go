package rpmmatch

import (
	"testing"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
)

// TestKernel: which RPMs are kernel images and the release each runs as
// (uname -r). Real pairs of package and kernel: line from
// shared/data/inventories are marked "inventory"; the others are the
// naming of each flavour as the distributions build it.
func TestKernel(t *testing.T) {
	for _, tc := range []struct {
		name, evr, arch string
		class           match.KernelClass
		release         string
	}{
		// inventory alma-9/vuls-alma9: kernel: 5.14.0-70.13.1.el9_0.x86_64
		{"kernel", "0:5.14.0-70.13.1.el9_0", "x86_64", match.KernelImage, "5.14.0-70.13.1.el9_0.x86_64"},
		{"kernel-core", "0:5.14.0-70.13.1.el9_0", "x86_64", match.KernelImage, "5.14.0-70.13.1.el9_0.x86_64"},
		{"kernel-modules", "0:5.14.0-70.13.1.el9_0", "x86_64", match.KernelImage, "5.14.0-70.13.1.el9_0.x86_64"},
		// inventory rhel-8/rhcos42-sosreport: kernel: 4.18.0-80.11.2.el8_0.x86_64
		{"kernel-modules-extra", "0:4.18.0-80.11.2.el8_0", "x86_64", match.KernelImage, "4.18.0-80.11.2.el8_0.x86_64"},
		// inventory centos-7/vuls-centos7: kernel: 3.10.0-1062.12.1.el7.x86_64
		{"kernel", "0:3.10.0-1062.12.1.el7", "x86_64", match.KernelImage, "3.10.0-1062.12.1.el7.x86_64"},
		// inventory sles-15/vuls-sles15: kernel: 5.3.18-59.37-default
		{"kernel-default", "0:5.3.18-59.37.2", "x86_64", match.KernelImage, "5.3.18-59.37-default"},
		// inventory opensuse-leap-15.3: kernel: 5.3.18-57-default
		{"kernel-default", "0:5.3.18-57.3", "x86_64", match.KernelImage, "5.3.18-57-default"},
		{"kernel-modules-core", "0:5.14.0-427.13.1.el9_4", "x86_64", match.KernelImage, "5.14.0-427.13.1.el9_4.x86_64"},
		{"kernel-rt-core", "0:4.18.0-193.rt13.40.el8", "x86_64", match.KernelImage, "4.18.0-193.rt13.40.el8.x86_64"},
		{"kernel-rt-modules-extra", "0:4.18.0-193.rt13.40.el8", "x86_64", match.KernelImage, "4.18.0-193.rt13.40.el8.x86_64"},
		{"kernel-uek", "0:5.15.0-200.131.27.el8uek", "x86_64", match.KernelImage, "5.15.0-200.131.27.el8uek.x86_64"},
		{"kernel-64k-core", "0:5.14.0-427.13.1.el9_4", "aarch64", match.KernelImage, "5.14.0-427.13.1.el9_4.aarch64+64k"},
		{"kernel-debug-core", "0:5.14.0-427.13.1.el9_4", "x86_64", match.KernelImage, "5.14.0-427.13.1.el9_4.x86_64+debug"},
		{"kernel-debug", "0:3.10.0-1160.el7", "x86_64", match.KernelImage, "3.10.0-1160.el7.x86_64.debug"},
		// support: evaluated, never counted
		{"kernel-tools", "0:5.14.0-70.13.1.el9_0", "x86_64", match.KernelSupport, ""},
		{"kernel-tools-libs", "0:5.14.0-70.13.1.el9_0", "x86_64", match.KernelSupport, ""},
		{"kernel-headers", "0:4.18.0-32.el8", "x86_64", match.KernelSupport, ""},
		{"kernel-devel", "0:4.18.0-32.el8", "x86_64", match.KernelSupport, ""},
		{"kernel-abi-stablelists", "0:5.14.0-70.17.1.el9_0", "noarch", match.KernelSupport, ""},
		{"kernel-debug-devel-matched", "0:5.14.0-70.17.1.el9_0", "x86_64", match.KernelSupport, ""},
		// not kernels
		{"kernel-srpm-macros", "0:1.0-11.el9", "noarch", match.NotKernel, ""},
		{"python3-perf", "0:4.18.0-32.el8", "x86_64", match.NotKernel, ""},
		{"kernelshark", "0:2.6.1-1.el9", "x86_64", match.NotKernel, ""},
	} {
		class, rel := Kernel(model.Package{Name: tc.name, Version: tc.evr, Arch: tc.arch})
		if class != tc.class || rel != tc.release {
			t.Errorf("Kernel(%s %s %s) = %v %q, want %v %q", tc.name, tc.evr, tc.arch, class, rel, tc.class, tc.release)
		}
	}
}

// TestApplies: arch and module rules of a record for an installed
// package, with the key DriverKey gives it.
func TestApplies(t *testing.T) {
	// RHEA-2020:0330 nodejs:12 (Red Hat OVAL v1 RHEL 8, 2020-02-21).
	nodejs := model.Advisory{Package: "nodejs", CVE: "CVE-2019-16775", Status: model.StatusFixed,
		FixedVersion: "1:12.14.1-1.module+el8.1.0+5466+30f75629", Arch: "aarch64|ppc64le|s390x|x86_64", Module: "nodejs:12"}
	// ALSA-2024:9317 NetworkManager (AlmaLinux OSV): no arch, no module.
	nm := model.Advisory{Package: "NetworkManager", CVE: "CVE-2024-6501", Status: model.StatusFixed,
		FixedVersion: "1:1.48.10-2.el9_5.alma.1"}
	// RHSA-2019:1619's RHEL 7 branch: vim-filesystem restricted to these arches.
	vimfs := model.Advisory{Package: "vim-filesystem", CVE: "CVE-2019-12735", Status: model.StatusFixed,
		FixedVersion: "2:7.4.160-6.el7_6", Arch: "aarch64|ppc64|ppc64le|s390x|x86_64"}
	// An unfixed record of a plain package (CVE-2005-2541 tar, RHEL 9 OVAL v2: will not fix).
	tar := model.Advisory{Package: "tar", CVE: "CVE-2005-2541", Status: model.StatusWillNotFix}
	for _, tc := range []struct {
		name  string
		rec   model.Advisory
		p     model.Package
		want  bool
		basis string
	}{
		{"plain record, plain build", nm, model.Package{Name: "NetworkManager", Version: "1:1.36.0-4.el9_0", Arch: "x86_64"}, true, match.BasisReport},
		// vim-filesystem 2:8.2.2637-15.el9 noarch is inventory rhel-9/vuls-rhel90's.
		{"arch not in the restriction", vimfs, model.Package{Name: "vim-filesystem", Version: "2:8.2.2637-15.el9", Arch: "noarch"}, false, match.BasisReport},
		{"arch in the restriction", vimfs, model.Package{Name: "vim-filesystem", Version: "2:7.4.160-1.el7", Arch: "x86_64"}, true, match.BasisReport},
		// Constructed installed versions: no inventory has nodejs.
		{"module record, module build of unknown stream", nodejs, model.Package{Name: "nodejs", Version: "1:12.13.1-1.module+el8.1.0+4889+fe7b9d5f", Arch: "x86_64"}, true, BasisModuleUnknown},
		{"module record, plain build", nodejs, model.Package{Name: "nodejs", Version: "1:10.19.0-1.el8", Arch: "x86_64"}, false, match.BasisReport},
		{"plain record, module build", nm, model.Package{Name: "NetworkManager", Version: "1:1.36.0-4.module_el9.0.0+1", Arch: "x86_64"}, false, BasisModuleUnknown},
		{"unfixed plain record, plain build", tar, model.Package{Name: "tar", Version: "2:1.34-3.el9", Arch: "x86_64"}, true, match.BasisReport},
		{"unfixed plain record, module build", tar, model.Package{Name: "tar", Version: "2:1.34-3.module+el9.0.0+1", Arch: "x86_64"}, false, BasisModuleUnknown},
	} {
		k := DriverKey(tc.p)
		if got := Applies(tc.rec, k, ArchMatches); got != tc.want || k.Basis != tc.basis {
			t.Errorf("%s: Applies = %v (basis %q), want %v (%q)", tc.name, got, k.Basis, tc.want, tc.basis)
		}
	}
	// Protocol 6: the report's MODULARITYLABEL gives the build's stream,
	// which must be the record's (constructed installed versions: no
	// inventory has nodejs).
	for _, tc := range []struct {
		name, version, module string
		rec                   model.Advisory
		want                  bool
	}{
		{"labelled build of the record's stream", "1:12.13.1-1.module+el8.1.0+4889+fe7b9d5f", "nodejs:12", nodejs, true},
		{"labelled build of another stream", "1:10.19.0-1.module+el8.1.0+5726+6ed65f8c", "nodejs:10", nodejs, false},
		{"label on a release without the module tag", "1:12.13.1-1.el8", "nodejs:12", nodejs, true},
		{"plain record, labelled build", "1:12.13.1-1.el8", "nodejs:12", nm, false},
	} {
		k := DriverKey(model.Package{Name: tc.rec.Package, Version: tc.version, Arch: "x86_64", Module: tc.module})
		if k.Basis != match.BasisReport || k.Module != tc.module {
			t.Errorf("%s: key %+v, want basis report and module %s", tc.name, k, tc.module)
		}
		if got := Applies(tc.rec, k, ArchMatches); got != tc.want {
			t.Errorf("%s: Applies = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSeverity(t *testing.T) {
	for word, want := range map[string]model.Severity{"low": model.SeverityLow, "Moderate": model.SeverityMedium,
		"important": model.SeverityHigh, "Critical": model.SeverityCritical, "": model.SeverityUnknown, "medium": model.SeverityUnknown} {
		if got := Severity(word); got != want {
			t.Errorf("Severity(%q) = %v, want %v", word, got, want)
		}
	}
}
