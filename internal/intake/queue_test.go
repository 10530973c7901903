package intake

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// asyncHandler is a handler with the durable queue on s, whose clock
// ticks a second per call (reports of one host get distinct times).
func asyncHandler(s *store.Store, saver Saver) *Handler {
	h := New(saver, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var tick atomic.Int64
	h.Now = func() time.Time {
		return time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC).Add(time.Duration(tick.Add(1)) * time.Second)
	}
	h.EnableQueue(s)
	return h
}

func postQ(h *Handler, query, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/feed/"+query, strings.NewReader(body)))
	return rec
}

func queueDepth(t *testing.T, s *store.Store) int {
	t.Helper()
	d, err := s.Queue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d.Reports
}

// drain runs workers until the queue is empty.
func drain(t *testing.T, h *Handler, s *store.Store, workers int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { h.Work(ctx, "test", workers) })
	deadline := time.Now().Add(20 * time.Second)
	for queueDepth(t, s) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if n := queueDepth(t, s); n > 0 {
		t.Fatalf("%d reports still queued after 20 s", n)
	}
}

func realReport(t *testing.T, host string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/vaultwarden.pakiti5.txt")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Replace(string(b), "inv-alpine320-a.example.org", host, 1)
}

// TestAsyncIntake: an asynchronous report is answered OK once queued,
// stored by a worker as the synchronous path stores it (same host, same
// packages, the receive time of the request); 4xx are decided before the
// answer and queue nothing; report-only stores and queues nothing.
func TestAsyncIntake(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	h := asyncHandler(s, s)
	body := realReport(t, "async.example.org")
	if rec := postQ(h, "?protocol=5", body); rec.Code != 200 || rec.Body.String() != "OK\n" {
		t.Fatalf("async report: %d %q", rec.Code, rec.Body)
	}
	if _, err := s.Host(ctx, store.AllSites(), "async.example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("host stored before any worker ran: %v", err)
	}
	for _, bad := range []struct{ query, body, want string }{
		{"?protocol=5", strings.Replace(body, "site: INVENTORIES", "site: \x01", 1), "control character"},
		{"?protocol=7", body, "unknown protocol"},
		{"?protocol=4", body, "the form has no host field"},
	} {
		if rec := postQ(h, bad.query, bad.body); rec.Code != 400 || !strings.Contains(rec.Body.String(), bad.want) {
			t.Errorf("%s: %d %q, want 400 %q", bad.query, rec.Code, rec.Body, bad.want)
		}
	}
	if rec := postQ(h, "?mode=report-only", realReport(t, "ro.example.org")); rec.Code != 200 {
		t.Errorf("report-only: %d %s", rec.Code, rec.Body)
	}
	if n := queueDepth(t, s); n != 1 {
		t.Fatalf("%d reports queued, want 1 (the valid store-only one)", n)
	}
	drain(t, h, s, 2)
	got, err := s.Host(ctx, store.AllSites(), "async.example.org")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Host(ctx, store.AllSites(), "ro.example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("report-only host stored: %v", err)
	}

	// The same report through the synchronous path, at the same time.
	sync := testdb.Open(t)
	hs := New(sync, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	hs.Now = func() time.Time { return got.LastReport }
	if rec := postQ(hs, "?protocol=5", body); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	want, err := sync.Host(ctx, store.AllSites(), "async.example.org")
	if err != nil {
		t.Fatal(err)
	}
	if want.LastReport != time.Date(2026, 11, 25, 10, 0, 1, 0, time.UTC) {
		t.Errorf("stored with time %v, want the request's (10:00:01)", want.LastReport)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("host stored from the queue differs from the synchronous path's (-sync +async):\n%s", diff)
	}
	wp, _ := sync.HostPackages(ctx, store.AllSites(), "async.example.org")
	gp, _ := s.HostPackages(ctx, store.AllSites(), "async.example.org")
	if diff := cmp.Diff(wp, gp); diff != "" || len(gp) != 26 {
		t.Errorf("packages differ (-sync +async), %d stored:\n%s", len(gp), diff)
	}
}

// TestAsyncQueueSurvivesRestart: reports acknowledged by a server that is
// closed before any worker ran are stored by the next one.
func TestAsyncQueueSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.DSN(t)
	first, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	h := asyncHandler(first, first)
	for _, host := range []string{"r1.example.org", "r2.example.org"} {
		if rec := postQ(h, "", realReport(t, host)); rec.Code != 200 {
			t.Fatal(rec.Body)
		}
	}
	// A worker that claimed a report and died: its claim expires.
	if qs, err := first.ClaimQueued(ctx, "dead", 1, time.Now(), 200*time.Millisecond); err != nil || len(qs) != 1 {
		t.Fatalf("claim: %v %v", qs, err)
	}
	first.Close()

	second, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if n := queueDepth(t, second); n != 2 {
		t.Fatalf("%d reports queued after the restart, want 2", n)
	}
	drain(t, asyncHandler(second, second), second, 1)
	for _, host := range []string{"r1.example.org", "r2.example.org"} {
		pkgs, err := second.HostPackages(ctx, store.AllSites(), host)
		if err != nil || len(pkgs) != 26 {
			t.Errorf("%s: %d packages (%v), want 26", host, len(pkgs), err)
		}
	}
}

