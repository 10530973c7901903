package rpmmatch

import "testing"

func TestHelpers(t *testing.T) {
	// MODULARITYLABELs from shared/data/inventories/alma-8/vuls-alma8/alma_8.json.
	for in, want := range map[string]string{
		"perl-libwww-perl:6.34:8060020220422081956:fbe42456":    "perl-libwww-perl:6.34",
		"perl-IO-Socket-SSL:2.066:8060020220422081814:fbe42456": "perl-IO-Socket-SSL:2.066",
		"": "", "nodejs": "", ":12": "",
	} {
		if got := ModuleStream(in); got != want {
			t.Errorf("ModuleStream(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tc := range []struct {
		evr  string
		want bool
	}{
		{"0:1.05-10.module_el8.5.0+2812+ed912d05", true},  // alma-8 perl-Encode-Locale
		{"0:3.3.1-2.module+el9.4.0+20787+4c237fd3", true}, // RLSA-2024:3671 ruby
		{"0:2.30-1.el8", false},                           // alma-8 perl-Archive-Tar
		{"module+el8", false},                             // no release
	} {
		if got := IsModuleBuild(tc.evr); got != tc.want {
			t.Errorf("IsModuleBuild(%q) = %v", tc.evr, got)
		}
	}
	for _, tc := range []struct {
		restriction, arch string
		want              bool
	}{
		{"", "x86_64", true}, {"x86_64|i686", "i686", true}, {"x86_64|i686", "aarch64", false}, {"noarch", "noarch", true},
	} {
		if got := ArchMatches(tc.restriction, tc.arch); got != tc.want {
			t.Errorf("ArchMatches(%q, %q) = %v", tc.restriction, tc.arch, got)
		}
	}
}
