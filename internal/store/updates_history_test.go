package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestUpdatesHistoryFromEpochs: "update available" findings are part of
// the host's target; their first sighting and resolution are replayed
// from its epochs, a move that keeps an update (another CVE finding)
// keeps its first sighting, one that drops it resolves it, and one that
// brings it back opens a new finding. A per-host row of before migration
// 0024 (update_findings_legacy) still open gives its first sighting; one
// resolved then is listed with history. Versions are those of the real
// bullseye-security Packages stanzas scope_test.go cites; the legacy rows
// are constructed (the 0012 shape).
func TestUpdatesHistoryFromEpochs(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if _, err := s.SaveReport(ctx, gcReport("u.example.org", 0, false)); err != nil {
		t.Fatal(err)
	}
	hs, err := s.HostStates(ctx, []string{"u.example.org"}, nil)
	if err != nil || len(hs) != 1 {
		t.Fatalf("host states: %v %v", hs, err)
	}
	h := hs[0]
	openssl := UpdateFinding{Package: "openssl", Arch: "amd64", Installed: "1.1.1n-0+deb11u3", Available: "1.1.1w-0+deb11u8", Source: "openssl"}
	libssl := UpdateFinding{Package: "libssl1.1", Arch: "amd64", Installed: "1.1.1n-0+deb11u3", Available: "1.1.1w-0+deb11u8", Source: "openssl"}
	libssl2 := libssl
	libssl2.Available = "1.1.1w-0+deb11u9" // constructed: a later upload of the suite
	if _, err := s.w.ExecContext(ctx, `INSERT INTO update_findings_legacy (host_id, os_group, package, arch, installed,
		available, source_name, first_seen, resolved_at) VALUES ($1, $2, 'libssl1.1', 'amd64', '1.1.1n-0+deb11u3',
		'1.1.1w-0+deb11u8', 'openssl', $3, NULL), ($1, $2, 'libgnutls30', 'amd64', '3.7.1-5+deb11u2', '3.7.1-5+deb11u10',
		'gnutls28', $4, $5)`, h.ID, evGroup, t0.Add(-24*time.Hour), t0.Add(-72*time.Hour), t0.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	finding := TargetFinding{PackageID: 0, CVE: "CVE-2023-0286", Status: StatusOpen,
		Facts: FindingFacts{FixedVersion: "1.1.1n-0+deb11u4", VendorStatus: "fixed"}}
	var pkg int64
	if err := s.r.QueryRowContext(ctx, `SELECT m.package_id FROM package_set_members m JOIN packages p ON p.id = m.package_id
		WHERE m.set_id = $1 AND p.name = 'openssl'`, h.SetID).Scan(&pkg); err != nil {
		t.Fatal(err)
	}
	finding.PackageID = pkg
	steps := []struct {
		hours    int
		findings []TargetFinding
		ups      []UpdateFinding
	}{
		{0, nil, []UpdateFinding{libssl, openssl}},
		{1, []TargetFinding{finding}, []UpdateFinding{libssl, openssl}}, // another target, same updates
		{2, []TargetFinding{finding}, []UpdateFinding{libssl2}},         // openssl installed; libssl1.1's offer moved
		{3, nil, []UpdateFinding{libssl2, openssl}},                     // openssl back
	}
	for i, st := range steps {
		ht := HostTarget{HostID: h.ID, Hostname: h.Hostname, Site: h.Site, OSGroup: h.OSGroup, SetID: h.SetID,
			Key: fmt.Sprint("step", i), Findings: st.findings, Updates: st.ups}
		if _, err := s.WriteFindings(ctx, []HostTarget{ht}, t0.Add(time.Duration(st.hours)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	at := func(h int) string { return t0.Add(time.Duration(h) * time.Hour).Format(time.RFC3339) }
	lines := func(history bool) []string {
		ups, err := s.HostUpdates(ctx, AllSites(), "u.example.org", history)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range ups {
			res := "-"
			if u.ResolvedAt != nil {
				res = u.ResolvedAt.Format(time.RFC3339)
			}
			out = append(out, fmt.Sprintf("%s %s -> %s %s first %s resolved %s", u.Package, u.Installed, u.Available,
				u.Status, u.FirstSeen.Format(time.RFC3339), res))
		}
		return out
	}
	want := []string{
		"libgnutls30 3.7.1-5+deb11u2 -> 3.7.1-5+deb11u10 resolved first " + at(-72) + " resolved " + at(-48),
		"libssl1.1 1.1.1n-0+deb11u3 -> 1.1.1w-0+deb11u9 update-available first " + at(-24) + " resolved -",
		"openssl 1.1.1n-0+deb11u3 -> 1.1.1w-0+deb11u8 resolved first " + at(0) + " resolved " + at(2),
		"openssl 1.1.1n-0+deb11u3 -> 1.1.1w-0+deb11u8 update-available first " + at(3) + " resolved -",
	}
	if diff := cmp.Diff(want, lines(true)); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{want[1], want[3]}, lines(false)); diff != "" {
		t.Errorf("open (-want +got):\n%s", diff)
	}
	// The hosts filter reads the target's updates.
	hosts, _, err := s.ListHosts(ctx, AllSites(), HostFilter{Status: StatusUpdateAvailable})
	if err != nil || len(hosts) != 1 {
		t.Errorf("hosts with an update available: %v %v", hosts, err)
	}
	ht := HostTarget{HostID: h.ID, Hostname: h.Hostname, Site: h.Site, OSGroup: h.OSGroup, SetID: h.SetID, Key: "none"}
	if _, err := s.WriteFindings(ctx, []HostTarget{ht}, t0.Add(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if hosts, _, err := s.ListHosts(ctx, AllSites(), HostFilter{Status: StatusUpdateAvailable}); err != nil || len(hosts) != 0 {
		t.Errorf("hosts with an update available, after none: %v %v", hosts, err)
	}
}
