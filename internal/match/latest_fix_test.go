package match_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestVerdictsLatestFixDecides: one CVE fixed twice in a release by the same
// origin; the later fix decides, whatever the order of the records.
//
//	[15 Sep 2022] DSA-5230-1 chromium - security update
//		{... CVE-2022-3201 ...} [bullseye] - chromium 105.0.5195.125-1~deb11u1
//	[28 Sep 2022] DSA-5244-1 chromium - security update
//		{CVE-2022-3201 ...} [bullseye] - chromium 106.0.5249.61-1~deb11u1
func TestVerdictsLatestFixDecides(t *testing.T) {
	dsa5230 := model.Advisory{Source: "debian-dsa", OSGroup: "debian:11", Package: "chromium", CVE: "CVE-2022-3201",
		FixedVersion: "105.0.5195.125-1~deb11u1", Status: model.StatusFixed, AdvisoryID: "DSA-5230-1"}
	dsa5244 := model.Advisory{Source: "debian-dsa", OSGroup: "debian:11", Package: "chromium", CVE: "CVE-2022-3201",
		FixedVersion: "106.0.5249.61-1~deb11u1", Status: model.StatusFixed, AdvisoryID: "DSA-5244-1"}
	vuln := []store.Verdict{{CVE: "CVE-2022-3201", Status: model.StatusFixed, FixedVersion: "106.0.5249.61-1~deb11u1",
		AdvisoryID: "DSA-5244-1", Origin: "debian-dsa"}}
	tests := []struct {
		name      string
		installed string
		recs      []model.Advisory
		want      []store.Verdict
	}{
		{"at the first fix", "105.0.5195.125-1~deb11u1", []model.Advisory{dsa5230, dsa5244}, vuln},
		{"at the first fix, records reversed", "105.0.5195.125-1~deb11u1", []model.Advisory{dsa5244, dsa5230}, vuln},
		{"before both", "104.0.5112.101-1~deb11u1", []model.Advisory{dsa5230, dsa5244}, vuln},
		{"at the second fix", "106.0.5249.61-1~deb11u1", []model.Advisory{dsa5230, dsa5244}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := match.Verdicts(debian.Driver{}, match.Key{Version: tt.installed}, tt.recs)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Verdicts(%s) (-want +got):\n%s", tt.installed, diff)
			}
		})
	}
}
