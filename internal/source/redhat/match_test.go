package redhat

import (
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/oval"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// grub2BootHole is constructed: RHSA-2020:3217 (grub2, BootHole
// CVE-2020-10713, RHEL 7.8) fixed grub2 in 1:2.02-0.86.el7_8, and CentOS
// rebuilt it as 1:2.02-0.86.el7.centos (CESA-2020:3217). No RHEL 7 OVAL is
// in the shared feeds, so the record is written from the advisory's text.
var grub2BootHole = model.Advisory{Source: SourceName, OSGroup: "rhel:7", Package: "grub2", CVE: "CVE-2020-10713",
	FixedVersion: "1:2.02-0.86.el7_8", Status: model.StatusFixed, AdvisoryID: "RHSA-2020:3217", Arch: "x86_64"}

// vim7 is RHSA-2019:1619's RHEL 7 branch (testdata/rhel8-v1.excerpt.xml):
// vim-minimal is earlier than 2:7.4.160-6.el7_6.
var vim7 = model.Advisory{Source: SourceName, OSGroup: "rhel:7", Package: "vim-minimal", CVE: "CVE-2019-12735",
	FixedVersion: "2:7.4.160-6.el7_6", Status: model.StatusFixed, AdvisoryID: "RHSA-2019:1619", Arch: "aarch64|ppc64|ppc64le|s390x|x86_64"}

// nodejs12 is RHEA-2020:0330 (testdata/rhel8-v1.excerpt.xml).
var nodejs12 = model.Advisory{Source: SourceName, OSGroup: "rhel:8", Package: "nodejs", CVE: "CVE-2019-16775",
	FixedVersion: "1:12.14.1-1.module+el8.1.0+5466+30f75629", Status: model.StatusFixed, Arch: "aarch64|ppc64le|s390x|x86_64", Module: "nodejs:12"}

// firefox is RHSA-2022:4765 (testdata/rhel-9-including-unpatched...): 0:91.9.1-1.el9_0.
var firefox = model.Advisory{Source: SourceName, OSGroup: "rhel:9", Package: "firefox", CVE: "CVE-2022-1529",
	FixedVersion: "0:91.9.1-1.el9_0", Status: model.StatusFixed, Arch: "aarch64|ppc64le|s390x|x86_64"}

// tar is CVE-2005-2541 (Will not fix) from the same file.
var tar = model.Advisory{Source: SourceName, OSGroup: "rhel:9", Package: "tar", CVE: "CVE-2005-2541", Status: model.StatusWillNotFix}

func TestAffects(t *testing.T) {
	pkg := func(name, evr, arch string) model.Package { return model.Package{Name: name, Version: evr, Arch: arch} }
	known := func(m ...string) Host { return Host{Modules: m, ModulesKnown: true} }
	for _, tc := range []struct {
		name            string
		rec             model.Advisory
		p               model.Package
		h               Host
		applies, vulner bool
	}{
		// Real CentOS 7.7 inventory (vuls-centos7): grub2 1:2.02-0.80.el7.centos, before the fix.
		{"centos grub2 0.80 before the fix", grub2BootHole, pkg("grub2", "1:2.02-0.80.el7.centos", "x86_64"), Host{}, true, true},
		// CentOS's rebuild of the fix: dist tag .el7.centos for Red Hat's .el7_8.
		{"centos grub2 0.86 rebuild has the fix", grub2BootHole, pkg("grub2", "1:2.02-0.86.el7.centos", "x86_64"), Host{}, true, false},
		// The vuls scan's newer CentOS build 1:2.02-0.87.el7.centos.6.
		{"centos grub2 0.87 newer", grub2BootHole, pkg("grub2", "1:2.02-0.87.el7.centos.6", "x86_64"), Host{}, true, false},
		{"rhel grub2 == fixed", grub2BootHole, pkg("grub2", "1:2.02-0.86.el7_8", "x86_64"), Host{}, true, false},
		{"installed < fixed only by epoch", grub2BootHole, pkg("grub2", "0:2.02-0.86.el7_8", "x86_64"), Host{}, true, true},
		{"epoch-less report of the fixed build reads epoch 0", grub2BootHole, pkg("grub2", "2.02-0.86.el7_8", "x86_64"), Host{}, true, true},
		// Real CentOS 7 vim-minimal 2:7.4.629-6.el7 is newer than 2:7.4.160-6.el7_6.
		{"centos vim-minimal newer", vim7, pkg("vim-minimal", "2:7.4.629-6.el7", "x86_64"), Host{}, true, false},
		// Real 2:7.4.160-1.el7 (another inventory) is older.
		{"vim-minimal 7.4.160-1 older", vim7, pkg("vim-minimal", "2:7.4.160-1.el7", "x86_64"), Host{}, true, true},
		{"arch restricted: i686 not listed", firefox, pkg("firefox", "0:91.8.0-1.el9_0", "i686"), Host{}, false, false},
		{"arch listed", firefox, pkg("firefox", "0:91.8.0-1.el9_0", "aarch64"), Host{}, true, true},
		{"installed == fixed", firefox, pkg("firefox", "0:91.9.1-1.el9_0", "x86_64"), Host{}, true, false},
		{"module stream enabled", nodejs12, pkg("nodejs", "1:12.13.1-1.module+el8.1.0+4811+da2e5a31", "x86_64"), known("nodejs:12"), true, true},
		{"other module stream enabled", nodejs12, pkg("nodejs", "1:10.19.0-1.module+el8.1.0+5726+6ed65f8c", "x86_64"), known("nodejs:10"), false, false},
		{"module state unknown: inferred from the release", nodejs12, pkg("nodejs", "1:12.13.1-1.module+el8.1.0+4811+da2e5a31", "x86_64"), Host{}, true, true},
		{"module record, non-modular build", nodejs12, pkg("nodejs", "1:12.13.1-1.el8", "x86_64"), Host{}, false, false},
		{"non-modular record, module build", firefox, pkg("firefox", "0:91.8.0-1.module+el8.1.0+1+abc", "x86_64"), Host{}, false, false},
		{"will not fix affects", tar, pkg("tar", "2:1.34-3.el9", "x86_64"), Host{}, true, true},
		{"not affected does not", model.Advisory{Package: "zlib", Status: model.StatusNotAffected}, pkg("zlib", "1.2.11-31.el9", "x86_64"), Host{}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Affects(tc.rec, tc.p, tc.h)
			if v.Applies != tc.applies || v.Vulnerable != tc.vulner || v.Basis == "" {
				t.Errorf("Affects = %+v, want applies %v vulnerable %v", v, tc.applies, tc.vulner)
			}
		})
	}
}

