package rpmmatch

import (
	"testing"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestHostRecords: which module records apply to a module build without
// its stream on hosts stating their enabled streams. The records are
// AlmaLinux's: ALSA-2024:3128 "Moderate: perl:5.32 security update"
// perl-Encode-Locale fixed 1.05-10.module_el8.6.0+2766+8bf0b7ce
// (CVE-2023-47038); the installed build is inventory alma-8/vuls-alma8's
// 0:1.05-10.module_el8.5.0+2812+ed912d05. The second record is
// constructed from it: the same fix with no stream named (as the OSV
// converter leaves Module when a title names no single stream), which a
// host's streams cannot rule out.
func TestHostRecords(t *testing.T) {
	k := DriverKey(model.Package{Name: "perl-Encode-Locale", Version: "0:1.05-10.module_el8.5.0+2812+ed912d05", Arch: "noarch"})
	if k.Basis != BasisModuleUnknown {
		t.Fatalf("key basis %q, want %q", k.Basis, BasisModuleUnknown)
	}
	perl532 := model.Advisory{Package: "perl-Encode-Locale", CVE: "CVE-2023-47038", Status: model.StatusFixed,
		FixedVersion: "1.05-10.module_el8.6.0+2766+8bf0b7ce", Module: "perl:5.32", AdvisoryID: "ALSA-2024:3128"}
	unnamed := perl532
	unnamed.Module = ""
	for _, tt := range []struct {
		name           string
		facts          map[string]string
		ok             bool
		perl, noStream bool
	}{
		{"perl:5.32 enabled", map[string]string{store.FactModules: "perl:5.32 nodejs:10"}, true, true, true},
		{"perl:5.26 enabled", map[string]string{store.FactModules: "perl:5.26"}, true, false, true},
		{"none enabled", map[string]string{store.FactModules: ""}, true, false, true},
		{"not said", map[string]string{store.FactPro: "none"}, false, false, false},
		{"no facts", nil, false, false, false},
	} {
		basis, keep, ok := HostRecords(k, tt.facts)
		if ok != tt.ok {
			t.Errorf("%s: ok %v, want %v", tt.name, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if basis != BasisModuleEnabled {
			t.Errorf("%s: basis %q", tt.name, basis)
		}
		if keep(perl532) != tt.perl || keep(unnamed) != tt.noStream {
			t.Errorf("%s: keeps perl:5.32 record %v, unnamed %v; want %v, %v", tt.name, keep(perl532), keep(unnamed), tt.perl, tt.noStream)
		}
	}
	var _ match.RecordRule = Family{}
}
