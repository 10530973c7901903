package store

import (
	"context"
	"database/sql"
	"sync/atomic"
	"time"
)

// touchReq is one TouchUnchanged call waiting for its transaction.
type touchReq struct {
	hostname, rawHash, addr string
	at                      time.Time
	// What the peek read (qPeekTouch): the host, its set, and whether its
	// row is fresh. peekInTx: not read yet, touchIn peeks in its
	// transaction (a resend hint matched: resendhints.go).
	hostID, setID int64
	fresh         bool
	peekInTx      bool

	out     Saved
	touched bool
	err     error
	done    chan struct{}
}

// touchBatch bounds how many touches share one transaction.
const touchBatch = 64

// touchBatcher runs concurrent TouchUnchanged calls in one transaction on
// SQLite, whose one writer runs them one after the other anyway: the
// commit (with synchronous=full the WAL's fsync) costs more than the
// touches' statements, and
// unchanged reports come in bursts (a fleet's cron). No call waits for
// company: the first one in runs at once with whatever is queued, and the
// calls that arrive meanwhile form the next transaction, so a batch is
// what queued during the previous commit. Each call is answered after the
// commit that holds its touch: an OK is as durable as alone. A batch whose
// transaction fails is run again one touch per transaction, so that one
// touch's error is its own.
type touchBatcher struct {
	q leaderQueue[*touchReq]

	batches atomic.Int64 // transactions run (first tries), for tests
}

func (b *touchBatcher) touch(ctx context.Context, s *Store, r *touchReq) (Saved, bool, error) {
	if s.engine.name() != "sqlite" {
		// PostgreSQL runs the touches side by side on its connections and
		// groups their WAL flushes itself: a batch would only queue them
		// behind one another (measured: half the rate).
		err := s.inTx(ctx, func(tx *sql.Tx) error { return s.touchIn(ctx, tx, r) })
		if err != nil {
			return Saved{}, false, err
		}
		return r.out, r.touched, nil
	}
	r.done = make(chan struct{})
	if b.q.join(r) {
		b.run(context.WithoutCancel(ctx), s)
	}
	select {
	case <-r.done:
		return r.out, r.touched, r.err
	case <-ctx.Done():
		// The touch may still commit: as when the client leaves after it.
		return Saved{}, false, ctx.Err()
	}
}

// run stores one batch, then hands the rest of the queue to a goroutine
// (the caller's own touch is done: it answers its client now).
func (b *touchBatcher) run(ctx context.Context, s *Store) {
	batch := b.q.take(touchBatch)

	b.batches.Add(1)
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	err := s.inTx(tctx, func(tx *sql.Tx) error {
		for _, r := range batch {
			if err := s.touchIn(tctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && len(batch) > 1 {
		for _, r := range batch {
			r.err = s.inTx(tctx, func(tx *sql.Tx) error { return s.touchIn(tctx, tx, r) })
		}
	} else if err != nil {
		batch[0].err = err
	}
	cancel()
	for _, r := range batch {
		if r.err != nil {
			r.out, r.touched = Saved{}, false
		}
		close(r.done)
	}

	if b.q.more() {
		go b.run(ctx, s)
	}
}
