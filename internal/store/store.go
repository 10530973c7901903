// Package store keeps hosts, reports and package sets in SQL over
// database/sql. One set of queries serves every engine ($1 placeholders,
// ON CONFLICT, RETURNING); what differs per engine (opening, pragmas,
// migrations) lives in engine.go and migrations/<engine>/.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// ErrNotFound is returned when the asked-for row does not exist or lies
// outside the caller's scope.
var ErrNotFound = errors.New("not found")

// Store is the database. Writes go through w (a single connection on
// SQLite, so writers queue in Go instead of failing busy); reads through r.
type Store struct {
	engine engine
	w, r   *sql.DB

	cache *catalogueCache

	mu    sync.Mutex
	sites map[string]int64 // site name -> id; sites are never deleted
}

// Open opens (creating if needed) the database named by dsn and brings its
// schema up to date. dsn is "sqlite:FILE" (or a bare file name); other
// engines follow.
func Open(ctx context.Context, dsn string) (*Store, error) {
	eng, w, r, err := openEngine(dsn)
	if err != nil {
		return nil, err
	}
	s := &Store{engine: eng, w: w, r: r, cache: newCatalogueCache(1 << 20), sites: map[string]int64{}}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.r.PingContext(ctx)
}

// Engine names the database engine ("sqlite").
func (s *Store) Engine() string { return s.engine.name }

// inTx runs fn in one write transaction, committed if fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// placeholders returns "$from, $from+1, ..., $from+n-1".
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}
