package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestLivePolicy: the findings writer applies the tags and exceptions of
// the database through LivePolicy: an excepted finding leaves the counts
// (a CVE still open through another package stays counted), tags count
// per tag, and an exception stops applying at its expiry. evSetup's host
// (evaluate_test.go) has CVE-2023-0286 on openssl and libssl1.1
// (DSA-5343-1), CVE-2022-37434 on zlib1g and CVE-2023-0266 on its running
// image.
func TestLivePolicy(t *testing.T) {
	ctx := context.Background()
	st := evSetup(t)
	now := t0.Add(time.Hour)
	clock := now
	st.s.SetPolicy(NewLivePolicy(st.s, 0, func() time.Time { return clock }, func(err error) { t.Error(err) }))
	if g := st.s.Policy().Generation(); g != "" {
		t.Fatalf("no tag and no exception: generation %q, want empty", g)
	}
	if err := st.s.PutTag(ctx, CVETag{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Enabled: true, Author: "test", ModifiedAt: now}); err != nil {
		t.Fatal(err)
	}
	expires := now.Add(24 * time.Hour)
	if _, err := st.s.PutException(ctx, Exception{CVE: "CVE-2023-0286", Package: "openssl", ScopeKind: ScopeHost,
		Scope: "ev.example.org", Reason: "rebuilt with the fix", Author: "test", CreatedAt: now, ExpiresAt: &expires}); err != nil {
		t.Fatal(err)
	}
	type counts struct {
		CVEs, Packages, Excepted int
		Tagged                   map[string]int
		Status                   map[string]string // package CVE -> status
	}
	check := func(step string, want counts) {
		t.Helper()
		if _, _, err := refreshFindings(ctx, st.s, st.host.ID, clock); err != nil {
			t.Fatal(err)
		}
		h, err := st.s.Host(ctx, AllSites(), "ev.example.org")
		if err != nil {
			t.Fatal(err)
		}
		// Excepted findings are out of the open list, shown on request
		// (history).
		fs, err := st.s.HostFindings(ctx, AllSites(), "ev.example.org", true)
		if err != nil {
			t.Fatal(err)
		}
		got := counts{CVEs: h.CVEs, Packages: h.VulnerablePackages, Excepted: h.Excepted, Tagged: h.TaggedCVEs, Status: map[string]string{}}
		for _, f := range fs {
			if f.Status != StatusResolved {
				got.Status[f.Package+" "+f.CVE] = f.Status
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", step, diff)
		}
	}
	status := func(openssl, libssl string) map[string]string {
		return map[string]string{"openssl CVE-2023-0286": openssl, "libssl1.1 CVE-2023-0286": libssl,
			"zlib1g CVE-2022-37434": StatusOpen, "linux-image-5.10.0-19-amd64 CVE-2023-0266": StatusOpen}
	}
	check("openssl excepted on this host: the CVE stays open through libssl1.1", counts{CVEs: 3, Packages: 3, Excepted: 0,
		Tagged: map[string]int{"EGI-Critical": 1}, Status: status(StatusExcepted, StatusOpen)})

	if _, err := st.s.PutException(ctx, Exception{CVE: "CVE-2023-0286", Package: "libssl1.1", ScopeKind: ScopeAll,
		Reason: "rebuilt with the fix", Author: "test", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	check("both packages excepted: the CVE leaves the counts and the tag counts", counts{CVEs: 2, Packages: 2, Excepted: 1,
		Tagged: map[string]int{}, Status: status(StatusExcepted, StatusExcepted)})

	clock = expires
	check("at its expiry the host's exception stops", counts{CVEs: 3, Packages: 3, Excepted: 0,
		Tagged: map[string]int{"EGI-Critical": 1}, Status: status(StatusOpen, StatusExcepted)})
}
