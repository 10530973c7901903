// Package store keeps hosts, reports and package sets in SQL over
// database/sql, on SQLite or PostgreSQL. One set of queries serves every
// engine ($1 placeholders, ON CONFLICT, RETURNING); what differs per engine
// (opening, settings, bulk loads, list parameters, locks, retryable errors)
// lives behind the engine interface (engine*.go) and in migrations/<engine>/.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNotFound is returned when the asked-for row does not exist or lies
// outside the caller's scope.
var ErrNotFound = errors.New("not found")

// Store is the database. Writes go through w (a single connection on
// SQLite, so writers queue in Go instead of failing busy; on PostgreSQL the
// one pool of r); reads through r.
type Store struct {
	engine engine
	w, r   *sql.DB

	cache *catalogueCache

	mu    sync.Mutex
	sites map[string]int64 // site name -> id; sites are never deleted

	stmts map[string]*sql.Stmt // prepared on w at Open, by query text; read-only after

	severity    SeverityOf                       // ranks vendor severity words (SetSeverity); nil: all alike
	coverage    CoverageConfig                   // how data states are worked out (SetCoverage)
	policy      atomic.Pointer[FindingPolicy]    // tags and exceptions the findings writer applies (SetPolicy)
	facts       factsCache                       // finding_facts ids by digest
	targets     targetCache                      // shared targets by digest, their rows by id (targets.go)
	decoded     decodedTargets                   // targets' findings, decoded, for the host reads (findings.go)
	hostStats   hostStats                        // hosts moved since hosts was analyzed (hoststats.go)
	vulnTargets targetCVEs                       // targets' CVEs for the vulnerabilities listing and tag exposure (vulncache.go)
	dataCVEs    dataCVECache                     // the stats' CVE count, per data generation (stats.go)
	kev         kevCache                         // the known-exploited CVE ids, per import (kev.go)
	clock       atomic.Pointer[func() time.Time] // SetClock; nil: time.Now
	staleAfter  atomic.Int64                     // the stale period in ns (SetStaleAfter); 0: DefaultStaleAfter
	file        *fileWatch                       // the SQLite file opened; nil on PostgreSQL
	health      health
	data        dataCache    // the data in force, per data generation (datacache.go)
	reads       readStmts    // reads of the report path, prepared (readstmts.go)
	touches     touchBatcher // concurrent TouchUnchanged calls, one transaction (touchbatch.go)
	saves       saveBatcher  // concurrent SaveReport calls on SQLite, one transaction (savebatch.go)
	hints       *resendHints // hosts' last raw report hashes, SQLite only (resendhints.go); nil on PostgreSQL
	knownSets   knownSets    // KnownSet's answers by raw hash (knownsets.go)
}

// Open opens (creating if needed) the database named by dsn and brings its
// schema up to date. dsn is "sqlite:FILE" (or a bare file name) or
// "postgres://USER:PASSWORD@HOST:PORT/DB?..." (also "postgresql://").
func Open(ctx context.Context, dsn string) (*Store, error) {
	eng, dsn, err := engineFor(dsn)
	if err != nil {
		return nil, err
	}
	w, r, err := eng.open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	s := &Store{engine: eng, w: w, r: r, cache: newCatalogueCache(1 << 20),
		sites: map[string]int64{}, stmts: map[string]*sql.Stmt{}}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.prepareHot(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.file = newFileWatch(eng.dataFile(dsn))
	if eng.name() == "sqlite" {
		s.hints = newResendHints()
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	for _, st := range s.stmts {
		st.Close()
	}
	s.reads.close()
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Ping checks that the database answers a read (Health tells whether
// it takes writes).
func (s *Store) Ping(ctx context.Context) error {
	return s.r.PingContext(ctx)
}

// Engine names the database engine ("sqlite" or "postgres").
func (s *Store) Engine() string { return s.engine.name() }

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

// prepared returns tx's handle on the statement q. Statements of the
// intake path are prepared once on the writer pool (prepareHot, at Open:
// the pool's one connection cannot be asked for while a transaction holds
// it); others are prepared in tx. Parsing SQL costs SQLite more than
// running the small statements of the intake path.
func (s *Store) prepared(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	if st, ok := s.stmts[q]; ok {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, s.engine.statement(q))
}

// prepareHot prepares the statements of the intake path on the writer pool.
func (s *Store) prepareHot(ctx context.Context) error {
	for _, q := range hotStatements {
		st, err := s.w.PrepareContext(ctx, s.engine.statement(q))
		if err != nil {
			return fmt.Errorf("prepare %.40s...: %w", q, err)
		}
		s.stmts[q] = st
	}
	return nil
}

// txExec runs a prepared statement in tx.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, q string, args ...any) error {
	st, err := s.prepared(ctx, tx, q)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, args...)
	return err
}

// txQueryRow runs a prepared single-row query in tx and scans it.
func (s *Store) txQueryRow(ctx context.Context, tx *sql.Tx, q string, args []any, dest ...any) error {
	st, err := s.prepared(ctx, tx, q)
	if err != nil {
		return err
	}
	return st.QueryRowContext(ctx, args...).Scan(dest...)
}
