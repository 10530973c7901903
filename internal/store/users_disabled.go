package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Disabled users (migration 0018): an admin may disable a user without
// deleting it; its grants and tokens stay, but internal/auth refuses it
// (login, session, API token, header, certificate) until it is enabled.

// SetUserDisabled disables (or enables) the user name. Disabling ends the
// user's sessions.
func (s *Store) SetUserDisabled(ctx context.Context, name string, disabled bool, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		id, err := userID(ctx, tx, name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM users_disabled WHERE user_id = $1`, id); err != nil {
			return err
		}
		if !disabled {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO users_disabled (user_id, disabled_at) VALUES ($1, $2)`, id, now.UTC())
		return err
	})
}

// UserDisabled tells whether the user id is disabled.
func (s *Store) UserDisabled(ctx context.Context, id int64) (bool, error) {
	var at time.Time
	err := s.r.QueryRowContext(ctx, `SELECT disabled_at FROM users_disabled WHERE user_id = $1`, id).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("user disabled: %w", err)
	}
	return true, nil
}

// DisabledUsers returns the names of the disabled users.
func (s *Store) DisabledUsers(ctx context.Context) (map[string]bool, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT u.name FROM users_disabled d JOIN users u ON u.id = d.user_id`)
	if err != nil {
		return nil, fmt.Errorf("disabled users: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[n] = true
	}
	return out, rows.Err()
}
