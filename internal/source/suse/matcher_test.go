package suse

import (
	"testing"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
)

// TestKernel: SUSE's kernel packages and the release each runs as. Pairs
// marked inventory are real (shared/data/inventories: package line and
// kernel: line of the same report); the others are SUSE's flavour naming.
func TestKernel(t *testing.T) {
	for _, tc := range []struct {
		name, evr string
		class     match.KernelClass
		release   string
	}{
		// inventory sles-15/vuls-sles15: kernel-default 0:5.3.18-59.37.2, kernel: 5.3.18-59.37-default
		{"kernel-default", "0:5.3.18-59.37.2", match.KernelImage, "5.3.18-59.37-default"},
		// inventory opensuse-leap-15.3: kernel-default(-extra, -optional) 0:5.3.18-57.3, kernel: 5.3.18-57-default
		{"kernel-default", "0:5.3.18-57.3", match.KernelImage, "5.3.18-57-default"},
		{"kernel-default-extra", "0:5.3.18-57.3", match.KernelImage, "5.3.18-57-default"},
		{"kernel-default-optional", "0:5.3.18-57.3", match.KernelImage, "5.3.18-57-default"},
		{"kernel-default-base", "0:5.14.21-150400.24.46.1.150400.24.19.1", match.KernelImage, "5.14.21-150400.24.46.1.150400.24.19-default"},
		{"kernel-default", "0:5.14.21-150400.24.46.1", match.KernelImage, "5.14.21-150400.24.46-default"},
		{"kernel-azure", "0:5.14.21-150500.33.29.1", match.KernelImage, "5.14.21-150500.33.29-azure"},
		{"kernel-64kb", "0:5.14.21-150500.55.31.1", match.KernelImage, "5.14.21-150500.55.31-64kb"},
		{"kernel-rt", "0:5.14.21-150400.15.11.1", match.KernelImage, "5.14.21-150400.15.11-rt"},
		// support: evaluated, never counted
		{"kernel-default-devel", "0:5.3.18-59.37.2", match.KernelSupport, ""},
		{"kernel-devel", "0:5.3.18-59.37.2", match.KernelSupport, ""},
		{"kernel-macros", "0:5.3.18-59.37.2", match.KernelSupport, ""},
		{"kernel-source", "0:5.3.18-59.37.2", match.KernelSupport, ""},
		{"kernel-syms", "0:5.3.18-59.37.2", match.KernelSupport, ""},
		// ordinary: inventory opensuse-leap-15.3 kernel-firmware-intel 0:20210208-2.4,
		// inventory sles-15 purge-kernels-service, nfs-kernel-server
		{"kernel-firmware-intel", "0:20210208-2.4", match.NotKernel, ""},
		{"purge-kernels-service", "0:0-8.3.1", match.NotKernel, ""},
		{"nfs-kernel-server", "0:2.1.1-10.18.1", match.NotKernel, ""},
		{"kernel", "0:5.14.0-70.13.1.el9_0", match.NotKernel, ""},
	} {
		class, rel := Kernel(model.Package{Name: tc.name, Version: tc.evr, Arch: "x86_64"})
		if class != tc.class || rel != tc.release {
			t.Errorf("Kernel(%s %s) = %v %q, want %v %q", tc.name, tc.evr, class, rel, tc.class, tc.release)
		}
	}
}

// TestDriverVerdicts runs match.Verdicts with the driver on real records.
func TestDriverVerdicts(t *testing.T) {
	// opensuse.leap.15.2: CVE-2010-2322, fastjar < 0:0.98-lp152.4.3.1 for (i586|x86_64), Low.
	fastjar := model.Advisory{Source: SourceName, OSGroup: "opensuse-leap:15.2", Package: "fastjar", CVE: "CVE-2010-2322",
		FixedVersion: "0:0.98-lp152.4.3.1", Status: model.StatusFixed, Severity: "low", Arch: "i586|x86_64"}
	// CSAF VEX CVE-2023-5568: SUSE Linux Enterprise Server 15 SP3-LTSS:samba-libs known_not_affected.
	samba := model.Advisory{Source: VEXSourceName, OSGroup: "sles:15.3", Package: "samba-libs", CVE: "CVE-2023-5568",
		Status: model.StatusNotAffected, Severity: "moderate"}
	pkg := func(name, evr, arch string) model.Package { return model.Package{Name: name, Version: evr, Arch: arch} }
	for _, tc := range []struct {
		name string
		rec  model.Advisory
		p    model.Package
		want bool
	}{
		// Installed versions are constructed (no inventory has fastjar).
		{"older", fastjar, pkg("fastjar", "0:0.98-lp152.4.2.1", "x86_64"), true},
		{"installed == fixed", fastjar, pkg("fastjar", "0:0.98-lp152.4.3.1", "x86_64"), false},
		{"installed == fixed, no epoch written", fastjar, pkg("fastjar", "0.98-lp152.4.3.1", "x86_64"), false},
		{"arch outside the restriction", fastjar, pkg("fastjar", "0:0.98-lp152.4.2.1", "aarch64"), false},
		{"arch in the restriction", fastjar, pkg("fastjar", "0:0.98-lp152.4.2.1", "i586"), true},
		// inventory sles-15/vuls-sles15: samba-libs 0:4.13.13+git.531.903f5c0ccdc-3.17.1 x86_64.
		{"not affected", samba, pkg("samba-libs", "0:4.13.13+git.531.903f5c0ccdc-3.17.1", "x86_64"), false},
	} {
		d := Driver{}
		k := d.Key(tc.p, nil)
		var recs []model.Advisory
		if d.Applies(tc.rec, k) {
			recs = append(recs, tc.rec)
		}
		vs := match.Verdicts(d, k, recs)
		if got := len(vs) == 1; got != tc.want {
			t.Errorf("%s: %s %s %s vulnerable = %v (%+v), want %v", tc.name, tc.p.Name, tc.p.Version, tc.p.Arch, got, vs, tc.want)
		}
	}
}

func TestDriver(t *testing.T) {
	d := Driver{}
	if d.OriginRank(SourceName) <= d.OriginRank(VEXSourceName) || d.OriginRank(VEXSourceName) <= d.OriginRank("updateinfo") {
		t.Error("origin ranks: OVAL, then CSAF VEX, then others")
	}
	for word, want := range map[string]model.Severity{"low": model.SeverityLow, "moderate": model.SeverityMedium,
		"important": model.SeverityHigh, "critical": model.SeverityCritical, "": model.SeverityUnknown} {
		if got := d.Severity(word); got != want {
			t.Errorf("Severity(%q) = %v, want %v", word, got, want)
		}
	}
	for _, tc := range []struct {
		restriction, arch string
		want              bool
	}{{"", "x86_64", true}, {"i586|x86_64", "x86_64", true}, {"i586|x86_64", "s390x", false}, {"(i586|x86_64)", "i586", true},
		{"x86_64.*", "x86_64", true}, {"x86_64.*", "aarch64", false}, {"i586|x86_64", "", true}} {
		if got := ArchMatches(tc.restriction, tc.arch); got != tc.want {
			t.Errorf("ArchMatches(%q, %q) = %v", tc.restriction, tc.arch, got)
		}
	}
}
