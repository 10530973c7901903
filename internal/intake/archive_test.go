package intake_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestArchiveReports: with Handler.Archive, what is stored is archived as
// received, after decryption, and only then: an unchanged re-send, a
// report-only check and a refused report add nothing.
func TestArchiveReports(t *testing.T) {
	ctx := context.Background()
	plain, err := os.ReadFile("testdata/vaultwarden.pakiti5.txt")
	if err != nil {
		t.Fatal(err)
	}
	enc, err := os.ReadFile("testdata/vaultwarden.pakiti5.txt.p7m")
	if err != nil {
		t.Fatal(err)
	}
	key, err := intake.LoadReportKey("testdata/report-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	p := newPipeline(t)
	p.h.Archive = true
	p.h.Keys = []intake.ReportKey{key}
	// The same host with zlib one release older (Alpine's previous build).
	changed := bytes.Replace(plain, []byte("zlib\t1.3.1-r1\t"), []byte("zlib\t1.3.1-r0\t"), 1)
	if bytes.Equal(changed, plain) {
		t.Fatal("zlib line not found in the report")
	}
	archived := func() []store.ArchivedReport {
		t.Helper()
		recs, err := p.s.ArchivedReports(ctx, store.AllSites(), "", 0)
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	steps := []struct {
		name, query, body string
		status            int
		archived          int
	}{
		{"encrypted report", "?protocol=5", string(enc), http.StatusOK, 1},
		{"the same report in clear: unchanged", "?protocol=5", string(plain), http.StatusOK, 1},
		{"report-only check", "?protocol=5&mode=report-only", string(changed), http.StatusOK, 1},
		{"refused report", "?protocol=5", "not a report", http.StatusBadRequest, 1},
	}
	for _, st := range steps {
		rec := p.post(st.query, st.body)
		if rec.Code != st.status {
			t.Fatalf("%s: HTTP %d %q, want %d", st.name, rec.Code, rec.Body.String(), st.status)
		}
		if n := len(archived()); n != st.archived {
			t.Fatalf("after %s: %d archived reports, want %d", st.name, n, st.archived)
		}
	}
	recs := archived()
	got, err := p.s.ArchivedReportBody(ctx, store.AllSites(), recs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(plain), string(got.Body)); diff != "" {
		t.Errorf("archived body is not the decrypted report (-want +got):\n%s", diff)
	}
	if got.Params != "protocol=5" || got.Hostname == "" {
		t.Errorf("archived params %q host %q", got.Params, got.Hostname)
	}

	// Archive off: nothing more is archived.
	p.h.Archive = false
	if rec := p.post("?protocol=5", string(changed)); rec.Code != http.StatusOK {
		t.Fatalf("changed report: %d %s", rec.Code, rec.Body.String())
	}
	if n := len(archived()); n != 1 {
		t.Fatalf("archive off, yet %d archived reports", n)
	}
}
