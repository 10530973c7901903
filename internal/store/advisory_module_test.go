package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/model"
)

// TestAdvisoryModuleRoundTrip: what RPM matching needs of a record (arch,
// module stream, published) is written by the import and read back by
// AdvisoriesFor, on the engine under test; a record whose module stream
// alone changed is a changed key.
func TestAdvisoryModuleRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	// RHEA-2020:0330 (com.redhat.rhsa-RHEL8.20200221.xml): nodejs:12, nodejs
	// earlier than 1:12.14.1-1.module+el8.1.0+5466+30f75629, arches as the
	// OVAL test writes them; issued 2020-02-04.
	nodejs := model.Advisory{Source: "redhat-oval", OSGroup: "rhel:8", Package: "nodejs", CVE: "CVE-2019-16775",
		FixedVersion: "1:12.14.1-1.module+el8.1.0+5466+30f75629", Status: model.StatusFixed, Severity: "moderate",
		AdvisoryID: "RHEA-2020:0330", Arch: "aarch64|ppc64le|s390x|x86_64", Module: "nodejs:12",
		Published: time.Date(2020, 2, 4, 0, 0, 0, 0, time.UTC)}
	// ALSA-2022:6224 (AlmaLinux OSV): openssl-libs fixed in 1:3.0.1-41.el9_0, no arch, no module,
	// no date kept here (a source that gives none).
	openssl := model.Advisory{Source: "alma", OSGroup: "alma:9", Package: "openssl-libs", CVE: "CVE-2022-2068",
		FixedVersion: "1:3.0.1-41.el9_0", Status: model.StatusFixed, Severity: "moderate", AdvisoryID: "ALSA-2022:6224"}
	load := func(at time.Time, recs ...model.Advisory) ImportResult {
		t.Helper()
		res, err := s.ReplaceAdvisories(ctx, ImportRun{Source: "rpm", StartedAt: at,
			Locations: []Location{{Location: "x", Fingerprint: at.Format(time.RFC3339)}}},
			func(add func(model.Advisory) error) error {
				for _, a := range recs {
					if err := add(a); err != nil {
						return err
					}
				}
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	load(t0, nodejs, openssl)
	for _, want := range []model.Advisory{nodejs, openssl} {
		got, err := s.AdvisoriesFor(ctx, want.OSGroup, []string{want.Package})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]model.Advisory{want}, got); diff != "" {
			t.Errorf("%s %s read back (-want +got):\n%s", want.OSGroup, want.Package, diff)
		}
	}
	// Constructed: the same record for another stream is another record.
	other := nodejs
	other.Module = "nodejs:10"
	res := load(t0.Add(time.Hour), other, openssl)
	if diff := cmp.Diff([]AdvisoryKey{{"rhel:8", "nodejs"}}, res.Changed); diff != "" {
		t.Errorf("module changed: changed keys (-want +got):\n%s", diff)
	}
}
