package store

import (
	"context"
	"time"
)

// refreshFindings writes a host's findings from the verdicts of its set
// (kernel images' only for the running kernel), as the matcher does
// without its reboot-pending rule, and returns how many opened and
// resolved.
func refreshFindings(ctx context.Context, s *Store, hostID int64, now time.Time) (opened, resolved int64, err error) {
	var hs []HostState
	if hs, err = s.hostStates(ctx, `SELECT h.id, h.hostname, h.os_group, h.kernel, h.package_set_id, h.protocol, h.cves,
			s.name, h.findings_key`+hostFactColumns+` FROM hosts h JOIN sites s ON s.id = h.site_id`+hostFactJoins+` WHERE h.id = $1`, hostID); err != nil {
		return 0, 0, err
	}
	h := hs[0]
	rows, err := s.SetVerdicts(ctx, h.OSGroup, h.SetID)
	if err != nil {
		return 0, 0, err
	}
	t := HostTarget{HostID: h.ID, Hostname: h.Hostname, Site: h.Site, OSGroup: h.OSGroup, SetID: h.SetID}
	for _, r := range rows {
		if r.Kernel != "" && r.Kernel != h.Kernel {
			continue
		}
		status := StatusUnfixed
		if r.FixedVersion != "" {
			status = StatusOpen
		}
		t.Findings = append(t.Findings, TargetFinding{PackageID: r.PackageID, Package: r.Package, CVE: r.CVE, Status: status,
			Facts: FindingFacts{FixedVersion: r.FixedVersion, VendorStatus: r.Status, Severity: r.Severity,
				AdvisoryID: r.AdvisoryID, Origin: r.Origin, DataGroup: r.DataGroup, SourceName: r.Key.SourceName,
				SourceVersion: r.Key.SourceVersion, Basis: r.Key.Basis, Kernel: r.Kernel}})
	}
	st, err := s.WriteFindings(ctx, []HostTarget{t}, now)
	return int64(st.Opened), int64(st.Resolved), err
}
