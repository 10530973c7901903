package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// OS group rules kept in the database (table os_rules, migration 0012):
// an ordered list, positions 1..n, that internal/osrules puts before the
// rule file's and the built-in rules. Every change bumps the one-row
// counter os_rules_version in its transaction, so that servers sharing the
// database notice it with one read (OSRulesVersion) and re-read the rules.
// The store checks positions and ids; the regular expressions and group
// templates are checked by the caller (osgroup.Compile) before they come
// here.

// OSRule is one rule of the database.
type OSRule struct {
	ID       int64  `json:"id"`
	Position int    `json:"position"` // 1 is tried first
	Pattern  string `json:"match"`    // regular expression
	// OSID: the pattern is tried against os-release "ID VERSION_ID"
	// (protocol 6) instead of the system: line.
	OSID      bool      `json:"os_id_rule"`
	Group     string    `json:"group"` // template: $1, ${name}
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// OSRules returns the rules of the database in order, with the version of
// the rule table they were read at or after (the version is read first: a
// change in between is seen again at the next version check).
func (s *Store) OSRules(ctx context.Context) ([]OSRule, int64, error) {
	v, err := s.OSRulesVersion(ctx)
	if err != nil {
		return nil, 0, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, position, pattern, os_id, os_group, created_at, updated_at
		FROM os_rules ORDER BY position, id`)
	if err != nil {
		return nil, 0, fmt.Errorf("OS rules: %w", err)
	}
	defer rows.Close()
	var out []OSRule
	for rows.Next() {
		var r OSRule
		if err := rows.Scan(&r.ID, &r.Position, &r.Pattern, &r.OSID, &r.Group, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return nil, 0, err
		}
		r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("OS rules: %w", err)
	}
	return out, v, nil
}

// OSRulesVersion is the version of the rule table: 0 before the first
// change, one more at every change. One primary-key read.
func (s *Store) OSRulesVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM os_rules_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("OS rules version: %w", err)
	}
	return v, nil
}

// bumpOSRules raises the version in tx, first thing: on PostgreSQL the row
// lock it takes orders concurrent changes, so each sees the positions the
// previous one left.
func bumpOSRules(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO os_rules_version (id, version) VALUES (1, 1)
		ON CONFLICT (id) DO UPDATE SET version = os_rules_version.version + 1`)
	if err != nil {
		return fmt.Errorf("OS rules version: %w", err)
	}
	return nil
}

// osRuleCount is the number of rules in tx.
func osRuleCount(ctx context.Context, tx *sql.Tx) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM os_rules`).Scan(&n)
	return n, err
}

func txOSRule(ctx context.Context, tx *sql.Tx, id int64) (OSRule, error) {
	var r OSRule
	err := tx.QueryRowContext(ctx, `SELECT id, position, pattern, os_id, os_group, created_at, updated_at
		FROM os_rules WHERE id = $1`, id).Scan(&r.ID, &r.Position, &r.Pattern, &r.OSID, &r.Group, &r.CreatedAt, &r.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("OS rule %d: %w", id, ErrNotFound)
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, err
}

// ErrBadPosition is returned for a position below 1.
var ErrBadPosition = errors.New("a rule's position is 1 or more (1 is tried first)")

// AddOSRule inserts r at r.Position (0, or past the end: last), moving the
// rules from there down by one, and returns it as stored.
func (s *Store) AddOSRule(ctx context.Context, r OSRule, now time.Time) (OSRule, error) {
	if r.Position < 0 {
		return r, ErrBadPosition
	}
	now = now.UTC()
	out := r
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		out = r
		if err := bumpOSRules(ctx, tx); err != nil {
			return err
		}
		n, err := osRuleCount(ctx, tx)
		if err != nil {
			return err
		}
		if out.Position == 0 || out.Position > n+1 {
			out.Position = n + 1
		}
		if _, err := tx.ExecContext(ctx, `UPDATE os_rules SET position = position + 1 WHERE position >= $1`, out.Position); err != nil {
			return err
		}
		out.CreatedAt, out.UpdatedAt = now, now
		return tx.QueryRowContext(ctx, `INSERT INTO os_rules (position, pattern, os_id, os_group, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, out.Position, out.Pattern, out.OSID, out.Group, now).Scan(&out.ID)
	})
	if err != nil {
		return r, fmt.Errorf("add OS rule: %w", err)
	}
	return out, nil
}

