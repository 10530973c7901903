package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// setModule records the module stream of a catalogue package first
// reported without one, and forgets its evaluations (they were decided
// without the stream): the host reporting it is evaluated next, other
// hosts with the package when they report again or an import touches it.
func (s *Store) setModule(ctx context.Context, tx *sql.Tx, packageID int64, module string) error {
	res, err := tx.ExecContext(ctx, `UPDATE packages SET module = $1 WHERE id = $2 AND module = ''`, module, packageID)
	if err != nil {
		return fmt.Errorf("module of catalogue package %d: %w", packageID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	for _, q := range []string{
		`DELETE FROM set_evaluated WHERE os_group IN (SELECT os_group FROM evaluated WHERE package_id = $1)`,
		`DELETE FROM verdicts WHERE package_id = $1`,
		`DELETE FROM evaluated WHERE package_id = $1`,
	} {
		if _, err := tx.ExecContext(ctx, q, packageID); err != nil {
			return fmt.Errorf("forget evaluations of catalogue package %d: %w", packageID, err)
		}
	}
	return nil
}

// HostModules is what a host said of its RPM module streams.
type HostModules struct {
	Known   bool     // the host said (protocol 6 modules: header)
	Streams []string // the enabled streams, "name:stream"
}

// saveHostModules records what a changed report said of the host's
// enabled module streams (a report that says nothing forgets them).
func (s *Store) saveHostModules(ctx context.Context, tx *sql.Tx, hostID int64, newHost bool, m HostModules) error {
	var err error
	switch {
	case m.Known:
		_, err = tx.ExecContext(ctx, `INSERT INTO host_modules (host_id, streams) VALUES ($1, $2)
			ON CONFLICT (host_id) DO UPDATE SET streams = excluded.streams`, hostID, strings.Join(m.Streams, " "))
	case !newHost:
		_, err = tx.ExecContext(ctx, `DELETE FROM host_modules WHERE host_id = $1`, hostID)
	}
	if err != nil {
		return fmt.Errorf("save module streams: %w", err)
	}
	return nil
}

// HostModules returns the enabled module streams of a host in scope.
func (s *Store) HostModules(ctx context.Context, sc Scope, hostname string) (HostModules, error) {
	cond, args := s.scopeSQL(sc, "s", 2)
	var streams string
	err := s.r.QueryRowContext(ctx, `SELECT hm.streams FROM host_modules hm
		JOIN hosts h ON h.id = hm.host_id JOIN sites s ON s.id = h.site_id
		WHERE h.hostname = $1 AND `+cond, append([]any{hostname}, args...)...).Scan(&streams)
	if errors.Is(err, sql.ErrNoRows) {
		return HostModules{}, nil
	}
	if err != nil {
		return HostModules{}, fmt.Errorf("modules of %s: %w", hostname, err)
	}
	return HostModules{Known: true, Streams: strings.Fields(streams)}, nil
}
