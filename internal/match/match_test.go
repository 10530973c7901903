package match_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
)

// Records as the Debian parsers emit them from real tracker lines.
var (
	// DSA-5257-1 linux {... CVE-2022-2602 ...} [bullseye] - linux 5.10.149-1
	// DSA-5257-2 linux (regression update, no CVE) [bullseye] - linux 5.10.149-2
	dsa5257 = []model.Advisory{
		{Source: "debian-dsa", OSGroup: "debian:11", Package: "linux", CVE: "CVE-2022-2602", FixedVersion: "5.10.149-1", Status: model.StatusFixed, AdvisoryID: "DSA-5257-1"},
		{Source: "debian-dsa", OSGroup: "debian:11", Package: "linux", CVE: "DSA-5257-2", FixedVersion: "5.10.149-2", Status: model.StatusFixed, AdvisoryID: "DSA-5257-2"},
	}
	// DSA-5139-1 openssl {CVE-2022-1292} [bullseye] - openssl 1.1.1n-0+deb11u2
	// DSA-5169-1 openssl {CVE-2022-2068} [bullseye] - openssl 1.1.1n-0+deb11u3
	opensslDSA = []model.Advisory{
		{Source: "debian-dsa", OSGroup: "debian:11", Package: "openssl", CVE: "CVE-2022-1292", FixedVersion: "1.1.1n-0+deb11u2", Status: model.StatusFixed, AdvisoryID: "DSA-5139-1"},
		{Source: "debian-dsa", OSGroup: "debian:11", Package: "openssl", CVE: "CVE-2022-2068", FixedVersion: "1.1.1n-0+deb11u3", Status: model.StatusFixed, AdvisoryID: "DSA-5169-1"},
	}
	// tracker JSON (vuls-data-update_advisory.json) 389-ds-base, bullseye.
	ds389 = []model.Advisory{
		{Source: "debian-tracker", OSGroup: "debian:11", Package: "389-ds-base", CVE: "CVE-2012-0833", FixedVersion: "", Status: model.StatusNotAffected, Severity: "unimportant"},
		{Source: "debian-tracker", OSGroup: "debian:11", Package: "389-ds-base", CVE: "CVE-2016-5405", FixedVersion: "1.3.5.15-1", Status: model.StatusFixed, Severity: "not yet assigned"},
		{Source: "debian-tracker", OSGroup: "debian:11", Package: "389-ds-base", CVE: "CVE-2016-5416", Status: model.StatusWillNotFix, Severity: "not yet assigned", Note: "ignored: Minor issue"},
	}
)

func TestVerdicts(t *testing.T) {
	tests := []struct {
		name      string
		installed string
		recs      []model.Advisory
		want      []store.Verdict
	}{
		{"older than every fix", "1.1.1n-0+deb11u1", opensslDSA, []store.Verdict{
			{CVE: "CVE-2022-1292", Status: "fixed", FixedVersion: "1.1.1n-0+deb11u2", AdvisoryID: "DSA-5139-1", Origin: "debian-dsa"},
			{CVE: "CVE-2022-2068", Status: "fixed", FixedVersion: "1.1.1n-0+deb11u3", AdvisoryID: "DSA-5169-1", Origin: "debian-dsa"},
		}},
		{"between the fixes", "1.1.1n-0+deb11u2", opensslDSA, []store.Verdict{
			{CVE: "CVE-2022-2068", Status: "fixed", FixedVersion: "1.1.1n-0+deb11u3", AdvisoryID: "DSA-5169-1", Origin: "debian-dsa"},
		}},
		{"at the last fix", "1.1.1n-0+deb11u3", opensslDSA, nil},
		{"newer (a later point release)", "1.1.1w-0+deb11u1", opensslDSA, nil},
		{"regression update counts as its own id", "5.10.149-1", dsa5257, []store.Verdict{
			{CVE: "DSA-5257-2", Status: "fixed", FixedVersion: "5.10.149-2", AdvisoryID: "DSA-5257-2", Origin: "debian-dsa"},
		}},
		{"not-affected, fixed long ago, will not fix", "1.4.4.11-2", ds389, []store.Verdict{
			{CVE: "CVE-2016-5416", Status: "will-not-fix", Severity: "not yet assigned", Origin: "debian-tracker"},
		}},
		{"the tracker's view wins over a DSA list", "1.1.1n-0+deb11u1", append([]model.Advisory{
			// constructed (no conflicting pair exists in our real data): a tracker record saying
			// bullseye was never affected by CVE-2022-1292 outranks the DSA list
			{Source: "debian-tracker", OSGroup: "debian:11", Package: "openssl", CVE: "CVE-2022-1292", Status: model.StatusNotAffected},
		}, opensslDSA...), []store.Verdict{
			{CVE: "CVE-2022-2068", Status: "fixed", FixedVersion: "1.1.1n-0+deb11u3", AdvisoryID: "DSA-5169-1", Origin: "debian-dsa"},
		}},
		{"no records", "1.0", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := match.Verdicts(debian.Driver{}, match.Key{Version: tt.installed}, tt.recs)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