// UpdateOSRule changes the pattern, os-release flag and group of rule id
// (its position stays: MoveOSRule) and returns the rule before and after.
func (s *Store) UpdateOSRule(ctx context.Context, id int64, pattern string, osID bool, group string, now time.Time) (before, after OSRule, err error) {
	now = now.UTC()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := bumpOSRules(ctx, tx); err != nil {
			return err
		}
		if before, err = txOSRule(ctx, tx, id); err != nil {
			return err
		}
		after = before
		after.Pattern, after.OSID, after.Group, after.UpdatedAt = pattern, osID, group, now
		_, err := tx.ExecContext(ctx, `UPDATE os_rules SET pattern = $2, os_id = $3, os_group = $4, updated_at = $5 WHERE id = $1`,
			id, pattern, osID, group, now)
		return err
	})
	if err != nil {
		return before, after, fmt.Errorf("change OS rule: %w", err)
	}
	return before, after, nil
}

// MoveOSRule moves rule id to position to (past the end: last), shifting
// the rules in between by one, and returns the rule before and after.
func (s *Store) MoveOSRule(ctx context.Context, id int64, to int, now time.Time) (before, after OSRule, err error) {
	if to < 1 {
		return before, after, ErrBadPosition
	}
	now = now.UTC()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := bumpOSRules(ctx, tx); err != nil {
			return err
		}
		if before, err = txOSRule(ctx, tx, id); err != nil {
			return err
		}
		n, err := osRuleCount(ctx, tx)
		if err != nil {
			return err
		}
		after = before
		after.Position = min(to, n)
		from := before.Position
		switch {
		case after.Position < from:
			_, err = tx.ExecContext(ctx, `UPDATE os_rules SET position = position + 1 WHERE position >= $1 AND position < $2`, after.Position, from)
		case after.Position > from:
			_, err = tx.ExecContext(ctx, `UPDATE os_rules SET position = position - 1 WHERE position > $1 AND position <= $2`, from, after.Position)
		}
		if err != nil {
			return err
		}
		after.UpdatedAt = now
		_, err = tx.ExecContext(ctx, `UPDATE os_rules SET position = $2, updated_at = $3 WHERE id = $1`, id, after.Position, now)
		return err
	})
	if err != nil {
		return before, after, fmt.Errorf("move OS rule: %w", err)
	}
	return before, after, nil
}

// RemoveOSRule deletes rule id, moving the rules after it up by one, and
// returns it as it was.
func (s *Store) RemoveOSRule(ctx context.Context, id int64) (OSRule, error) {
	var r OSRule
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := bumpOSRules(ctx, tx); err != nil {
			return err
		}
		var err error
		if r, err = txOSRule(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM os_rules WHERE id = $1`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE os_rules SET position = position - 1 WHERE position > $1`, r.Position)
		return err
	})
	if err != nil {
		return r, fmt.Errorf("remove OS rule: %w", err)
	}
	return r, nil
}

// HostOS is what the OS group rules read of a stored host (the report's
// system: line, os-release ID and VERSION_ID), with the group it has now
// and how many hosts share all four.
type HostOS struct {
	OS          string
	OSID        string
	OSVersionID string
	OSGroup     string
	Hosts       int
}

// HostOSFacts returns the distinct OS facts and groups of the hosts in
// scope, so that new rules can be tried once per distinct OS instead of
// once per host.
func (s *Store) HostOSFacts(ctx context.Context, sc Scope) ([]HostOS, error) {
	cond, args := s.scopeSQL(sc, "st", 1)
	rows, err := s.r.QueryContext(ctx, `SELECT h.os, h.os_id, h.os_version_id, h.os_group, COUNT(*)
		FROM hosts h JOIN sites st ON st.id = h.site_id WHERE `+cond+`
		GROUP BY h.os, h.os_id, h.os_version_id, h.os_group ORDER BY h.os, h.os_id, h.os_version_id, h.os_group`, args...)
	if err != nil {
		return nil, fmt.Errorf("hosts' OS facts: %w", err)
	}
	defer rows.Close()
	var out []HostOS
	for rows.Next() {
		var h HostOS
		if err := rows.Scan(&h.OS, &h.OSID, &h.OSVersionID, &h.OSGroup, &h.Hosts); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// RegroupHosts sets the OS group of the hosts in scope with the facts and
// group of from to group to, and returns their names. A host that reported
// other facts (or got another group) since from was read is left alone.
func (s *Store) RegroupHosts(ctx context.Context, sc Scope, from HostOS, to string) ([]string, error) {
	cond, args := s.scopeSQL(sc, "st", 6)
	var names []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		names = names[:0]
		rows, err := tx.QueryContext(ctx, `UPDATE hosts SET os_group = $1
			WHERE os = $2 AND os_id = $3 AND os_version_id = $4 AND os_group = $5
			AND site_id IN (SELECT st.id FROM sites st WHERE `+cond+`) RETURNING hostname`,
			append([]any{to, from.OS, from.OSID, from.OSVersionID, from.OSGroup}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			names = append(names, n)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("regroup hosts: %w", err)
	}
	return names, nil
}
