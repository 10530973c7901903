package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestArchive: a stored report is archived byte for byte in its own
// transaction; the same body again is not archived twice, a different one
// is; a report saved without Archive is not archived; the collector
// deletes what is older than its retention (dry run counts only).
func TestArchive(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	save := func(round int, body string) {
		t.Helper()
		in := gcReport("arch.example.org", round, false)
		if body != "" {
			in.Archive = &RawReport{Params: "protocol=6&mode=store-only", ContentType: "text/plain", UserAgent: "pakiti-client/test", Body: []byte(body)}
		}
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	save(0, "first body\n")
	save(1, "first body\n") // the same bytes: not archived again
	save(2, "")             // archive off for this report
	save(3, "second body\n")
	save(4, "first body\n") // differs from the host's last archived body: archived

	recs, err := s.ArchivedReports(ctx, AllSites(), "arch.example.org", 0)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Received time.Time
		Size     int
		Params   string
		UA       string
		Site     string
	}
	var got []row
	for _, r := range recs {
		got = append(got, row{r.ReceivedAt, r.Size, r.Params, r.UserAgent, r.Site})
	}
	want := []row{ // newest first
		{t0.Add(4 * time.Minute), 11, "protocol=6&mode=store-only", "pakiti-client/test", "SITE-GC"},
		{t0.Add(3 * time.Minute), 12, "protocol=6&mode=store-only", "pakiti-client/test", "SITE-GC"},
		{t0, 11, "protocol=6&mode=store-only", "pakiti-client/test", "SITE-GC"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("archive (-want +got):\n%s", diff)
	}
	body, err := s.ArchivedReportBody(ctx, AllSites(), recs[1].ID)
	if err != nil || string(body.Body) != "second body\n" {
		t.Fatalf("body %q, %v; want the second body", body.Body, err)
	}
	if _, err := s.ArchivedReportBody(ctx, SitesScope("OTHER"), recs[1].ID); !errors.Is(err, ErrNotArchived) {
		t.Fatalf("another site's scope read an archived report: %v", err)
	}

	// Retention: everything received before round 3 goes.
	before := t0.Add(3 * time.Minute)
	res, err := s.GC(ctx, GCOptions{ArchiveBefore: before, DryRun: true})
	if err != nil || res.Archived != 1 {
		t.Fatalf("dry run counted %d archived reports (%v), want 1", res.Archived, err)
	}
	if n, _ := s.ArchivedReports(ctx, AllSites(), "", 0); len(n) != 3 {
		t.Fatalf("the dry run deleted: %d left", len(n))
	}
	res, err = s.GC(ctx, GCOptions{ArchiveBefore: before})
	if err != nil || res.Archived != 1 {
		t.Fatalf("deleted %d archived reports (%v), want 1", res.Archived, err)
	}
	left, err := s.ArchivedReports(ctx, AllSites(), "", 0)
	if err != nil || len(left) != 2 || left[1].ReceivedAt != before {
		t.Fatalf("left %+v (%v), want rounds 4 and 3", left, err)
	}
}
