package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Leases and job runs back package jobs: a lease names the one server that
// runs a background job, until it expires; a job run claims one schedule
// period of a job, once. The same statements serve both engines (on SQLite,
// with one writer, the lease is trivially the process's own).

// Lease is the lease of one job.
type Lease struct {
	Name       string    `json:"name"`
	Holder     string    `json:"holder"`
	Expires    time.Time `json:"expires"`
	AcquiredAt time.Time `json:"acquired_at"`
	RenewedAt  time.Time `json:"renewed_at"`
}

// JobRun is one run of a job, for one schedule period.
type JobRun struct {
	ID         int64     `json:"id"`
	Job        string    `json:"job"`
	Period     time.Time `json:"period"`
	Holder     string    `json:"holder"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"` // zero while running (or when the holder died)
	Outcome    string    `json:"outcome"`
	Error      string    `json:"error,omitempty"`
}

// AcquireLease takes the lease of job name for holder until now+ttl, or
// renews it if holder has it already. It fails (false, nil) while another
// holder's lease has not expired at now. Clocks: expiry is compared by the
// caller's clock, so servers' clocks must agree to well within the TTL.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	got := false
	now = now.UTC()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var h string
		err := tx.QueryRowContext(ctx, `INSERT INTO leases (name, holder, expires_ms, acquired_at, renewed_at)
			VALUES ($1, $2, $3, $4, $4)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms,
				renewed_at = excluded.renewed_at,
				acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END
			WHERE leases.holder = excluded.holder OR leases.expires_ms < $5
			RETURNING holder`, name, holder, now.Add(ttl).UnixMilli(), now, now.UnixMilli()).Scan(&h)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			got = false
			return nil
		case err != nil:
			return err
		}
		got = h == holder
		return nil
	})
	return got, err
}

// ReleaseLease gives up holder's lease of job name (nothing if another
// holds it), so that another server may take it at once.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder)
		return err
	})
}

// Leases lists the leases, by job name.
func (s *Store) Leases(ctx context.Context) ([]Lease, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, holder, expires_ms, acquired_at, renewed_at FROM leases ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Lease
	for rows.Next() {
		var l Lease
		var ms int64
		if err := rows.Scan(&l.Name, &l.Holder, &ms, &l.AcquiredAt, &l.RenewedAt); err != nil {
			return nil, err
		}
		l.Expires = time.UnixMilli(ms).UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

// ClaimJobRun records that holder starts job for the schedule period
// beginning at period. It returns the run's id, or ok false when the
// period was claimed already (by any holder): a period runs at most once.
func (s *Store) ClaimJobRun(ctx context.Context, job string, period time.Time, holder string, now time.Time) (id int64, ok bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		id, ok = 0, false
		err := tx.QueryRowContext(ctx, `INSERT INTO job_runs (job, period_ms, holder, started_at, outcome)
			VALUES ($1, $2, $3, $4, 'running')
			ON CONFLICT (job, period_ms) DO NOTHING
			RETURNING id`, job, period.UnixMilli(), holder, now.UTC()).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return err
		}
		ok = true
		return nil
	})
	return id, ok, err
}

// FinishJobRun records the end of run id: outcome ok, failed or canceled,
// with the error's text.
func (s *Store) FinishJobRun(ctx context.Context, id int64, now time.Time, outcome, errText string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE job_runs SET finished_at = $2, outcome = $3, error = $4 WHERE id = $1`,
			id, now.UTC(), outcome, errText)
		return err
	})
}

// JobRuns lists the runs of job, by period, oldest first.
func (s *Store) JobRuns(ctx context.Context, job string) ([]JobRun, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, job, period_ms, holder, started_at, finished_at, outcome, error
		FROM job_runs WHERE job = $1 ORDER BY period_ms`, job)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []JobRun
	for rows.Next() {
		var r JobRun
		var ms int64
		var fin sql.NullTime
		if err := rows.Scan(&r.ID, &r.Job, &ms, &r.Holder, &r.StartedAt, &fin, &r.Outcome, &r.Error); err != nil {
			return nil, err
		}
		r.Period = time.UnixMilli(ms).UTC()
		r.FinishedAt = fin.Time
		out = append(out, r)
	}
	return out, rows.Err()
}
