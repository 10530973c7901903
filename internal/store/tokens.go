package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Tokens and sessions are stored as the SHA-256 of their value (made by
// internal/auth): a copy of the database opens no account and posts no
// report.

// APIToken describes a user's API token (never its value).
type APIToken struct {
	ID        int64      `json:"id"`
	User      string     `json:"user"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// AddAPIToken stores the hash of a new API token of user, valid until
// expires (zero: no expiry), and returns its id.
func (s *Store) AddAPIToken(ctx context.Context, user, hash string, expires time.Time) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		uid, err := userID(ctx, tx, user)
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4) RETURNING id`, uid, hash, time.Now().UTC(), nullTime(expires)).Scan(&id)
	})
	return id, err
}

// APITokens lists a user's tokens ("" for every user's), newest first.
func (s *Store) APITokens(ctx context.Context, user string) ([]APIToken, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT t.id, u.name, t.created_at, t.expires_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE $1 = '' OR u.name = $1 ORDER BY t.id DESC`, user)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	defer rows.Close()
	out := []APIToken{}
	for rows.Next() {
		var t APIToken
		var exp, rev sql.NullTime
		if err := rows.Scan(&t.ID, &t.User, &t.CreatedAt, &exp, &rev); err != nil {
			return nil, err
		}
		t.ExpiresAt, t.RevokedAt = timePtr(exp), timePtr(rev)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken revokes user's token id.
func (s *Store) RevokeAPIToken(ctx context.Context, user string, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		uid, err := userID(ctx, tx, user)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL`,
			time.Now().UTC(), id, uid)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%s has no live token %d: %w", user, id, ErrNotFound)
		}
		return nil
	})
}

// UserByAPIToken returns the user of a live (not revoked, not expired at
// now) API token's hash.
func (s *Store) UserByAPIToken(ctx context.Context, hash string, now time.Time) (User, error) {
	var name string
	var exp, rev sql.NullTime
	err := s.r.QueryRowContext(ctx, `SELECT u.name, t.expires_at, t.revoked_at FROM api_tokens t
		JOIN users u ON u.id = t.user_id WHERE t.hash = $1`, hash).Scan(&name, &exp, &rev)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (rev.Valid || exp.Valid && !now.Before(exp.Time)) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("api token: %w", err)
	}
	u, _, err := s.UserByName(ctx, name)
	return u, err
}

// AddSession stores a web session (the hash of its cookie) of user until
// expires, and deletes the sessions expired by now.
func (s *Store) AddSession(ctx context.Context, user, hash string, now, expires time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		uid, err := userID(ctx, tx, user)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now.UTC()); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO sessions (hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			hash, uid, now.UTC(), expires.UTC())
		return err
	})
}

// UserBySession returns the user of a session not expired at now.
func (s *Store) UserBySession(ctx context.Context, hash string, now time.Time) (User, error) {
	var name string
	var exp time.Time
	err := s.r.QueryRowContext(ctx, `SELECT u.name, se.expires_at FROM sessions se JOIN users u ON u.id = se.user_id
		WHERE se.hash = $1`, hash).Scan(&name, &exp)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !now.Before(exp) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("session: %w", err)
	}
	u, _, err := s.UserByName(ctx, name)
	return u, err
}

// DeleteSession ends a session (logout).
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE hash = $1`, hash)
		return err
	})
}

// AddFeedToken stores the hash of a new report token of site (created if
// missing) and returns its id.
func (s *Store) AddFeedToken(ctx context.Context, site, hash string) (int64, error) {
	now := time.Now().UTC()
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var sid int64
		if err := tx.QueryRowContext(ctx, qAddSite, site, now).Scan(&sid); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO feed_tokens (site_id, hash, created_at) VALUES ($1, $2, $3) RETURNING id`,
			sid, hash, now).Scan(&id)
	})
	return id, err
}

// RevokeFeedTokens revokes every report token of site and returns how many.
func (s *Store) RevokeFeedTokens(ctx context.Context, site string) (int, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE feed_tokens SET revoked_at = $1
			WHERE revoked_at IS NULL AND site_id = (SELECT id FROM sites WHERE name = $2)`, time.Now().UTC(), site)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// FeedTokenSite returns the site of a live report token's hash.
func (s *Store) FeedTokenSite(ctx context.Context, hash string) (string, error) {
	var site string
	err := s.r.QueryRowContext(ctx, `SELECT s.name FROM feed_tokens t JOIN sites s ON s.id = t.site_id
		WHERE t.hash = $1 AND t.revoked_at IS NULL`, hash).Scan(&site)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("feed token: %w", err)
	}
	return site, nil
}

func nullTime(t time.Time) sql.NullTime {
	if t.IsZero() {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC(), Valid: true}
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}
