package store

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGCTargets: GC deletes a target no host is on and none was, and
// keeps the targets hosts are on and were on (their history). The unused
// target is constructed: the writer creates a target only to put a host
// on it, so none is ever left unused by the engine itself.
func TestGCTargets(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for r, fixed := range []bool{false, true} {
		in := gcReport("a.example.org", r, fixed)
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
		gcEvaluate(t, s, "a.example.org", in.ReceivedAt)
	}
	findings := allFindings(t, s)
	if len(findings) == 0 {
		t.Fatal("no findings: the test sees nothing")
	}
	var pkg int64
	if err := s.r.QueryRow(`SELECT MIN(package_id) FROM target_findings`).Scan(&pkg); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(`INSERT INTO targets (os_group, digest, created_at) VALUES ('debian:11', 'unused', $1)`, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(`INSERT INTO target_findings (target_id, package_id, cve, status)
		SELECT id, $1, 'CVE-2023-0286', 'open' FROM targets WHERE digest = 'unused'`, pkg); err != nil {
		t.Fatal(err)
	}
	before := countRows(t, s, "targets")
	dry, err := s.GC(ctx, GCOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.GC(ctx, GCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if dry.Targets != 1 || res.Targets != 1 {
		t.Errorf("GC counted %d targets dry and deleted %d, want 1 and 1", dry.Targets, res.Targets)
	}
	if got := countRows(t, s, "targets"); got != before-1 || before < 3 {
		t.Errorf("%d targets after GC, %d before; want the two the host was on kept", got, before)
	}
	var n int
	if err := s.r.QueryRow(`SELECT COUNT(*) FROM targets WHERE digest = 'unused'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the unused target is still there (%d, %v)", n, err)
	}
	if diff := cmp.Diff(findings, allFindings(t, s)); diff != "" {
		t.Errorf("findings changed by GC (-before +after):\n%s", diff)
	}
}