func TestOlderThanFix(t *testing.T) {
	for _, tc := range []struct {
		installed, fixed string
		want             bool
	}{
		{"1:2.02-0.86.el7.centos", "1:2.02-0.86.el7_8", false},
		{"1:2.02-0.86.el7.centos.2", "1:2.02-0.86.el7_8.1", false},
		{"1:2.02-0.86.el7.centos", "1:2.02-0.86.el7", false}, // plain rpm order already
		{"1:2.02-0.80.el7.centos", "1:2.02-0.86.el7_8", true},
		{"1:2.02-0.86.el7.centos", "1:2.02-0.87.el7_9", true},
		{"1:2.02-0.86.el7.centos", "2:2.02-0.86.el7_8", true}, // epoch differs
		{"1:2.02-0.86.el6.centos", "1:2.02-0.86.el7_8", true}, // another major's tag
		{"1:2.02-0.86.el7_7", "1:2.02-0.86.el7_8", true},      // not a rebuild tag
		{"0:1.0-1.el7", "0:1.0-1.el7_8", true},
	} {
		if got := OlderThanFix(tc.installed, tc.fixed); got != tc.want {
			t.Errorf("OlderThanFix(%s, %s) = %v, want %v", tc.installed, tc.fixed, got, tc.want)
		}
	}
}

func TestArchMatches(t *testing.T) {
	for _, tc := range []struct {
		r, a string
		want bool
	}{
		{"aarch64|ppc64le|s390x|x86_64", "x86_64", true},
		{"aarch64|ppc64le|s390x|x86_64", "ppc64", false},
		{"aarch64|ppc64le|s390x|x86_64", "noarch", false},
		{"noarch", "noarch", true},
		{"i[3-6]86", "i686", true},
		{"x86_64", "x86_6", false},
	} {
		if got := ArchMatches(tc.r, tc.a); got != tc.want {
			t.Errorf("ArchMatches(%q, %q) = %v", tc.r, tc.a, got)
		}
	}
}

func TestKeyAndGroups(t *testing.T) {
	if k := Key(model.Package{Name: "kernel-core", SourceName: "kernel"}); k != "kernel-core" {
		t.Errorf("Key = %q, want the binary name", k)
	}
	for in, want := range map[string]string{"9": "rhel:9", "10": "rhel:10", "4": "", "09": "", "x": ""} {
		if g, _ := OSGroup(in); g != want {
			t.Errorf("OSGroup(%q) = %q, want %q", in, g, want)
		}
	}
	for in, want := range map[string]string{"rhel:9": "9", "rhel:9.2-eus": "9", "centos:7": "", "rhel:": ""} {
		if m, _ := Major(in); m != want {
			t.Errorf("Major(%q) = %q, want %q", in, m, want)
		}
	}
}

// TestFactsEval evaluates RHSA-2019:1619 (vim) on a CentOS 7 host mapped to
// rhel:7, through Facts, with the real vim-minimal versions above.
func TestFactsEval(t *testing.T) {
	var vim *oval.Definition
	var p oval.Parser
	err := p.Parse(t.Context(), sourcetest.Open(t, "testdata/rhel8-v1.excerpt.xml"), func(d *oval.Definition) error {
		if d.ID == "oval:com.redhat.rhsa:def:20191619" {
			vim = d
		}
		return nil
	})
	if err != nil || vim == nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		group, evr string
		want       oval.Result
	}{
		{"rhel:7", "2:7.4.629-6.el7", oval.False},
		{"rhel:7", "2:7.4.160-1.el7", oval.True},
		{"rhel:9", "2:7.4.160-1.el7", oval.False}, // neither RHEL 7 nor 8
		{"centos:7", "2:7.4.160-1.el7", oval.Unknown},
	} {
		f := Facts(tc.group, []model.Package{{Name: "vim-minimal", Version: tc.evr, Arch: "x86_64"}}, Host{}, "")
		if tc.group == "centos:7" {
			f.FileOwners = nil // no release-file facts at all
		}
		if got := oval.Eval(vim.Criteria, f); got != tc.want {
			t.Errorf("%s %s: %v, want %v", tc.group, tc.evr, got, tc.want)
		}
	}
}
