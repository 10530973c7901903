package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Stale and removed hosts. A host that stopped reporting for the stale
// period (DefaultStaleAfter, SetStaleAfter) is stale: listed, flagged and
// counted apart. An admin may delete a host: it is kept (removed_at set)
// with its findings resolved as host-removed, and disappears from every
// listing; a later report brings it back.

// DefaultStaleAfter is how long a host may go without reporting before it
// is stale.
const DefaultStaleAfter = 7 * 24 * time.Hour

// SetStaleAfter sets the stale period (DefaultStaleAfter when d <= 0).
func (s *Store) SetStaleAfter(d time.Duration) {
	if d <= 0 {
		d = DefaultStaleAfter
	}
	s.staleAfter.Store(int64(d))
}

// SetClock sets the clock that decides which hosts are stale (time.Now
// when nil): tests inject theirs.
func (s *Store) SetClock(now func() time.Time) { s.clock.Store(&now) }

func (s *Store) now() time.Time {
	if c := s.clock.Load(); c != nil && *c != nil {
		return (*c)()
	}
	return time.Now()
}

// StaleAfter returns the stale period.
func (s *Store) StaleAfter() time.Duration {
	if d := s.staleAfter.Load(); d > 0 {
		return time.Duration(d)
	}
	return DefaultStaleAfter
}

// Activity is a Pakiti 3 activity filter: "24h" keeps the hosts that
// reported within the last 24 hours, "-7d" those that did not report for
// 7 days (units h and d).
type Activity struct {
	Within time.Duration
	Absent bool // the hosts that did not report within Within
}

// ParseActivity reads an activity filter ("" is none).
func ParseActivity(s string) (Activity, error) {
	var a Activity
	if s == "" {
		return a, nil
	}
	v, absent := strings.CutPrefix(s, "-")
	d, err := ParseAge(v)
	if err != nil {
		return a, fmt.Errorf("activity %q: want N h or N d, - first for hosts not reported since (24h, -7d)", s)
	}
	return Activity{Within: d, Absent: absent}, nil
}

// ParseAge reads a duration in hours or days ("24h", "90d") or as Go
// writes it.
func ParseAge(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return 0, fmt.Errorf("not a number of days: %q", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("not a positive duration: %q", s)
	}
	return d, nil
}

// DeleteHost removes a host in scope: kept, out of every listing, its
// open findings resolved as host-removed. ErrNotFound when no such host.
func (s *Store) DeleteHost(ctx context.Context, sc Scope, hostname string, now time.Time) (resolved int64, err error) {
	cond, args := s.scopeSQL(sc, "s", 2)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT h.id FROM hosts h JOIN sites s ON s.id = h.site_id
			WHERE h.hostname = $1 AND h.removed_at IS NULL AND `+cond, append([]any{hostname}, args...)...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if resolved, err = resolveHostFindings(ctx, tx, id, now, ResolvedHostRemoved); err != nil {
			return err
		}
		if err := deleteHostPackageChanges(ctx, tx, id); err != nil {
			return err
		}
		// header_hash and raw_hash cleared: the next report, even identical, is
		// stored as changed and evaluated again.
		_, err = tx.ExecContext(ctx, `UPDATE hosts SET removed_at = $2, raw_hash = '', header_hash = '' WHERE id = $1`, id, now.UTC())
		return err
	})
	return resolved, err
}

// HostsNotReportedSince lists the hosts in scope whose last report is
// before cut, by name.
func (s *Store) HostsNotReportedSince(ctx context.Context, sc Scope, cut time.Time) ([]string, error) {
	cond, args := s.scopeSQL(sc, "s", 2)
	rows, err := s.r.QueryContext(ctx, `SELECT h.hostname FROM hosts h JOIN sites s ON s.id = h.site_id
		WHERE h.last_report < $1 AND h.removed_at IS NULL AND `+cond+` ORDER BY h.hostname`,
		append([]any{cut.UTC()}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
