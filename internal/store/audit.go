package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// AuditEntry is one admin action: who did what to what, when.
type AuditEntry struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`  // a user name, or cli:OSUSER for the CLI
	Action string    `json:"action"` // e.g. user.add, grant.add, site.token
	Target string    `json:"target"`
	Detail string    `json:"detail,omitempty"`
}

// Audit records an admin action.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)`,
			e.At.UTC(), e.Actor, e.Action, e.Target, e.Detail)
		return err
	})
}

// AuditLog returns the newest limit entries, newest first, optionally of
// one actor.
func (s *Store) AuditLog(ctx context.Context, actor string, limit int) ([]AuditEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT at, actor, action, target, detail FROM audit_log
		WHERE $1 = '' OR actor = $1 ORDER BY id DESC LIMIT $2`, actor, limit)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.At, &e.Actor, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
