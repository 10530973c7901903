package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// sched is a scheduler with short timings; ttl is long enough that a
// holder keeps its lease on a busy shared machine.
func sched(st *store.Store, holder string, ttl time.Duration) *Scheduler {
	return &Scheduler{Store: st, Log: quiet, Holder: holder, TTL: ttl, Renew: 50 * time.Millisecond, Now: time.Now}
}

// TestLeaseRules walks one lease through its rules with explicit times.
func TestLeaseRules(t *testing.T) {
	st := testdb.Open(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ttl := 30 * time.Second
	steps := []struct {
		what    string
		holder  string
		at      time.Duration // after t0
		release bool
		want    bool
	}{
		{"a takes the free lease", "a", 0, false, true},
		{"b cannot while a's lease runs", "b", 10 * time.Second, false, false},
		{"a renews", "a", 20 * time.Second, false, true},
		{"b still cannot: the renewal moved the expiry", "b", 40 * time.Second, false, false},
		{"b cannot at the expiry itself", "b", 50 * time.Second, false, false},
		{"b takes it over once expired", "b", 50*time.Second + time.Millisecond, false, true},
		{"a, back, cannot renew b's lease", "a", 51 * time.Second, false, false},
		{"a's release does not free b's lease", "a", 52 * time.Second, true, false},
		{"b releases", "b", 53 * time.Second, true, false},
		{"a takes the released lease at once", "a", 54 * time.Second, false, true},
	}
	for _, s := range steps {
		if s.release {
			if err := st.ReleaseLease(ctx, "job", s.holder); err != nil {
				t.Fatalf("%s: %v", s.what, err)
			}
			continue
		}
		got, err := st.AcquireLease(ctx, "job", s.holder, t0.Add(s.at), ttl)
		if err != nil {
			t.Fatalf("%s: %v", s.what, err)
		}
		if got != s.want {
			t.Errorf("%s: acquired %v, want %v", s.what, got, s.want)
		}
	}
	ls, err := st.Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Lease{{Name: "job", Holder: "a", Expires: t0.Add(84 * time.Second),
		AcquiredAt: t0.Add(54 * time.Second), RenewedAt: t0.Add(54 * time.Second)}}
	if d := cmp.Diff(want, ls, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); d != "" {
		t.Errorf("leases (-want +got):\n%s", d)
	}
	// Another job's lease is another row.
	if ok, err := st.AcquireLease(ctx, "other", "b", t0.Add(55*time.Second), ttl); err != nil || !ok {
		t.Errorf("other job's lease: %v %v", ok, err)
	}
}

func TestClaimJobRunOncePerPeriod(t *testing.T) {
	st := testdb.Open(t)
	ctx := context.Background()
	p := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	id, ok, err := st.ClaimJobRun(ctx, "job", p, "a", p)
	if err != nil || !ok || id == 0 {
		t.Fatalf("first claim: %d %v %v", id, ok, err)
	}
	if _, ok, err := st.ClaimJobRun(ctx, "job", p, "b", p.Add(time.Second)); err != nil || ok {
		t.Errorf("second claim of the period by another holder: %v %v, want refused", ok, err)
	}
	if _, ok, err := st.ClaimJobRun(ctx, "job", p, "a", p.Add(time.Second)); err != nil || ok {
		t.Errorf("second claim of the period by the same holder: %v %v, want refused", ok, err)
	}
	if _, ok, err := st.ClaimJobRun(ctx, "other", p, "b", p); err != nil || !ok {
		t.Errorf("another job's period: %v %v, want claimed", ok, err)
	}
	if err := st.FinishJobRun(ctx, id, p.Add(2*time.Second), "failed", "boom"); err != nil {
		t.Fatal(err)
	}
	runs, err := st.JobRuns(ctx, "job")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.JobRun{{ID: id, Job: "job", Period: p, Holder: "a", StartedAt: p, FinishedAt: p.Add(2 * time.Second),
		Outcome: "failed", Error: "boom"}}
	if d := cmp.Diff(want, runs, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); d != "" {
		t.Errorf("runs (-want +got):\n%s", d)
	}
}

func TestPeriodStart(t *testing.T) {
	for _, c := range []struct {
		at    string
		every time.Duration
		want  string
	}{
		{"2026-01-02T07:59:59.999Z", 6 * time.Hour, "2026-01-02T06:00:00Z"},
		{"2026-01-02T06:00:00Z", 6 * time.Hour, "2026-01-02T06:00:00Z"},
		{"2026-01-02T05:59:59Z", 6 * time.Hour, "2026-01-02T00:00:00Z"},
		{"2026-01-02T03:04:05.678Z", time.Second, "2026-01-02T03:04:05Z"},
	} {
		at, _ := time.Parse(time.RFC3339Nano, c.at)
		if got := PeriodStart(at, c.every).Format(time.RFC3339Nano); got != c.want {
			t.Errorf("PeriodStart(%s, %s) = %s, want %s", c.at, c.every, got, c.want)
		}
	}
}

// counter counts the runs of fn per period and holder.
// counter records which holder ran each period, by the period the run was
// claimed for (a run may start after its period ended on a loaded
// machine), and whether two runs ever overlapped in time.
type counter struct {
	mu      sync.Mutex
	runs    map[time.Time][]string
	running int
	overlap []string
}

func (c *counter) fn(holder string, every time.Duration) func(context.Context) error {
	return func(ctx context.Context) error {
		p, ok := Period(ctx)
		c.mu.Lock()
		if !ok {
			c.overlap = append(c.overlap, holder+": run without a period in its context")
		}
		if c.running > 0 {
			c.overlap = append(c.overlap, holder+" started while another run was running")
		}
		c.running++
		c.runs[p] = append(c.runs[p], holder)
		c.mu.Unlock()
		time.Sleep(every / 10) // a run takes time: another holder could start meanwhile
		c.mu.Lock()
		c.running--
		c.mu.Unlock()
		return nil
	}
}

// TestSchedulersRunEachPeriodOnce runs three schedulers of one job for a
// while: one holds the lease and runs every period, never two.
func TestSchedulersRunEachPeriodOnce(t *testing.T) {
	st := testdb.Open(t)
	every := 100 * time.Millisecond
	c := &counter{runs: map[time.Time][]string{}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, h := range []string{"a", "b", "c"} {
		wg.Go(func() { sched(st, h, 5*time.Second).Run(ctx, "tick", every, c.fn(h, every)) })
	}
	wg.Wait()
	for _, o := range c.overlap {
		t.Error(o)
	}
	holders := map[string]bool{}
	for p, hs := range c.runs {
		if len(hs) != 1 {
			t.Errorf("period %s ran %d times: %v", p.Format("15:04:05.000"), len(hs), hs)
		}
		holders[hs[0]] = true
	}
	if len(c.runs) < 5 {
		t.Errorf("%d periods ran in 2 s of 100 ms periods, want at least 5", len(c.runs))
	}
	if len(holders) != 1 {
		t.Errorf("runs by %v: want one holder while it lives", holders)
	}
	runs, err := st.JobRuns(context.Background(), "tick")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != len(c.runs) {
		t.Errorf("%d runs recorded, %d made", len(runs), len(c.runs))
	}
	for _, r := range runs {
		if r.Outcome != "ok" || !holders[r.Holder] {
			t.Errorf("run %+v: want ok by the holder", r)
		}
	}
	// Every scheduler released its lease on stopping.
	if ls, err := st.Leases(context.Background()); err != nil || len(ls) != 0 {
		t.Errorf("leases after stop: %v %v, want none", ls, err)
	}
}

// TestTakeOverAfterExpiry: a holder that died (its lease in the table, no
// renewals) blocks the job until its lease expires, then another runs it.
func TestTakeOverAfterExpiry(t *testing.T) {
	st := testdb.Open(t)
	ctx := context.Background()
	s := sched(st, "b", time.Second)
	dead := time.Now()
	if ok, err := st.AcquireLease(ctx, "tick", "dead", dead, s.TTL); err != nil || !ok {
		t.Fatal(ok, err)
	}
	every := 50 * time.Millisecond
	first := make(chan time.Time, 100)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.Run(rctx, "tick", every, func(context.Context) error { first <- time.Now(); return nil })
	select {
	case at := <-first:
		if at.Before(dead.Add(s.TTL)) {
			t.Errorf("ran %s after the dead holder's renewal, before its lease expired (TTL %s)", at.Sub(dead), s.TTL)
		}
		if at.After(dead.Add(s.TTL + s.Renew + 2*time.Second)) { // slack for a loaded machine
			t.Errorf("took over %s after the dead holder's renewal, want within TTL %s + renewal %s", at.Sub(dead), s.TTL, s.Renew)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the job was not taken over")
	}
	cancel()
}

// TestClaimedPeriodSkipped: a period claimed by another holder (a lease
// handed over mid-period) is not run again; the next one is.
func TestClaimedPeriodSkipped(t *testing.T) {
	st := testdb.Open(t)
	ctx := context.Background()
	every := time.Hour
	now := time.Now()
	if _, ok, err := st.ClaimJobRun(ctx, "hourly", PeriodStart(now, every), "previous", now); err != nil || !ok {
		t.Fatal(ok, err)
	}
	s := sched(st, "b", time.Second)
	ran := make(chan bool, 10) // room for wrong runs: a test that blocks finds nothing
	rctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	s.Run(rctx, "hourly", every, func(context.Context) error { ran <- true; return nil })
	if len(ran) > 0 {
		t.Error("ran a period another holder had claimed")
	}
	// A clock one period on: the next period runs.
	s.Now = func() time.Time { return time.Now().Add(every) }
	rctx, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	s.Run(rctx, "hourly", every, func(context.Context) error { ran <- true; return nil })
	if len(ran) != 1 {
		t.Error("did not run the next, unclaimed period")
	}
}

// TestLostLeaseCancelsRun: a run whose lease another holder took (the
// holder stalled past its TTL) is cancelled and recorded so.
func TestLostLeaseCancelsRun(t *testing.T) {
	st := testdb.Open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a := sched(st, "a", time.Second)
	started := make(chan struct{})
	ended := make(chan error, 1)
	go a.Run(ctx, "long", time.Hour, func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		ended <- ctx.Err()
		return ctx.Err()
	})
	<-started
	// b's clock is past a's expiry.
	if ok, err := st.AcquireLease(ctx, "long", "b", time.Now().Add(time.Hour), a.TTL); err != nil || !ok {
		t.Fatal(ok, err)
	}
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("run ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the run was not cancelled when its lease was lost")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		runs, err := st.JobRuns(ctx, "long")
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) == 1 && runs[0].Outcome == "canceled" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("runs %+v: want one, canceled", runs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
