package ubuntu

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestOSVVerdicts judges installed packages against the real OSV records
// of testdata/osv with the driver's rules, expectations written from the
// records. The installed versions are typed for the test: netty's
// "1:4.1.7-4" is bionic's release version (bionic_netty "not-affected
// (1:4.1.7-4)" in retired files of the 2020 snapshot names it), the
// "+esm2" build is the channel's build before the fix (constructed: the
// record names only the fix, +esm3).
func TestOSVVerdicts(t *testing.T) {
	var recs []model.Advisory
	if _, err := parseOSVFiles(t, func(a model.Advisory) error {
		recs = append(recs, a)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	in := func(group, pkg string) []model.Advisory {
		var out []model.Advisory
		for _, a := range recs {
			if a.OSGroup == group && a.Package == pkg {
				out = append(out, a)
			}
		}
		return out
	}
	verdict := func(cve string, st model.Status, fixed, origin, sev, adv string) store.Verdict {
		return store.Verdict{CVE: cve, Status: st, FixedVersion: fixed, Severity: sev, AdvisoryID: adv, Origin: origin}
	}
	tests := []struct {
		name       string
		group, pkg string
		installed  string
		want       []store.Verdict
	}{
		// UBUNTU-CVE-2022-24823 "Ubuntu:Pro:18.04:LTS" netty fixed 1:4.1.7-4ubuntu0.1+esm3
		// (esm-apps): a release build is below the Pro fix and has nothing to install
		// without Pro — affected, never fixed ("open").
		{"release build, pro fix only", "ubuntu:18.04", "netty", "1:4.1.7-4",
			[]store.Verdict{verdict("CVE-2022-24823", model.StatusAffected, "1:4.1.7-4ubuntu0.1+esm3", WithoutPro(OriginESMApps), "low", "")}},
		// A build from the Pro channel below the fix: the channel's record, a fix to install.
		{"pro build below the fix", "ubuntu:18.04", "netty", "1:4.1.7-4ubuntu0.1+esm2",
			[]store.Verdict{verdict("CVE-2022-24823", model.StatusFixed, "1:4.1.7-4ubuntu0.1+esm3", OriginESMApps, "low", "")}},
		{"pro build at the fix", "ubuntu:18.04", "netty", "1:4.1.7-4ubuntu0.1+esm3", nil},
		// UBUNTU-CVE-2014-9913 "Ubuntu:Pro:14.04:LTS" unzip fixed 6.0-9ubuntu1.6 "(Infra-only)":
		// a Pro fix without +esm in its version; installed at the fix, nothing.
		{"pro fix without +esm, installed", "ubuntu:14.04", "unzip", "6.0-9ubuntu1.6", nil},
		// UBUNTU-CVE-2016-2781 "Ubuntu:Pro:18.04:LTS" coreutils introduced 0 only: affected
		// whatever the build (fanal-testdata-dpkg has coreutils 8.28-1ubuntu1).
		{"pro without fix", "ubuntu:18.04", "coreutils", "8.28-1ubuntu1",
			[]store.Verdict{verdict("CVE-2016-2781", model.StatusAffected, "", OriginTracker, "low", "")}},
		// UBUNTU-CVE-2024-2236: "Ubuntu:18.04:LTS" libgcrypt20 introduced 0 only, and the FIPS
		// ecosystems the same: a non-FIPS build (fanal has 1.8.1-4ubuntu1.1) meets the release's.
		{"fips records pass a non-fips build", "ubuntu:18.04", "libgcrypt20", "1.8.1-4ubuntu1.1",
			[]store.Verdict{verdict("CVE-2024-2236", model.StatusAffected, "", OriginTracker, "low", "")}},
		// LSN-0108-1 "Ubuntu:Pro:18.04:LTS" linux-aws fixed 4.15.0-1176.189: a live patch
		// leaves the version; the record applies to no package.
		{"livepatch applies to nothing", "ubuntu:18.04", "linux-aws", "4.15.0-1175.188", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := match.Key{Name: tt.pkg, Version: tt.installed, Basis: match.BasisReport}
			got := match.Verdicts(Driver{}, k, in(tt.group, tt.pkg))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestTrackerAndOSVOneVerdict: the tracker's active/CVE-2016-2781
// ("bionic_coreutils: deferred (2017-08-01)", line 35) and Ubuntu's OSV
// UBUNTU-CVE-2016-2781 ("Ubuntu:Pro:18.04:LTS" coreutils, introduced 0
// only) both hold records of bionic's coreutils for the CVE, of one origin
// (ubuntu-tracker): fanal-testdata-dpkg's coreutils 8.28-1ubuntu1 gets one
// verdict, not two — affected, the more telling of affected and deferred.
func TestTrackerAndOSVOneVerdict(t *testing.T) {
	var recs []model.Advisory
	for _, a := range driverRecords(t) {
		if a.OSGroup == "ubuntu:18.04" && a.Package == "coreutils" {
			recs = append(recs, a)
		}
	}
	if _, err := parseOSVFiles(t, func(a model.Advisory) error {
		if a.OSGroup == "ubuntu:18.04" && a.Package == "coreutils" {
			recs = append(recs, a)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records of bionic coreutils, want the tracker's and the OSV's: %+v", len(recs), recs)
	}
	got := match.Verdicts(Driver{}, match.Key{Name: "coreutils", Version: "8.28-1ubuntu1"}, recs)
	want := []store.Verdict{{CVE: "CVE-2016-2781", Status: model.StatusAffected, Severity: "low", Origin: OriginTracker}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
