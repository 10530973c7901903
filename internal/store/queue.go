package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The intake queue (pakiti serve --intake async): /feed/ validates a
// report, enqueues it here and answers OK once the row is committed;
// workers on any server claim rows, store them (SaveReport with
// Incoming.QueueID deletes the row in the same transaction) and evaluate.
// Only the oldest row of a host can be claimed, so a host's reports are
// stored in the order they were received. A claim lasts a TTL: the row of
// a worker that died is claimed again after it; a second worker storing
// the same row finds it gone (ErrQueueGone) and stores nothing.

// QueuedReport is one report in the intake queue.
type QueuedReport struct {
	ID          int64
	Hostname    string
	ReceivedAt  time.Time
	Addr        string // the reporter's address (the proxy's, for a forwarded report)
	Params      string // the query string of /feed/
	ContentType string
	UserAgent   string
	Body        []byte // as received, after decryption
	Attempts    int    // claims so far, this one included
	Error       string // the last failed attempt's error
}

// ErrQueueGone: the queued report was stored (or dropped) by another
// worker; this one stores nothing.
var ErrQueueGone = errors.New("the queued report is no longer in the queue")

// Enqueue adds a report to the queue; it is durable when Enqueue returns.
func (s *Store) Enqueue(ctx context.Context, q QueuedReport) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO report_queue (hostname, received_at, addr, params,
			content_type, user_agent, body) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			q.Hostname, q.ReceivedAt.UTC(), q.Addr, q.Params, q.ContentType, q.UserAgent, q.Body).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("enqueue report: %w", err)
	}
	return id, nil
}

// ClaimQueued claims up to n reports for holder until now+ttl: the oldest
// unclaimed (or expired) row of each host, oldest first.
func (s *Store) ClaimQueued(ctx context.Context, holder string, n int, now time.Time, ttl time.Duration) ([]QueuedReport, error) {
	var out []QueuedReport
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `UPDATE report_queue SET claimed_by = $1, claim_expires_ms = $2,
			attempts = attempts + 1
			WHERE id IN (SELECT id FROM report_queue q WHERE claim_expires_ms < $3
				AND NOT EXISTS (SELECT 1 FROM report_queue q2 WHERE q2.hostname = q.hostname AND q2.id < q.id)
				ORDER BY id LIMIT $4`+s.engine.skipLocked()+`)
			RETURNING id, hostname, received_at, addr, params, content_type, user_agent, body, attempts, error`,
			holder, now.Add(ttl).UnixMilli(), now.UnixMilli(), n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var q QueuedReport
			if err := rows.Scan(&q.ID, &q.Hostname, &q.ReceivedAt, &q.Addr, &q.Params, &q.ContentType,
				&q.UserAgent, &q.Body, &q.Attempts, &q.Error); err != nil {
				return err
			}
			q.ReceivedAt = q.ReceivedAt.UTC()
			out = append(out, q)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("claim queued reports: %w", err)
	}
	return out, nil
}

// RetryQueued gives a claimed report back after a failed attempt: it can
// be claimed again from retryAt.
func (s *Store) RetryQueued(ctx context.Context, id int64, retryAt time.Time, errText string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE report_queue SET claimed_by = '', claim_expires_ms = $2, error = $3
			WHERE id = $1`, id, retryAt.UnixMilli(), errText)
		return err
	})
}

// DropQueued deletes a queued report that can never be stored.
func (s *Store) DropQueued(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.dequeue(ctx, tx, id) })
}

// dequeue deletes queued report id in tx, or fails with ErrQueueGone.
func (s *Store) dequeue(ctx context.Context, tx *sql.Tx, id int64) error {
	r, err := tx.ExecContext(ctx, `DELETE FROM report_queue WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("dequeue report: %w", err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrQueueGone
	}
	return nil
}

// QueueDepth is the state of the intake queue.
type QueueDepth struct {
	Reports int       `json:"reports"`
	Oldest  time.Time `json:"oldest,omitzero"` // the receive time of the oldest queued report
}

// Queue returns the depth of the intake queue.
func (s *Store) Queue(ctx context.Context) (QueueDepth, error) {
	var d QueueDepth
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM report_queue`).Scan(&d.Reports); err != nil {
		return d, fmt.Errorf("queue depth: %w", err)
	}
	err := s.r.QueryRowContext(ctx, `SELECT received_at FROM report_queue ORDER BY id LIMIT 1`).Scan(&d.Oldest)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return d, fmt.Errorf("queue depth: %w", err)
	default:
		d.Oldest = d.Oldest.UTC()
	}
	return d, nil
}
