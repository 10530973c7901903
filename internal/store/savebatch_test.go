package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// gateSaves holds the first report s stores (its name is first) inside
// its transaction until n more calls are queued behind it, so that they
// form one batch; fail says what the hook does to a report.
func gateSaves(t *testing.T, s *Store, first string, n int, fail func(host string) error) {
	t.Helper()
	testHookSave = func(in Incoming) error {
		if in.Host.Hostname == first {
			for deadline := time.Now().Add(10 * time.Second); ; {
				queued := s.saves.q.queued()
				if queued >= n {
					break
				}
				if time.Now().After(deadline) {
					return fmt.Errorf("only %d saves queued behind the first", queued)
				}
				time.Sleep(time.Millisecond)
			}
		}
		return fail(in.Host.Hostname)
	}
	t.Cleanup(func() { testHookSave = nil })
}

// TestSaveBatchOneFails: concurrent reports share a transaction on
// SQLite; one that fails (an injected error in its savepoint) fails
// alone: every other report is stored, with its history record, and
// answered after the commit that holds it; the failed host is not
// stored at all.
func TestSaveBatchOneFails(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if s.engine.name() != "sqlite" {
		t.Skip("reports share transactions on SQLite only")
	}
	const others = 7
	errBad := errors.New("injected failure")
	gateSaves(t, s, "gate.example.org", others, func(host string) error {
		if host == "bad.example.org" {
			return errBad
		}
		return nil
	})
	hosts := []string{"gate.example.org", "bad.example.org"}
	for i := range others - 1 {
		hosts = append(hosts, fmt.Sprintf("h%d.example.org", i))
	}
	errs := make(map[string]error)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Go(func() {
			if i > 0 {
				time.Sleep(20 * time.Millisecond) // the gate leads
			}
			in := incoming(t, "testdata/fanal-testdata-dpkg.pakiti5.txt", h, fmt.Sprintf("SITE-%d", i%3), t0)
			in.RawHash = "raw-" + h
			_, err := s.SaveReport(ctx, in)
			mu.Lock()
			errs[h] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, h := range hosts {
		if h == "bad.example.org" {
			if !errors.Is(errs[h], errBad) {
				t.Errorf("%s: %v, want the injected failure", h, errs[h])
			}
			if _, err := s.Host(ctx, AllSites(), h); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s: stored (%v), want not found", h, err)
			}
			continue
		}
		if errs[h] != nil {
			t.Errorf("%s: %v", h, errs[h])
			continue
		}
		recs, err := s.HostReports(ctx, AllSites(), h, 10)
		if err != nil || len(recs) != 1 || recs[0].Count != 1 {
			t.Errorf("%s: records %+v, %v; want one", h, recs, err)
		}
		if !s.hints.matches(h, "raw-"+h) {
			t.Errorf("%s: no resend hint after its commit", h)
		}
	}
	if got := s.saves.shared.Load(); got < others-1 {
		t.Errorf("%d reports committed in shared transactions, want at least %d", got, others-1)
	}
	sites, err := s.Sites(ctx, AllSites())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]SiteCount{{"SITE-0", 3, 0}, {"SITE-1", 2, 0}, {"SITE-2", 2, 0}}, sites); diff != "" {
		t.Errorf("sites (-want +got):\n%s", diff)
	}
}

// TestSaveBatchRollsBackWhole: when the shared transaction itself fails
// (here after its reports, as a failed commit would), each report is
// stored again alone: a report whose caller left meanwhile fails, the
// others are stored once, and the site one of them created in the
// rolled-back try is created again (its id is not remembered from it).
func TestSaveBatchRollsBackWhole(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if s.engine.name() != "sqlite" {
		t.Skip("reports share transactions on SQLite only")
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	gateSaves(t, s, "gate.example.org", 3, func(string) error { return nil })
	failed := 0
	testHookBatch = func() error {
		failed++
		cancel() // the caller of "cancelled" leaves before the reports run again
		return errors.New("injected transaction failure")
	}
	defer func() { testHookBatch = nil }()
	type call struct {
		host, site string
		ctx        context.Context
	}
	calls := []call{
		{"gate.example.org", "OLD", ctx},
		{"new-site.example.org", "NEW", ctx},
		{"cancelled.example.org", "NEW", cctx},
		{"after.example.org", "NEW", ctx},
	}
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Go(func() {
			if i > 0 {
				time.Sleep(time.Duration(10*i) * time.Millisecond) // in this order
			}
			_, errs[i] = s.SaveReport(c.ctx, incoming(t, "testdata/fanal-testdata-dpkg.pakiti5.txt", c.host, c.site, t0))
		})
	}
	wg.Wait()
	testHookBatch = nil
	if failed != 1 {
		t.Errorf("%d shared transactions failed, want 1", failed)
	}
	for i, c := range calls {
		if c.ctx == cctx {
			if errs[i] == nil {
				t.Errorf("%s: stored after its caller left", c.host)
			}
			continue
		}
		if errs[i] != nil {
			t.Errorf("%s: %v", c.host, errs[i])
			continue
		}
		recs, err := s.HostReports(ctx, AllSites(), c.host, 10)
		if err != nil || len(recs) != 1 || recs[0].Count != 1 {
			t.Errorf("%s: records %+v, %v; want one", c.host, recs, err)
		}
	}
	if got := s.saves.shared.Load(); got != 0 {
		t.Errorf("%d reports counted as committed together, want 0", got)
	}
	if _, err := s.SaveReport(ctx, incoming(t, "testdata/fanal-testdata-dpkg.pakiti5.txt", "later.example.org", "NEW", t0)); err != nil {
		t.Errorf("a later report of the site: %v", err)
	}
	sites, err := s.Sites(ctx, AllSites())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]SiteCount{{"NEW", 3, 0}, {"OLD", 1, 0}}, sites); diff != "" {
		t.Errorf("sites (-want +got):\n%s", diff)
	}
}

// TestSaveBatchPanic: a report that panics in a shared transaction
// fails the batch's reports with an error (they are answered, not left
// waiting, and the process goes on), rolls the transaction back, and
// leaves the writer free: the next report stores.
func TestSaveBatchPanic(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if s.engine.name() != "sqlite" {
		t.Skip("reports share transactions on SQLite only")
	}
	gateSaves(t, s, "gate.example.org", 2, func(host string) error {
		if host == "panic.example.org" {
			panic("injected panic")
		}
		return nil
	})
	hosts := []string{"gate.example.org", "panic.example.org", "other.example.org"}
	errs := make([]error, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Go(func() {
			if i > 0 {
				time.Sleep(time.Duration(10*i) * time.Millisecond)
			}
			_, errs[i] = s.SaveReport(ctx, incoming(t, "testdata/fanal-testdata-dpkg.pakiti5.txt", h, "S", t0))
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("saves still waiting 30 s after a panic")
	}
	for i, h := range hosts {
		switch {
		case h == "gate.example.org" && errs[i] != nil:
			t.Errorf("%s (its own batch): %v", h, errs[i])
		case h != "gate.example.org" && (errs[i] == nil || !strings.Contains(errs[i].Error(), "injected panic")):
			t.Errorf("%s: %v, want the panic as an error", h, errs[i])
		}
	}
	testHookSave = nil
	if _, err := s.SaveReport(ctx, incoming(t, "testdata/fanal-testdata-dpkg.pakiti5.txt", "next.example.org", "S", t0)); err != nil {
		t.Errorf("the next report: %v", err)
	}
	for _, h := range []string{"panic.example.org", "other.example.org"} {
		if _, err := s.Host(ctx, AllSites(), h); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: stored (%v), want rolled back", h, err)
		}
	}
}
