package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The evaluation queue: (OS group, package set) pairs whose verdicts an
// import changed, waiting to be evaluated with their hosts' findings
// refreshed. Invalidation enqueues in the transaction that forgets the
// verdicts, so the work survives a restart; workers (match.Matcher.Drain,
// run under the evaluation job's lease and after each import) claim rows
// for a TTL, so a row is worked once across servers and taken again when
// its worker died. A row enqueued again while claimed gets a new
// generation: the worker finishing the older claim leaves it queued.

// EvalWork is one claimed (OS group, package set).
type EvalWork struct {
	OSGroup    string
	SetID      int64
	Generation int64
}

// enqueueSets queues (group, set) pairs in tx.
func enqueueSets(ctx context.Context, tx *sql.Tx, group string, sets []int64, now time.Time) error {
	if len(sets) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO eval_queue (os_group, set_id, enqueued_at) VALUES ($1, $2, $3)
		ON CONFLICT (os_group, set_id) DO UPDATE SET generation = eval_queue.generation + 1,
			enqueued_at = excluded.enqueued_at, claimed_by = '', claim_expires_ms = 0, attempts = 0, error = ''`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, id := range sets {
		if _, err := st.ExecContext(ctx, group, id, now.UTC()); err != nil {
			return fmt.Errorf("enqueue set %d: %w", id, err)
		}
	}
	return nil
}

// EnqueueGroup queues every package set of the hosts of group, forgetting
// their evaluation marks (a Packages index arrived, OS group rules
// changed).
func (s *Store) EnqueueGroup(ctx context.Context, group string, now time.Time) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockEvaluations(ctx, tx, true); err != nil {
			return err
		}
		sets, err := groupSets(ctx, tx, group)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM set_evaluated WHERE os_group = $1`, group); err != nil {
			return err
		}
		n = len(sets)
		return enqueueSets(ctx, tx, group, sets, now)
	})
	return n, err
}

// groupSets lists the package sets of the hosts of group.
func groupSets(ctx context.Context, tx *sql.Tx, group string) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT package_set_id FROM hosts
		WHERE os_group = $1 AND removed_at IS NULL ORDER BY package_set_id`, group)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ClaimEvalWork claims up to n queued pairs for holder until now+ttl,
// oldest first.
func (s *Store) ClaimEvalWork(ctx context.Context, holder string, n int, now time.Time, ttl time.Duration) ([]EvalWork, error) {
	var out []EvalWork
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `UPDATE eval_queue SET claimed_by = $1, claim_expires_ms = $2, attempts = attempts + 1
			WHERE (os_group, set_id) IN (SELECT os_group, set_id FROM eval_queue WHERE claim_expires_ms < $3
				ORDER BY enqueued_at, os_group, set_id LIMIT $4`+s.engine.skipLocked()+`)
			RETURNING os_group, set_id, generation`, holder, now.Add(ttl).UnixMilli(), now.UnixMilli(), n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var w EvalWork
			if err := rows.Scan(&w.OSGroup, &w.SetID, &w.Generation); err != nil {
				return err
			}
			out = append(out, w)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("claim evaluation work: %w", err)
	}
	return out, nil
}

// FinishEvalWork removes done work, unless it was enqueued again since it
// was claimed.
func (s *Store) FinishEvalWork(ctx context.Context, w EvalWork) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM eval_queue WHERE os_group = $1 AND set_id = $2 AND generation = $3`,
			w.OSGroup, w.SetID, w.Generation)
		return err
	})
}

// FailEvalWork records a failed attempt; the work is claimed again after
// retry.
func (s *Store) FailEvalWork(ctx context.Context, w EvalWork, now time.Time, retry time.Duration, msg string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE eval_queue SET claimed_by = '', claim_expires_ms = $4, error = $5
			WHERE os_group = $1 AND set_id = $2 AND generation = $3`,
			w.OSGroup, w.SetID, w.Generation, now.Add(retry).UnixMilli(), msg)
		return err
	})
}

// EvalQueueDepth counts the queued pairs.
func (s *Store) EvalQueueDepth(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM eval_queue`).Scan(&n)
	return n, err
}
