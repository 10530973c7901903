package intake

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// linesEval is an Evaluator whose answers are fixed, so that which of them
// reached the client tells which mode the handler took.
type linesEval struct {
	mu    sync.Mutex
	after []string // hosts passed to AfterReport
}

// The stub's answer lines, in the protocol's "name<TAB>version<TAB>arch<TAB>
// CVE<TAB>tag" form. They are not verdicts (no matching runs here): only
// markers of which Evaluator method answered.
var (
	stubReportLines = []string{"stub-stored\t1\tx86_64\tCVE-0000-0001\t", "stub-stored\t1\tx86_64\tCVE-0000-0002\t"}
	stubCheckLines  = []string{"stub-checked\t1\tx86_64\tCVE-0000-0003\t"}
)

func (e *linesEval) AfterReport(_ context.Context, hostname, _ string, _ []model.Package) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.after = append(e.after, hostname)
	return nil
}

func (e *linesEval) ReportLines(context.Context, string, bool) ([]string, error) {
	return stubReportLines, nil
}

// CheckLines answers only for a parsed package list, as the real one does.
func (e *linesEval) CheckLines(_ context.Context, _ model.Host, pkgs []model.Package, _ bool) ([]string, error) {
	if len(pkgs) == 0 {
		return nil, nil
	}
	return stubCheckLines, nil
}

// TestFeedModeParams checks that the legacy report=0|1|2 parameter and
// mode= map to the three modes, as seen by the client (the answer) and by
// the store (whether the host exists afterwards).
func TestFeedModeParams(t *testing.T) {
	real, err := os.ReadFile("testdata/vaultwarden.pakiti5.txt")
	if err != nil {
		t.Fatal(err)
	}
	const host = "inv-alpine320-a.example.org"
	answer := func(lines []string) string { return "OK\n" + strings.Join(lines, "\n") + "\n" }
	tests := []struct {
		name       string
		query      string
		wantBody   string
		wantStored bool
	}{
		{"no parameter is store-only", "", "OK\n", true},
		{"report=0 is store-only", "?report=0", "OK\n", true},
		{"report=1 is store-and-report", "?report=1", answer(stubReportLines), true},
		{"report=2 is report-only", "?report=2", answer(stubCheckLines), false},
		{"legacy version=5 with report=1", "?version=5&report=1", answer(stubReportLines), true},
		{"mode=store-only", "?mode=store-only", "OK\n", true},
		{"mode=store-and-report", "?mode=store-and-report", answer(stubReportLines), true},
		{"mode=report-only", "?mode=report-only", answer(stubCheckLines), false},
		{"mode wins over report", "?mode=report-only&report=1", answer(stubCheckLines), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, s := newTest(t)
			ev := &linesEval{}
			h.Eval = ev
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/feed/"+tt.query, strings.NewReader(string(real))))
			if rec.Code != 200 {
				t.Fatalf("status %d %q", rec.Code, rec.Body.String())
			}
			if diff := cmp.Diff(tt.wantBody, rec.Body.String()); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			_, err := s.Host(context.Background(), store.AllSites(), host)
			if stored := err == nil; stored != tt.wantStored {
				t.Errorf("host stored: %v, want %v (lookup error: %v)", stored, tt.wantStored, err)
			}
			var wantAfter []string
			if tt.wantStored {
				wantAfter = []string{host} // a new host is evaluated after the store
			}
			if diff := cmp.Diff(wantAfter, ev.after); diff != "" {
				t.Errorf("AfterReport calls (-want +got):\n%s", diff)
			}
		})
	}
}
