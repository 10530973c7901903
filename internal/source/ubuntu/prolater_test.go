package ubuntu

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestReleaseThenPro: retired/CVE-2012-2372 (testdata/uct-later, a whole
// member of the 2020 snapshot) has
//
//	precise_linux: released (3.2.0-29.46)
//	precise/esm_linux: released (3.2.0-60.91)
//
// Written by hand from those two lines (prolater.go says why both hold):
// a precise kernel below 3.2.0-29.46 is exposed on every host, fixed in
// 3.2.0-29.46 (the release's line); between the two, exposed on a host
// with esm-infra enabled (fixed in 3.2.0-60.91, the channel's line), not
// on a host without Pro (its release's line says fixed), and shown with
// the reason on a host that did not say; from 3.2.0-60.91 on, on none.
func TestReleaseThenPro(t *testing.T) {
	recs := recordsOf(t, "testdata/uct-later/CVE-2012-2372", "ubuntu:12.04", "linux")
	const cve = "CVE-2012-2372"
	type want struct{ Fix, Origin, Basis string } // "" fix: no finding
	release := want{"3.2.0-29.46", OriginTracker, "report"}
	proOn := want{"3.2.0-60.91", OriginESMInfra, "report; Ubuntu Pro esm-infra enabled on the host: its line names a later fix than the release's"}
	proUnknown := want{"3.2.0-60.91", ProLater(OriginESMInfra),
		"report; the release's fix is installed, Ubuntu Pro (esm-infra) names a later one; the host's Pro state is unknown (no pro: header)"}
	for _, tt := range []struct {
		installed          string
		pro, none, unknown want
	}{
		{"3.2.0-23.36", release, release, release}, // precise's first kernel: below both
		{"3.2.0-29.45", release, release, release}, // just below the release's fix
		{"3.2.0-29.46", proOn, want{}, proUnknown}, // the release's fix
		{"3.2.0-59.90", proOn, want{}, proUnknown}, // just below the channel's fix
		{"3.2.0-60.91", want{}, want{}, want{}},    // the channel's fix
		{"3.2.0-126.169", want{}, want{}, want{}},  // precise's last kernel
	} {
		k := match.Key{Name: "linux", Version: tt.installed, Basis: match.BasisReport}
		vs := match.Verdicts(Driver{}, k, recs)
		for _, host := range []struct {
			name  string
			facts map[string]string
			want  want
		}{
			{"esm-infra", map[string]string{store.FactPro: "esm-infra"}, tt.pro},
			{"no Pro", map[string]string{store.FactPro: "none"}, tt.none},
			{"not said", nil, tt.unknown},
		} {
			var got want
			for _, v := range vs {
				if v.CVE != cve {
					t.Fatalf("%s: verdict for %s", tt.installed, v.CVE)
				}
				f := store.TargetFinding{CVE: v.CVE, Status: store.StatusOpen, Facts: store.FindingFacts{FixedVersion: v.FixedVersion,
					VendorStatus: v.Status, Origin: v.Origin, SourceName: "linux", SourceVersion: tt.installed, Basis: match.BasisReport}}
				if (Driver{}).AdjustFinding(&f, host.facts) {
					got = want{f.Facts.FixedVersion, f.Facts.Origin, f.Facts.Basis}
				}
			}
			if diff := cmp.Diff(host.want, got); diff != "" {
				t.Errorf("linux %s on a host %s (-want +got):\n%s", tt.installed, host.name, diff)
			}
		}
	}
}