// failingSaver fails SaveReport while fail is set.
type failingSaver struct {
	*store.Store
	fail atomic.Bool
}

func (f *failingSaver) SaveReport(ctx context.Context, in store.Incoming) (store.Saved, error) {
	if f.fail.Load() {
		return store.Saved{}, errors.New("disk I/O error (planted by the test)")
	}
	return f.Store.SaveReport(ctx, in)
}

// TestAsyncStoreFailureKeepsTheReport: a queued report whose store fails
// stays queued, with the error, and is stored once the fault is gone.
func TestAsyncStoreFailureKeepsTheReport(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	saver := &failingSaver{Store: s}
	h := asyncHandler(s, saver)
	if rec := postQ(h, "", realReport(t, "fail.example.org")); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	saver.fail.Store(true)
	qs, err := s.ClaimQueued(ctx, "test", 1, time.Now(), time.Minute)
	if err != nil || len(qs) != 1 {
		t.Fatalf("claim: %v %v", qs, err)
	}
	h.storeQueued(ctx, qs[0])
	if n := queueDepth(t, s); n != 1 {
		t.Fatalf("%d reports queued after a failed store, want the report kept", n)
	}
	// Retried after its back-off (at most two seconds for a first failure;
	// a claim exactly at the retry time raced with the stored time's
	// precision, so the test asks a second later).
	qs, err = s.ClaimQueued(ctx, "test", 1, time.Now().Add(3*time.Second), time.Minute)
	if err != nil || len(qs) != 1 || !strings.Contains(qs[0].Error, "planted") || qs[0].Attempts != 2 {
		t.Fatalf("claim after the back-off: %+v %v; want the report with its error, second attempt", qs, err)
	}
	saver.fail.Store(false)
	h.storeQueued(ctx, qs[0])
	if _, err := s.Host(ctx, store.AllSites(), "fail.example.org"); err != nil || queueDepth(t, s) != 0 {
		t.Errorf("after the fault: host %v, %d queued", err, queueDepth(t, s))
	}
	// A second worker holding the same (expired) claim stores nothing.
	h.storeQueued(ctx, qs[0])
	hist, _ := s.HostReports(ctx, store.AllSites(), "fail.example.org", 10)
	if len(hist) != 1 || hist[0].Count != 1 {
		t.Errorf("history %+v: want the report counted once", hist)
	}
}

// TestAsyncKeepsEachHostsOrder: reports of one host queued in a row are
// stored in the order received, whatever the workers.
func TestAsyncKeepsEachHostsOrder(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	h := asyncHandler(s, s)
	body := realReport(t, "order.example.org")
	var last string
	for i := range 12 {
		// Each report drops one more package of the real list.
		lines := strings.Split(body, "\n")
		var kept []string
		dropped := 0
		for _, l := range lines {
			if strings.Count(l, "\t") == 2 && dropped < i {
				dropped++
				continue
			}
			kept = append(kept, l)
		}
		last = strings.Join(kept, "\n")
		if rec := postQ(h, "", last); rec.Code != 200 {
			t.Fatal(rec.Body)
		}
		// Other hosts in between, for the other workers.
		if rec := postQ(h, "", realReport(t, "other"+string(rune('a'+i))+".example.org")); rec.Code != 200 {
			t.Fatal(rec.Body)
		}
	}
	drain(t, h, s, 4)
	pkgs, err := s.HostPackages(ctx, store.AllSites(), "order.example.org")
	if err != nil || len(pkgs) != 26-11 {
		t.Errorf("order.example.org has %d packages (%v), want %d: the last report's", len(pkgs), err, 26-11)
	}
	hist, _ := s.HostReports(ctx, store.AllSites(), "order.example.org", 20)
	var counts []int
	for _, r := range hist {
		counts = append(counts, r.Packages)
	}
	want := []int{15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26} // newest first
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("history (packages per record, newest first) not in the order received:\n%s", diff)
	}
}

// TestAsyncStoreAndReport: store-and-report is queued and answered with
// the findings of the report's packages, as report-only answers.
func TestAsyncStoreAndReport(t *testing.T) {
	s := testdb.Open(t)
	eval := &lineEval{}
	h := asyncHandler(s, s)
	h.Eval = eval
	rec := postQ(h, "?mode=store-and-report", realReport(t, "sar.example.org"))
	if rec.Code != 200 || rec.Body.String() != "OK\nchecked 26\n" {
		t.Errorf("store-and-report: %d %q, want the lines of the report's packages", rec.Code, rec.Body)
	}
	if n := queueDepth(t, s); n != 1 {
		t.Errorf("%d queued, want 1", n)
	}
}

// lineEval answers CheckLines with the count of packages checked.
type lineEval struct{}

func (lineEval) AfterReport(context.Context, string, string, []model.Package) error { return nil }
func (lineEval) ReportLines(context.Context, string, bool) ([]string, error) {
	return []string{"stored findings"}, nil
}
func (lineEval) CheckLines(_ context.Context, _ model.Host, pkgs []model.Package, _ bool) ([]string, error) {
	return []string{"checked " + strconv.Itoa(len(pkgs))}, nil
}
