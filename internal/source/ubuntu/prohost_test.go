package ubuntu

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestProHostRule: the without-Pro view of a Pro fix on hosts stating
// different Pro services. The finding is the one Ubuntu's OSV record
// UBUNTU-CVE-2022-24823 gives libnetty-java 1:4.1.7-4 on ubuntu:18.04
// ("Ubuntu:Pro:18.04:LTS" netty fixed 1:4.1.7-4ubuntu0.1+esm3,
// availability "Available with Ubuntu Pro": esm-apps).
func TestProHostRule(t *testing.T) {
	twin := store.TargetFinding{CVE: "CVE-2022-24823", Status: store.StatusUnfixed,
		Facts: store.FindingFacts{FixedVersion: "1:4.1.7-4ubuntu0.1+esm3", VendorStatus: model.StatusAffected,
			Origin: WithoutPro(OriginESMApps), SourceName: "netty", SourceVersion: "1:4.1.7-4", Basis: BasisReport}}
	open := twin
	open.Status, open.Facts.VendorStatus, open.Facts.Origin = store.StatusOpen, model.StatusFixed, OriginESMApps
	open.Facts.Basis = "report; Ubuntu Pro esm-apps enabled on the host: the fix is installable"
	closed := twin
	closed.Facts.Basis = "report; fix in Ubuntu Pro (esm-apps), not enabled on the host"
	unknown := twin
	unknown.Facts.Basis = "report; fix in Ubuntu Pro (esm-apps); the host's Pro state is unknown (no pro: header)"
	for _, tt := range []struct {
		name  string
		facts map[string]string
		want  store.TargetFinding
	}{
		{"esm-apps enabled", map[string]string{store.FactPro: "esm-apps"}, open},
		{"both ESM services", map[string]string{store.FactPro: "esm-infra esm-apps"}, open},
		{"esm-infra only", map[string]string{store.FactPro: "esm-infra"}, closed},
		{"no Pro", map[string]string{store.FactPro: "none"}, closed},
		{"Pro state not said", nil, unknown},
		{"other facts only", map[string]string{store.FactModules: ""}, unknown},
	} {
		got := twin
		if !(Driver{}).AdjustFinding(&got, tt.facts) {
			t.Errorf("%s: finding dropped", tt.name)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	// A finding of the release's own records is left alone, whatever the
	// host's Pro state (the tracker's 2020 snapshot: bionic_netty
	// "not-affected (1:4.1.7-4)" gives none; this one is constructed).
	release := twin
	release.Facts.Origin, release.Status, release.Facts.VendorStatus = OriginTracker, store.StatusOpen, model.StatusFixed
	for _, facts := range []map[string]string{nil, {store.FactPro: "none"}, {store.FactPro: "esm-apps"}} {
		got := release
		if !(Driver{}).AdjustFinding(&got, facts) || !cmp.Equal(got, release) {
			t.Errorf("release finding with %v: %+v", facts, got)
		}
	}
	// "ubuntu-pro" (a Pro channel the record does not name) is any ESM
	// service; "ros-esm" the ros service.
	for _, tt := range []struct {
		origin, pro string
		open        bool
	}{
		{WithoutPro(OriginPro), "esm-infra", true},
		{WithoutPro(OriginPro), "livepatch", false},
		{WithoutPro(OriginROSESM), "ros", true},
		{WithoutPro(OriginROSESM), "esm-apps", false},
		{WithoutPro(OriginESMInfra), "esm-infra", true},
	} {
		got := twin
		got.Facts.Origin = tt.origin
		(Driver{}).AdjustFinding(&got, map[string]string{store.FactPro: tt.pro})
		if (got.Status == store.StatusOpen) != tt.open {
			t.Errorf("%s with pro %q: status %s, want open %v", tt.origin, tt.pro, got.Status, tt.open)
		}
	}
}
