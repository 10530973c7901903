package store

import (
	"context"
	"database/sql"
	"sync"
)

// readStmts are the reads of the report path and of a host's page and
// API prepared once on the read pool, by query text (database/sql prepares each on a connection the
// first time it runs there): SQLite parses a small query's text in about
// the time it takes to run it, and these run on every report. Only
// queries of constant text go through it, so the cache stays small.
type readStmts struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// readPrepared returns the read pool's prepared statement of q.
func (s *Store) readPrepared(ctx context.Context, q string) (*sql.Stmt, error) {
	c := &s.reads
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st, nil
	}
	st, err := s.r.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = st
	return st, nil
}

// readQuery runs the prepared read q (constant text). On PostgreSQL, pgx
// prepares and caches every statement per connection itself: q goes as is.
func (s *Store) readQuery(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s.engine.name() != "sqlite" {
		return s.r.QueryContext(ctx, q, args...)
	}
	st, err := s.readPrepared(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// readQueryRow runs the prepared single-row read q (constant text) and
// scans it.
func (s *Store) readQueryRow(ctx context.Context, q string, args []any, dest ...any) error {
	if s.engine.name() != "sqlite" {
		return s.r.QueryRowContext(ctx, q, args...).Scan(dest...)
	}
	st, err := s.readPrepared(ctx, q)
	if err != nil {
		return err
	}
	return st.QueryRowContext(ctx, args...).Scan(dest...)
}

// readRow runs the prepared single-row read q (constant text); a read
// that cannot be prepared runs as is (and fails there).
func (s *Store) readRow(ctx context.Context, q string, args ...any) *sql.Row {
	if s.engine.name() == "sqlite" {
		if st, err := s.readPrepared(ctx, q); err == nil {
			return st.QueryRowContext(ctx, args...)
		}
	}
	return s.r.QueryRowContext(ctx, q, args...)
}

func (c *readStmts) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}
