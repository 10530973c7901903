package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrDatabaseGone means the SQLite file the server opened was removed or
// replaced under it: what it writes now goes to a file no one will open
// again, so nothing may be acknowledged until a restart opens the file
// that is there.
var ErrDatabaseGone = errors.New("the database file was removed or replaced")

// goneError names the file; it matches ErrDatabaseGone.
type goneError struct {
	file, why string
}

func (e *goneError) Error() string {
	return fmt.Sprintf("the database file %s was removed or replaced (%s); restart the server", e.file, e.why)
}

func (e *goneError) Is(target error) bool { return target == ErrDatabaseGone }

// fileWatch remembers the identity (device and inode) of the SQLite file
// at Open and tells when the path names another file or none. A stat
// costs about a microsecond: it runs before and after every write
// transaction. Once gone, it stays gone.
type fileWatch struct {
	path     string
	dev, ino uint64
	gone     atomic.Pointer[goneError]
}

// newFileWatch returns the watch of path, or nil when path is no file
// (an in-memory database) or its identity cannot be read.
func newFileWatch(path string) *fileWatch {
	if path == "" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	return &fileWatch{path: path, dev: uint64(st.Dev), ino: uint64(st.Ino)}
}

// check returns a goneError when the file was removed or replaced.
func (f *fileWatch) check() error {
	if f == nil {
		return nil
	}
	if g := f.gone.Load(); g != nil {
		return g
	}
	why := ""
	fi, err := os.Stat(f.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		why = "no file at that path"
	case err != nil:
		return nil // cannot tell (permissions of a parent): the writes say
	default:
		st, ok := fi.Sys().(*syscall.Stat_t)
		if ok && (uint64(st.Dev) != f.dev || uint64(st.Ino) != f.ino) {
			why = "another file at that path"
		}
	}
	if why == "" {
		return nil
	}
	g := &goneError{file: f.path, why: why}
	f.gone.CompareAndSwap(nil, g)
	return f.gone.Load()
}

// HealthTTL is how long a write probe's verdict is reused: /healthz costs
// at most one small write transaction per HealthTTL, however often it is
// asked.
var HealthTTL = time.Second

// health caches the last write probe.
type health struct {
	mu  sync.Mutex
	at  time.Time
	err error
	// lastCommit is when a write transaction last committed (UnixNano): a
	// commit within HealthTTL proves writes work without a probe.
	lastCommit atomic.Int64
}

// Health tells whether a report could be stored now: the database file is
// the one opened (SQLite) and a write transaction commits. The probe is a
// real write (one row of table health rewritten), run at most once per
// HealthTTL; a write committed by the intake within HealthTTL counts as
// one. A failing probe discards its connection, so that a connection
// stuck read-only is reopened once the fault is fixed.
func (s *Store) Health(ctx context.Context) error {
	if err := s.file.check(); err != nil {
		return err
	}
	if time.Since(time.Unix(0, s.health.lastCommit.Load())) < HealthTTL {
		return nil
	}
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	if !s.health.at.IsZero() && time.Since(s.health.at) < HealthTTL {
		return s.health.err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO health (id, probed_at) VALUES (1, $1)
			ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at`, time.Now().UTC())
		return err
	})
	if err != nil {
		err = fmt.Errorf("a write to the database fails: %w", err)
	}
	s.health.at, s.health.err = time.Now(), err
	return err
}

// discard closes conn instead of returning it to the pool when err says
// the connection itself may be what fails (engine.stuck): a SQLite
// connection opened read-only stays read-only, a PostgreSQL session keeps
// the default_transaction_read_only it started with.
func (s *Store) discard(conn *sql.Conn, err error) {
	if err == nil || !s.engine.stuck(err) {
		return
	}
	conn.Raw(func(any) error { return driver.ErrBadConn })
}
