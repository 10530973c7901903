package store_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/store"
)

// applyPolicy evaluates every host of s again with the tags and
// exceptions stored at at, as pakiti serve's evaluate job does after an
// admin form changed them: the findings an exception covers are written
// with status excepted.
func applyPolicy(t *testing.T, s *store.Store, at time.Time) {
	t.Helper()
	ctx := context.Background()
	p, err := s.LoadPolicy(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	s.SetPolicy(p)
	m := match.New(s, drivers.Registry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	m.Now = func() time.Time { return at }
	if _, err := m.EvaluateHosts(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// TestAuditCountsExceptedFindings: the exceptions audit counts the
// findings an exception covers once the findings writer has applied it
// (their status is excepted), not only before. The seed is scope_test's:
// openssl 1.1.1n-0+deb11u3 on a1 and a2 (SITE-A) has CVE-2022-4450
// (DSA-5343-1), and libgnutls30 3.7.1-5+deb11u2 on b1 (SITE-B) has
// CVE-2023-0361 (DSA-5349-1); seedPolicy's two exceptions cover exactly
// those three findings.
func TestAuditCountsExceptedFindings(t *testing.T) {
	ctx := context.Background()
	s := seedScope(t)
	if err := seedPolicy(ctx, s); err != nil {
		t.Fatal(err)
	}
	type line struct {
		CVE, Package    string
		Hosts, Findings int
		Sample          []string
	}
	want := []line{
		{"CVE-2022-4450", "openssl", 2, 2, []string{"a1.example.org", "a2.example.org"}},
		{"CVE-2023-0361", "libgnutls30", 1, 1, []string{"b1.example.org"}},
	}
	audit := func() []line {
		t.Helper()
		cov, err := s.AuditExceptions(ctx, store.AllSites(), scopeAt)
		if err != nil {
			t.Fatal(err)
		}
		var out []line
		for _, c := range cov {
			out = append(out, line{c.CVE, c.Package, c.Hosts, c.Findings, c.Sample})
		}
		return out
	}
	if diff := cmp.Diff(want, audit()); diff != "" {
		t.Errorf("before the findings are written again (-want +got):\n%s", diff)
	}
	applyPolicy(t, s, scopeAt)
	// The writer did except them (else this test would prove nothing).
	fs, err := s.HostFindingsView(ctx, store.AllSites(), "a2.example.org", store.FindingsExcepted)
	if err != nil {
		t.Fatal(err)
	}
	var excepted []string
	for _, f := range fs {
		if f.Status == store.StatusExcepted {
			excepted = append(excepted, f.CVE+" "+f.Package)
		}
	}
	if diff := cmp.Diff([]string{"CVE-2022-4450 openssl"}, excepted); diff != "" {
		t.Fatalf("a2's excepted findings (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, audit()); diff != "" {
		t.Errorf("after the findings are written excepted (-want +got):\n%s", diff)
	}
	// A removed host's findings are covered no more.
	if _, err := s.DeleteHost(ctx, store.AllSites(), "a2.example.org", scopeAt); err != nil {
		t.Fatal(err)
	}
	want[0] = line{"CVE-2022-4450", "openssl", 1, 1, []string{"a1.example.org"}}
	if diff := cmp.Diff(want, audit()); diff != "" {
		t.Errorf("after a2 was removed (-want +got):\n%s", diff)
	}
}
