package store

import (
	"context"
	"database/sql"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// saveBatch bounds how many reports share one transaction.
const saveBatch = 16

// saveBatcher runs concurrent SaveReport calls in one transaction on
// SQLite, whose one writer runs them one after the other anyway: a
// report's commit writes every page it changed to the WAL (the hosts
// row's thirteen index pages, its history record, the listing counts),
// and reports committed together write the pages they share once. As
// for touches (touchbatch.go), no call waits for company: the first one
// in runs at once with whatever is queued, and the calls that arrive
// meanwhile form the next transaction.
//
// Each report runs inside a savepoint of its own, under its caller's
// context: a report that fails is rolled back to its savepoint and fails
// alone, the others commit. Each call is answered after the commit that
// holds its report: an OK is as durable as alone. When the transaction
// itself fails (its commit, a savepoint, an error SQLite answers by
// rolling the whole transaction back), every report of the batch is run
// again in a transaction of its own, so that one report's error is its
// own. A panic rolls the transaction back and fails the batch's reports
// with an error that holds it.
type saveBatcher struct {
	q leaderQueue[*saveReq]

	batches atomic.Int64 // transactions run (first tries), for tests
	shared  atomic.Int64 // reports committed in a transaction with others, for tests
}

func (b *saveBatcher) save(ctx context.Context, s *Store, r *saveReq) error {
	r.done = make(chan struct{})
	if b.q.join(r) {
		b.run(context.WithoutCancel(ctx), s)
	}
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		// The report may still commit: as when the client leaves after it.
		return ctx.Err()
	}
}

// run stores one batch, then hands the rest of the queue to a goroutine
// (the caller's own report is done: it answers its client now).
func (b *saveBatcher) run(ctx context.Context, s *Store) {
	batch := b.q.take(saveBatch)

	answered := false
	defer func() {
		if answered {
			return
		}
		// A panic (the transaction was rolled back: runTx): every report
		// of the batch fails with it, not the process (the batch may run
		// in a goroutine of its own), and the next batch goes on.
		p := recover()
		for _, r := range batch {
			r.out, r.err = Saved{}, fmt.Errorf("save report: panic in its transaction: %v\n%s", p, debug.Stack())
			close(r.done)
		}
		b.next(ctx, s)
	}()

	b.batches.Add(1)
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var err error
	if len(batch) == 1 {
		r := batch[0]
		r.err = s.inTx(r.ctx, func(tx *sql.Tx) error { return s.saveIn(r.ctx, tx, r) })
	} else {
		err = s.inTx(tctx, func(tx *sql.Tx) error { return s.saveAll(tctx, tx, batch) })
		if err != nil {
			for _, r := range batch {
				r.err = s.inTx(r.ctx, func(tx *sql.Tx) error { return s.saveIn(r.ctx, tx, r) })
			}
		} else {
			for _, r := range batch {
				if r.err == nil {
					b.shared.Add(1)
				}
			}
		}
	}
	for _, r := range batch {
		if r.err == nil {
			s.saved(r)
		} else {
			r.out = Saved{}
		}
	}
	answered = true
	for _, r := range batch {
		close(r.done)
	}
	b.next(ctx, s)
}

// next runs the next batch in a goroutine if reports queued, or lets
// the next caller lead.
func (b *saveBatcher) next(ctx context.Context, s *Store) {
	if b.q.more() {
		go b.run(ctx, s)
	}
}

// saveAll stores the batch in tx, each report in a savepoint: a report
// that fails is rolled back alone and keeps its error. An error returned
// is the transaction's (it is then rolled back).
func (s *Store) saveAll(ctx context.Context, tx *sql.Tx, batch []*saveReq) error {
	for _, r := range batch {
		r.err = nil
		if err := r.ctx.Err(); err != nil {
			r.err = err // the caller left before its turn: nothing written
			continue
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT report`); err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}
		if r.err = s.saveIn(r.ctx, tx, r); r.err != nil {
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO report`); err != nil {
				return fmt.Errorf("rollback to savepoint: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE report`); err != nil {
			return fmt.Errorf("release savepoint: %w", err)
		}
	}
	if testHookBatch != nil {
		return testHookBatch()
	}
	return nil
}

// testHookBatch lets a test fail a shared transaction after its reports.
var testHookBatch func() error
