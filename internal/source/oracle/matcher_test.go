package oracle

import (
	"testing"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
)

// TestDriverVerdicts runs match.Verdicts with the driver on the records of
// the real ELSA excerpt (no Oracle Linux inventory is at hand: the
// installed versions are constructed, each next to the record it meets).
func TestDriverVerdicts(t *testing.T) {
	recs := parseFile(t, "testdata/com.oracle.elsa-all.excerpt.xml.bz2").Records
	pkg := func(name, evr, arch string) model.Package { return model.Package{Name: name, Version: evr, Arch: arch} }
	for _, tc := range []struct {
		name  string
		group string
		p     model.Package
		want  []string // vulnerable CVEs
	}{
		// ELSA-2007-0057: bind earlier than 30:9.3.3-8.el5, x86_64 and i386 branches.
		{"older", "oracle:5", pkg("bind", "30:9.3.3-7.el5", "x86_64"), []string{"CVE-2007-0493", "CVE-2007-0494"}},
		{"installed == fixed", "oracle:5", pkg("bind", "30:9.3.3-8.el5", "x86_64"), nil},
		{"older only by epoch", "oracle:5", pkg("bind", "0:9.3.3-8.el5", "i386"), []string{"CVE-2007-0493", "CVE-2007-0494"}},
		{"arch without a branch", "oracle:5", pkg("bind", "30:9.3.3-7.el5", "ia64"), nil},
		{"another release", "oracle:8", pkg("bind", "30:9.3.3-7.el5", "x86_64"), nil},
		// ELSA-2023-12342: aarch64 branch, hivex earlier than
		// 0:1.3.18-21.module+el8.7.0+21037+8ee66348 (virt:kvm_utils).
		{"module build, older", "oracle:8", pkg("hivex", "0:1.3.18-20.module+el8.6.0+20650+a89e8e5d", "aarch64"), []string{"CVE-2022-4144", "CVE-2023-0664"}},
		{"module build, fixed", "oracle:8", pkg("hivex", "0:1.3.18-21.module+el8.7.0+21037+8ee66348", "aarch64"), nil},
		{"arch-restricted record, other arch", "oracle:8", pkg("hivex", "0:1.3.18-20.module+el8.6.0+20650+a89e8e5d", "x86_64"), nil},
		{"plain build, module record", "oracle:8", pkg("hivex", "0:1.3.18-20.el8", "aarch64"), nil},
	} {
		d := Driver{}
		k := d.Key(tc.p, nil)
		var mine []model.Advisory
		for _, a := range recs {
			if a.OSGroup == tc.group && a.Package == tc.p.Name {
				mine = append(mine, a)
			}
		}
		var got []string
		for _, v := range match.Verdicts(d, k, mine) {
			got = append(got, v.CVE)
		}
		if len(got) != len(tc.want) || (len(got) > 0 && (got[0] != tc.want[0] || got[len(got)-1] != tc.want[len(tc.want)-1])) {
			t.Errorf("%s: %s %s %s vulnerable to %v, want %v", tc.name, tc.p.Name, tc.p.Version, tc.p.Arch, got, tc.want)
		}
	}
}

// TestKsplice: a Ksplice fix meets Ksplice builds only, and a plain fix
// plain builds only. ELSA-2021-9151's Ksplice openssl (mock file: the
// record is constructed from it, only its version shape matters).
func TestKsplice(t *testing.T) {
	rec := model.Advisory{Source: SourceName, OSGroup: "oracle:8", Package: "openssl", CVE: "CVE-2021-3449",
		Status: model.StatusFixed, FixedVersion: "2:1.1.1g-15.ksplice1.el8_3", Arch: "x86_64"}
	plain := rec
	plain.FixedVersion = "1:1.1.1g-15.el8_3"
	d := Driver{}
	for _, tc := range []struct {
		rec  model.Advisory
		evr  string
		want bool
	}{
		{rec, "2:1.1.1g-12.ksplice1.el8_3", true},
		{rec, "1:1.1.1g-12.el8_3", false}, // a plain build: the Ksplice fix does not order against it
		{plain, "2:1.1.1g-12.ksplice1.el8_3", false},
		{plain, "1:1.1.1g-12.el8_3", true},
	} {
		k := d.Key(model.Package{Name: "openssl", Version: tc.evr, Arch: "x86_64"}, nil)
		if got := len(match.Verdicts(d, k, []model.Advisory{tc.rec})) == 1; got != tc.want {
			t.Errorf("fix %s, installed %s: vulnerable %v, want %v", tc.rec.FixedVersion, tc.evr, got, tc.want)
		}
	}
}

// TestKernel: the UEK kernel counts only when running (uname -r of a UEK
// build, as Oracle names it); kernel-uek-devel is support.
func TestKernel(t *testing.T) {
	d := Driver{}
	for _, tc := range []struct {
		name, evr string
		class     match.KernelClass
		release   string
	}{
		{"kernel-uek", "0:5.15.0-200.131.27.el8uek", match.KernelImage, "5.15.0-200.131.27.el8uek.x86_64"},
		{"kernel-uek-core", "0:5.15.0-200.131.27.el9uek", match.KernelImage, "5.15.0-200.131.27.el9uek.x86_64"},
		{"kernel", "0:4.18.0-513.5.1.el8_9", match.KernelImage, "4.18.0-513.5.1.el8_9.x86_64"},
		{"kernel-uek-devel", "0:5.15.0-200.131.27.el8uek", match.KernelSupport, ""},
	} {
		p := model.Package{Name: tc.name, Version: tc.evr, Arch: "x86_64"}
		class, rel := d.Kernel(p, d.Key(p, nil))
		if class != tc.class || rel != tc.release {
			t.Errorf("Kernel(%s %s) = %v %q, want %v %q", tc.name, tc.evr, class, rel, tc.class, tc.release)
		}
	}
}
