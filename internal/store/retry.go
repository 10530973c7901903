package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Retries of a write transaction that lost a race (see engine.retryable):
// the loser runs again after a short random pause, so that concurrent
// reports never fail for being concurrent.
const (
	txAttempts  = 12
	txBaseDelay = 2 * time.Millisecond
	txMaxDelay  = 200 * time.Millisecond
)

// inTx runs fn in one write transaction, committed if fn returns nil. A
// transaction that failed with a retryable error is run again from the
// start: fn must set everything it hands out anew on each run.
//
// On SQLite the file must still be the one opened, before and after the
// transaction: a commit into a removed or replaced file is lost at the
// next restart, and must not be acknowledged (ErrDatabaseGone).
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.inTxOpt(ctx, false, fn)
}

// inTxOpt is inTx; unchecked runs fn without foreign key enforcement where
// the engine would check a parent's delete by scanning unindexed child
// tables (SQLite: package_set_members.package_id): for the collector's
// deletes, which check every reference themselves.
func (s *Store) inTxOpt(ctx context.Context, unchecked bool, fn func(*sql.Tx) error) error {
	if err := s.file.check(); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		err := s.runTx(ctx, unchecked, fn)
		if err == nil {
			if err := s.file.check(); err != nil {
				return err
			}
			s.health.lastCommit.Store(time.Now().UnixNano())
			return nil
		}
		if attempt == txAttempts || ctx.Err() != nil || !s.engine.retryable(err) {
			return err
		}
		if testHookRetry != nil {
			testHookRetry(err)
		}
		// Full jitter: a random pause up to an exponentially growing cap.
		d := min(txBaseDelay<<(attempt-1), txMaxDelay)
		t := time.NewTimer(rand.N(d) + time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// testHookRetry lets a test see the races the store absorbed.
var testHookRetry func(error)

// runTx runs fn in a transaction on a connection of its own, so that a
// connection that fails for itself (read-only, see discard) is closed
// rather than reused.
func (s *Store) runTx(ctx context.Context, unchecked bool, fn func(*sql.Tx) error) (err error) {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		s.discard(conn, err)
		conn.Close()
	}()
	if off, on := s.engine.foreignKeysOff(); unchecked && off != "" {
		if _, err := conn.ExecContext(ctx, off); err != nil {
			return fmt.Errorf("foreign keys off: %w", err)
		}
		defer func() {
			if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), on); rerr != nil {
				// Never hand the connection on unchecked.
				conn.Raw(func(any) error { return driver.ErrBadConn })
				err = errors.Join(err, fmt.Errorf("foreign keys on: %w", rerr))
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback() // never hand the connection on inside a transaction
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
