package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/model"
)

// exceptCVE is a test policy: it excepts every finding of one CVE (none
// when cve is "").
type exceptCVE struct{ cve, gen string }

func (exceptCVE) Tags(string) []string { return nil }
func (p exceptCVE) Exception(f model.Finding, _ HostSite, _ string, _ time.Time) (bool, string) {
	return p.cve != "" && f.CVE == p.cve, "test"
}
func (p exceptCVE) Generation() string { return p.gen }

// TestPolicyMovesHaveTheirCause: a host moved only because an exception
// came (or went) gets an epoch with cause policy, and its finding
// resolves as excepted (and re-opens); a move whose findings changed
// before the policy keeps cause evaluation. The finding is the real
// DSA-5343-1 verdict gc_test.go uses (evOpenSSLVerdict).
func TestPolicyMovesHaveTheirCause(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if _, err := s.SaveReport(ctx, gcReport("p.example.org", 0, false)); err != nil {
		t.Fatal(err)
	}
	hs, err := s.HostStates(ctx, []string{"p.example.org"}, nil)
	if err != nil || len(hs) != 1 {
		t.Fatalf("host states: %v %v", hs, err)
	}
	h := hs[0]
	var pkg int64
	if err := s.r.QueryRowContext(ctx, `SELECT m.package_id FROM package_set_members m JOIN packages p ON p.id = m.package_id
		WHERE m.set_id = $1 AND p.name = 'openssl'`, h.SetID).Scan(&pkg); err != nil {
		t.Fatal(err)
	}
	v := evOpenSSLVerdict
	f := TargetFinding{PackageID: pkg, Package: model.Package{Name: "openssl", Version: "1.1.1n-0+deb11u3"}, CVE: v.CVE,
		Status: StatusOpen, Facts: FindingFacts{FixedVersion: v.FixedVersion, VendorStatus: v.Status, Severity: v.Severity,
			AdvisoryID: v.AdvisoryID, Origin: v.Origin}}
	steps := []struct {
		pol FindingPolicy
		key string
		fs  []TargetFinding
	}{
		{exceptCVE{"", "g1"}, "data1", []TargetFinding{f}},
		{exceptCVE{v.CVE, "g2"}, "data1", []TargetFinding{f}}, // exception added
		{exceptCVE{"", "g3"}, "data1", []TargetFinding{f}},    // exception removed
		{exceptCVE{"", "g3"}, "data2", nil},                   // data changed: no finding
	}
	for i, st := range steps {
		s.SetPolicy(st.pol)
		ht := HostTarget{HostID: h.ID, Hostname: h.Hostname, Site: h.Site, OSGroup: h.OSGroup, SetID: h.SetID,
			Key: st.key, Findings: st.fs, Cause: CauseEvaluation}
		if _, err := s.WriteFindings(ctx, []HostTarget{ht}, t0.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := s.r.QueryContext(ctx, `SELECT cause FROM host_targets WHERE host_id = $1 ORDER BY id`, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	var causes []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		causes = append(causes, c)
	}
	rows.Close()
	if diff := cmp.Diff([]string{CauseEvaluation, CausePolicy, CausePolicy, CauseEvaluation}, causes); diff != "" {
		t.Errorf("epoch causes (-want +got):\n%s", diff)
	}
	eps, err := s.hostEpochs(ctx, []int64{h.ID})
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	if _, err := s.replay(ctx, eps[h.ID], func(ev findingEvent) {
		r := ev.reason
		if r == "" {
			r = "opened"
		}
		events = append(events, ev.at.Sub(t0).String()+" "+ev.key.cve+" "+r)
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"0s " + v.CVE + " opened", "1h0m0s " + v.CVE + " " + ResolvedExcepted,
		"2h0m0s " + v.CVE + " opened", "3h0m0s " + v.CVE + " " + ResolvedDataChanged}
	if diff := cmp.Diff(want, events); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}
