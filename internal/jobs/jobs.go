// Package jobs runs background work once across every server on one
// database. Each job has a lease in the database (store.AcquireLease): the
// server holding it runs the job, renews it while alive and gives it up
// when it stops; a server that dies (SIGKILL, a lost machine) keeps it
// until it expires, then another server takes it over. Each run claims its
// schedule period in the job_runs table, whose key (job, period start) lets
// no period run twice, even when a lease changes hands during a period.
//
// Use, one line per job, in `pakiti serve` (every server starts every job;
// the lease decides which one runs it):
//
//	sched := jobs.New(st, log)                       // holder id: host:pid:random
//	go sched.Run(ctx, "source-update", 6*time.Hour, func(ctx context.Context) error {
//		... // the work; return an error to record the run as failed
//	})
//
// Schedule: periods are aligned to the Unix epoch (every 6h: 00:00, 06:00,
// 12:00, 18:00 UTC). A job runs at most once per period, as early in the
// period as a holder finds it unclaimed (a server starting mid-period runs
// it at once if nobody has); periods that pass with no holder alive (the
// lease's TTL after a holder died) are skipped, not caught up. fn gets a
// context cancelled when the server stops or loses the lease (its renewal
// failed for a whole TTL, or another holder took it); a run whose holder
// died stays recorded as "running". Runs are recorded with their holder,
// start, end and outcome (ok, failed, canceled): count them to see that a
// job ran.
//
// Timing: the lease lasts TTL (default 30 s) and is renewed every Renew
// (default 10 s), and at each period start; a server without the lease
// asks for it every Renew. Expiry is judged by the asking server's clock,
// so servers' clocks must agree to well within the TTL (NTP does). On
// SQLite, one server per file, the same code runs and the lease is always
// the server's own.
//
// Jobs that follow (stale-host marking, notifications, queue workers) call
// Run with their name and interval; a job that must not overlap itself
// across servers needs nothing more.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
)

// Defaults of the lease timing.
const (
	DefaultTTL   = 30 * time.Second
	DefaultRenew = 10 * time.Second
)

// Scheduler runs jobs under leases held by one holder (this server).
type Scheduler struct {
	Store  *store.Store
	Log    *slog.Logger
	Holder string           // this server's id in leases and runs
	TTL    time.Duration    // how long a lease lasts unrenewed
	Renew  time.Duration    // how often the lease is renewed or asked for
	Now    func() time.Time // the clock
}

// New returns a scheduler on st with the default timing and a fresh holder
// id (HolderID).
func New(st *store.Store, log *slog.Logger) *Scheduler {
	return &Scheduler{Store: st, Log: log, Holder: HolderID(), TTL: DefaultTTL, Renew: DefaultRenew, Now: time.Now}
}

// HolderID names this process: host name, process id and a random part
// (a restarted process with a recycled pid is another holder).
func HolderID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
}

// PeriodStart is the start of the period of length every holding t,
// aligned to the Unix epoch.
func PeriodStart(t time.Time, every time.Duration) time.Time {
	ms, e := t.UnixMilli(), every.Milliseconds()
	return time.UnixMilli(ms - ms%e).UTC()
}

// Run runs fn once per period of length every (at least a millisecond)
// while this scheduler holds job name's lease, until ctx ends; then it
// releases the lease and returns ctx's error. Errors of the database are
// logged and retried at the next renewal.
func (s *Scheduler) Run(ctx context.Context, name string, every time.Duration, fn func(context.Context) error) error {
	if every < time.Millisecond {
		return fmt.Errorf("job %s: interval %s is below a millisecond", name, every)
	}
	log := s.Log.With("job", name, "holder", s.Holder)
	held := false
	var last time.Time // the last period this scheduler looked at while holding
	defer func() {
		if held {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := s.Store.ReleaseLease(rctx, name, s.Holder); err != nil {
				log.Warn("job lease release failed", "error", err)
			} else {
				log.Info("job lease released")
			}
		}
	}()
	for {
		now := s.Now()
		ok, err := s.Store.AcquireLease(ctx, name, s.Holder, now, s.TTL)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			log.Error("job lease failed", "error", err) // no run until the lease is renewed
		case ok && !held:
			log.Info("job lease acquired", "ttl", s.TTL)
		case !ok && held:
			log.Warn("job lease lost")
		}
		if err == nil {
			held = ok // on an error, held stays as it was: released at the end if it may be ours
		}
		if ok {
			period := PeriodStart(now, every)
			if !period.Equal(last) {
				last = period
				s.runPeriod(ctx, log, name, period, fn)
			}
		}
		wait := s.Renew
		if ok {
			next := PeriodStart(s.Now(), every).Add(every)
			wait = min(wait, time.Until(next)+time.Millisecond)
		}
		t := time.NewTimer(max(wait, time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// periodKey carries the period a run was claimed for in its context.
type periodKey struct{}

// Period is the start of the period the running job was claimed for. A
// run may start after its period has ended on a loaded machine, so a job
// that works on "this period" must ask here rather than read the clock.
func Period(ctx context.Context) (time.Time, bool) {
	p, ok := ctx.Value(periodKey{}).(time.Time)
	return p, ok
}

// runPeriod claims period and runs fn, renewing the lease meanwhile.
func (s *Scheduler) runPeriod(ctx context.Context, log *slog.Logger, name string, period time.Time, fn func(context.Context) error) {
	id, ok, err := s.Store.ClaimJobRun(ctx, name, period, s.Holder, s.Now())
	if err != nil {
		log.Error("job run claim failed", "period", period, "error", err)
		return
	}
	if !ok {
		return // run already, by this server or another
	}
	start := time.Now()
	rctx, cancel := context.WithCancel(context.WithValue(ctx, periodKey{}, period))
	done := make(chan struct{})
	go s.keepLease(rctx, cancel, log, name, done)
	err = fn(rctx)
	close(done)
	lost := rctx.Err() != nil && ctx.Err() == nil
	cancel()
	outcome, msg := "ok", ""
	switch {
	case err != nil && rctx.Err() != nil:
		outcome, msg = "canceled", err.Error()
	case err != nil:
		outcome, msg = "failed", err.Error()
	}
	if lost {
		outcome = "canceled"
		if msg == "" {
			msg = "lease lost"
		}
	}
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer fcancel()
	if err := s.Store.FinishJobRun(fctx, id, s.Now(), outcome, msg); err != nil {
		log.Error("job run record failed", "run", id, "error", err)
	}
	d := time.Since(start).Round(time.Millisecond)
	if outcome == "ok" {
		log.Info("job run", "period", period, "run", id, "outcome", outcome, "duration", d)
	} else {
		log.Warn("job run", "period", period, "run", id, "outcome", outcome, "duration", d, "error", msg)
	}
}

// keepLease renews the lease every Renew while fn runs, and cancels fn
// when the lease is lost or could not be renewed for a TTL.
func (s *Scheduler) keepLease(ctx context.Context, cancel context.CancelFunc, log *slog.Logger, name string, done <-chan struct{}) {
	renewed := s.Now()
	t := time.NewTicker(s.Renew)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := s.Now()
		ok, err := s.Store.AcquireLease(ctx, name, s.Holder, now, s.TTL)
		switch {
		case err != nil && now.Sub(renewed) < s.TTL-s.Renew:
			log.Warn("job lease renewal failed", "error", err)
		case err != nil:
			log.Error("job lease expiring: run cancelled", "error", err)
			cancel()
			return
		case !ok:
			log.Error("job lease lost: run cancelled")
			cancel()
			return
		default:
			renewed = now
		}
	}
}
