package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
)

// loadPart imports one document's records as part of source "debian",
// covering complete completely, as the importer does.
func loadPart(t *testing.T, s *Store, at time.Time, part string, complete []string, recs ...model.Advisory) {
	t.Helper()
	_, err := s.ImportParts(context.Background(), ImportRun{Source: "debian", StartedAt: at,
		Locations: []Location{{Location: part + ".file", Fingerprint: part + at.String()}}},
		func(pl *PartLoader) error {
			for _, a := range recs {
				if err := pl.Add(a); err != nil {
					return err
				}
			}
			return pl.EndDocument(Part{Name: part, Locations: []string{part + ".file"}, Complete: complete})
		})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDataStates: a host's data state goes none → partial → complete →
// stale as data is loaded and the clock moves, and says why.
func TestDataStates(t *testing.T) {
	ctx := context.Background()
	st := evSetup(t)
	now := t0
	st.s.SetCoverage(CoverageConfig{MaxAge: 48 * time.Hour, Now: func() time.Time { return now }})
	check := func(stage, state, reason string, sources []model.DataSource) {
		t.Helper()
		h, err := st.s.Host(ctx, AllSites(), "ev.example.org")
		if err != nil {
			t.Fatal(err)
		}
		if h.DataState != state || !strings.Contains(h.DataReason, reason) || (reason == "" && h.DataReason != "") {
			t.Errorf("%s: state %q reason %q; want %q with %q", stage, h.DataState, h.DataReason, state, reason)
		}
		if diff := cmp.Diff(sources, h.DataSources); diff != "" {
			t.Errorf("%s: data sources (-want +got):\n%s", stage, diff)
		}
		hs, _, err := st.s.ListHosts(ctx, AllSites(), HostFilter{})
		if err != nil || len(hs) != 1 || hs[0].DataState != state {
			t.Errorf("%s: listing says %+v, %v; want state %s", stage, hs, err, state)
		}
	}
	check("no data", model.DataNone, "no vulnerability data for debian:11", []model.DataSource{})

	// DSA-5343-1 openssl {CVE-2022-2097 ... CVE-2023-0286} [bullseye] - openssl 1.1.1n-0+deb11u4:
	// advisory lists cover nothing completely.
	dsa := model.Advisory{Source: "debian-dsa", OSGroup: "debian:11", Package: "openssl", CVE: "CVE-2023-0286",
		FixedVersion: "1.1.1n-0+deb11u4", Status: model.StatusFixed, AdvisoryID: "DSA-5343-1"}
	loadPart(t, st.s, t0, "dsa-list", nil, dsa)
	dsaOnly := model.DataSource{Source: "debian", OSGroup: "debian:11", Records: 1, CheckedAt: t0}
	check("DSA list only", model.DataPartial, "no source covers debian:11 completely: only debian (1 records of debian:11)",
		[]model.DataSource{dsaOnly})

	// A part the source declares complete for debian:11 (the claim is
	// constructed: the store trusts what source.Coverer says; which
	// documents earn it is tested with the sources). Loaded an hour later.
	tracker := model.Advisory{Source: "debian-tracker", OSGroup: "debian:11", Package: "openssl", CVE: "CVE-2023-0286",
		FixedVersion: "1.1.1n-0+deb11u4", Status: model.StatusFixed}
	loadPart(t, st.s, t0.Add(time.Hour), "tracker-json", []string{"debian:11"}, tracker)
	now = t0.Add(2 * time.Hour)
	full := model.DataSource{Source: "debian", OSGroup: "debian:11", Records: 2, Complete: true, CheckedAt: t0.Add(time.Hour)}
	check("complete data", model.DataComplete, "", []model.DataSource{full})

	// 48 hours after that check, and a minute: stale.
	now = t0.Add(49*time.Hour + time.Minute)
	check("not checked for 48 h", model.DataStale, "debian data of debian:11 last checked 2026-11-25T09:00:00Z (48h1m0s ago; current for 48h0m0s)",
		[]model.DataSource{full})

	// A group that reads another's data (centos:7 reading rhel:7) is
	// covered by that group's data.
	st.s.SetCoverage(CoverageConfig{Now: func() time.Time { return t0.Add(2 * time.Hour) },
		DataGroups: func(g string) []string { return []string{"debian:12", "debian:11"} }})
	check("borrowed", model.DataComplete, "", []model.DataSource{full})

	// The DSA list again, without its part: the tracker part stays.
	loadPart(t, st.s, t0.Add(3*time.Hour), "dsa-list", nil)
	parts, err := st.s.SourceParts(ctx, "debian")
	if err != nil {
		t.Fatal(err)
	}
	if len(parts["debian"]) != 2 || parts["debian"][1].Name != "tracker-json" || parts["debian"][1].Records != 1 ||
		parts["debian"][0].Records != 0 {
		t.Errorf("parts after a DSA list without records: %+v", parts)
	}
}

// TestAdvisoryFindingsCountedApart: a finding of an advisory that names no
// CVE (its id in the CVE field) is counted as an advisory finding, not as
// a CVE.
func TestAdvisoryFindingsCountedApart(t *testing.T) {
	ctx := context.Background()
	st := evSetup(t)
	// DSA-5257-2 linux - regression update (no CVE line) [bullseye] - linux 5.10.149-2:
	// the 5.10.0-18 image (5.10.140-1) lacks it. Reboot into it.
	if _, _, err := st.s.Invalidate(ctx, []AdvisoryKey{{OSGroup: evGroup, Package: "linux"}}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var evs []Evaluation
	for name, id := range st.ids {
		if name != "linux-image-5.10.0-18-amd64" {
			continue
		}
		v, regression := evLinuxVerdict, Verdict{CVE: "DSA-5257-2", Status: model.StatusFixed, FixedVersion: "5.10.149-2",
			AdvisoryID: "DSA-5257-2", Origin: "debian-dsa"}
		v.Kernel, regression.Kernel = "5.10.0-18-amd64", "5.10.0-18-amd64"
		evs = append(evs, Evaluation{PackageID: id, SourceName: "linux", SourceVersion: "5.10.140-1", Basis: "report",
			Verdicts: []Verdict{v, regression}})
	}
	if err := st.s.SaveEvaluations(ctx, evGroup, evs); err != nil {
		t.Fatal(err)
	}
	pkgs := report.SortPackages(append([]model.Package(nil), evHost...))
	if _, err := st.s.SaveReport(ctx, Incoming{
		Host:     model.Host{Hostname: "ev.example.org", Site: "SITE-A", Kernel: "5.10.0-18-amd64", Protocol: 6, OSGroup: evGroup},
		Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: "h2", ReceivedAt: t0.Add(time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	st.refresh(t, t0.Add(time.Hour), 2, 1)
	h, err := st.s.Host(ctx, AllSites(), "ev.example.org")
	if err != nil {
		t.Fatal(err)
	}
	// CVE-2023-0286 (openssl, libssl1.1), CVE-2022-37434 (zlib1g),
	// CVE-2023-0266 (the running image); DSA-5257-2 apart.
	if h.CVEs != 3 || h.AdvisoryFindings != 1 || h.VulnerablePackages != 4 {
		t.Errorf("counts: %d CVEs, %d advisory findings, %d packages; want 3, 1, 4", h.CVEs, h.AdvisoryFindings, h.VulnerablePackages)
	}
}
