package alma

import (
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/rpmmatch"
)

// TestAffects: installed versions are real, from the inventories
// shared/data/inventories/alma-8/vuls-alma8 and alma-9/vuls-alma9 (their
// .pakiti5.txt lines, module labels from the vuls JSON); records are real
// AlmaLinux OSV records as this source emits them (advisory cited).
func TestAffects(t *testing.T) {
	fixed := func(group, pkg, v, adv string) model.Advisory {
		return model.Advisory{Source: Name, OSGroup: group, Package: pkg, FixedVersion: v, Status: model.StatusFixed, AdvisoryID: adv}
	}
	pkg := func(name, v string) model.Package { return model.Package{Name: name, Version: v, Arch: "x86_64"} }
	withModule := func(a model.Advisory, m string) model.Advisory { a.Module = m; return a }
	perlWWW := []string{rpmmatch.ModuleStream("perl-libwww-perl:6.34:8060020220422081956:fbe42456")}
	for _, tc := range []struct {
		name    string
		p       model.Package
		a       model.Advisory
		enabled []string
		want    bool
	}{
		// alma-9 bash 0:5.1.8-4.el9; ALSA-2023:0340 bash fixed 5.1.8-6.el9_1.
		{"alma9 bash older than fix", pkg("bash", "0:5.1.8-4.el9"), fixed("alma:9", "bash", "5.1.8-6.el9_1", "ALSA-2023:0340"), nil, true},
		// alma-9 openssh 0:8.7p1-49.el9_7.alma.1 == ALSA-2026:13381 fixed 8.7p1-49.el9_7.alma.1.
		{"alma9 openssh installed == fixed", pkg("openssh", "0:8.7p1-49.el9_7.alma.1"), fixed("alma:9", "openssh", "8.7p1-49.el9_7.alma.1", "ALSA-2026:13381"), nil, false},
		// ... and ALSA-2026:47756 openssh fixed 9.9p1-9.el9_8.alma.1.
		{"alma9 openssh older than a later fix", pkg("openssh", "0:8.7p1-49.el9_7.alma.1"), fixed("alma:9", "openssh", "9.9p1-9.el9_8.alma.1", "ALSA-2026:47756"), nil, true},
		// alma-9 glibc 0:2.34-231.el9_7.10 == ALSA-2026:2786 fixed 2.34-231.el9_7.10.
		{"alma9 glibc installed == fixed", pkg("glibc", "0:2.34-231.el9_7.10"), fixed("alma:9", "glibc", "2.34-231.el9_7.10", "ALSA-2026:2786"), nil, false},
		// alma-8 openssl-libs 1:1.1.1k-12.el8_9 == ALSA-2023:7877 fixed 1:1.1.1k-12.el8_9.
		{"alma8 openssl-libs == fixed, epoch 1", pkg("openssl-libs", "1:1.1.1k-12.el8_9"), fixed("alma:8", "openssl-libs", "1:1.1.1k-12.el8_9", "ALSA-2023:7877"), nil, false},
		// ... and ALSA-2026:38503 fixed 1:1.1.1k-17.el8_6.
		{"alma8 openssl-libs older", pkg("openssl-libs", "1:1.1.1k-12.el8_9"), fixed("alma:8", "openssl-libs", "1:1.1.1k-17.el8_6", "ALSA-2026:38503"), nil, true},
		// Lower only by epoch: the same V-R reported with epoch 0, as the
		// .pakiti5.txt of rpm-nvra-list inventories write it for every
		// package (inventories README caveat). The installed string is
		// CONSTRUCTED from the alma-8 line by dropping the epoch.
		{"epoch 0 below epoch 1, same V-R", pkg("openssl-libs", "0:1.1.1k-12.el8_9"), fixed("alma:8", "openssl-libs", "1:1.1.1k-12.el8_9", "ALSA-2023:7877"), nil, true},
		// alma-8 kernel-core 0:4.18.0-513.9.1.el8_9 == ALSA-2023:7549 fixed 4.18.0-513.9.1.el8_9.
		{"alma8 kernel-core == fixed", pkg("kernel-core", "0:4.18.0-513.9.1.el8_9"), fixed("alma:8", "kernel-core", "4.18.0-513.9.1.el8_9", "ALSA-2023:7549"), nil, false},
		// alma-8 perl-Encode-Locale 0:1.05-10.module_el8.5.0+2812+ed912d05
		// (MODULARITYLABEL perl-libwww-perl:6.34:...) against ALSA-2024:3128
		// "perl:5.32 security update", fixed 1.05-10.module_el8.6.0+2766+8bf0b7ce:
		// with the package's stream known, not affected; unknown (protocol
		// 5), the el8.5 build sorts below the el8.6 one and is flagged.
		{"module record, other stream known", pkg("perl-Encode-Locale", "0:1.05-10.module_el8.5.0+2812+ed912d05"),
			withModule(fixed("alma:8", "perl-Encode-Locale", "1.05-10.module_el8.6.0+2766+8bf0b7ce", "ALSA-2024:3128"), "perl:5.32"), perlWWW, false},
		{"module record, stream unknown", pkg("perl-Encode-Locale", "0:1.05-10.module_el8.5.0+2812+ed912d05"),
			withModule(fixed("alma:8", "perl-Encode-Locale", "1.05-10.module_el8.6.0+2766+8bf0b7ce", "ALSA-2024:3128"), "perl:5.32"), nil, true},
		{"module record, stream enabled", pkg("perl-Encode-Locale", "0:1.05-10.module_el8.5.0+2812+ed912d05"),
			withModule(fixed("alma:8", "perl-Encode-Locale", "1.05-10.module_el8.6.0+2766+8bf0b7ce", "ALSA-2024:3128"), "perl:5.32"), []string{"perl:5.32"}, true},
		// alma-8 sudo 0:1.8.29-10.el8 (not a module build) against a module
		// record: ALSA-2024:0046 (squid:4) squid 7:4.15-7.module_el8.9.0+...,
		// with the package name changed to sudo: CONSTRUCTED to show a plain
		// build is not matched by a module record.
		{"module record, plain build", pkg("sudo", "0:1.8.29-10.el8"),
			withModule(fixed("alma:8", "sudo", "7:4.15-7.module_el8.9.0+3708+6acaac63.5", "ALSA-2024:0046"), "squid:4"), nil, false},
		// alma-8 perl-Archive-Tar 0:2.30-1.el8 (a plain build) against a
		// module build fixed version in a record without Module, as the
		// source emits when a title names two streams: the shape is
		// CONSTRUCTED from ALBA-2019:3337 ("perl:5.24 bug fix and
		// enhancement update", perl-Archive-Tar fixed
		// 2.30-2.module_el8.5.0+166+0c9b5e1d), a bug-fix advisory this source
		// skips. 2.30-1.el8 < 2.30-2.module... in rpm order, yet the module
		// build is another line of the package: not affected.
		{"module build fix, plain installed, no Module", pkg("perl-Archive-Tar", "0:2.30-1.el8"),
			fixed("alma:8", "perl-Archive-Tar", "2.30-2.module_el8.5.0+166+0c9b5e1d", "ALBA-2019:3337"), nil, false},
		// alma-8 sudo 0:1.8.29-10.el8; ALSA-2026:11521 sudo fixed 1.9.5p2-1.el8_10.5.
		{"alma8 sudo older", pkg("sudo", "0:1.8.29-10.el8"), fixed("alma:8", "sudo", "1.9.5p2-1.el8_10.5", "ALSA-2026:11521"), nil, true},
		// Arch restriction (AlmaLinux OSV has none; the restriction is
		// CONSTRUCTED on ALSA-2026:11521 to show the rule).
		{"arch restriction excludes", pkg("sudo", "0:1.8.29-10.el8"), func() model.Advisory {
			a := fixed("alma:8", "sudo", "1.9.5p2-1.el8_10.5", "ALSA-2026:11521")
			a.Arch = "aarch64|ppc64le"
			return a
		}(), nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Affects(tc.p, tc.a, tc.enabled); got.Affected != tc.want {
				t.Errorf("Affects = %+v, want affected %v", got, tc.want)
			}
		})
	}
}

func TestPackageKey(t *testing.T) {
	// alma-8: openssl-libs 1:1.1.1k-12.el8_9 is filed under its binary name
	// (ALSA-2023:7877 lists openssl-libs, not openssl).
	if got := PackageKey(model.Package{Name: "openssl-libs", Version: "1:1.1.1k-12.el8_9", Arch: "x86_64", SourceName: "openssl"}); got != "openssl-libs" {
		t.Errorf("PackageKey = %q", got)
	}
}
