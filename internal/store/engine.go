package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
)

// engine is what differs between database engines: opening and settings,
// the migrations folder, bulk loads, list parameters, row locks and which
// errors are worth a retry. Everything else in the store is written once,
// in SQL both engines accept.
type engine interface {
	// name names the engine; it is also the folder of its migrations.
	name() string

	// open opens the write and read pools for dsn (one pool for both where
	// the engine has no single writer) and checks that the database answers.
	open(ctx context.Context, dsn string) (w, r *sql.DB, err error)

	// statement adapts an intake statement to the engine (e.g. a row lock
	// where the engine runs writers concurrently).
	statement(q string) string

	// migrationLock is run first in each migration transaction, so that
	// several servers starting at once migrate one after the other ("" for
	// none).
	migrationLock() string

	// inList returns the condition "col is one of the list $n"; the list
	// travels as one argument, made by intList or stringList.
	inList(col string, n int) string
	intList(v []int64) any
	stringList(v []string) any

	// insertMembers adds a new package set's members in one statement.
	insertMembers(ctx context.Context, tx *sql.Tx, setID int64, ids []int64) error

	// insertAdvisories adds a batch of records of one import.
	insertAdvisories(ctx context.Context, tx *sql.Tx, importID int64, source string, batch []model.Advisory) error

	// upsertDescriptions sets the descriptions of CVEs (ids unique).
	upsertDescriptions(ctx context.Context, tx *sql.Tx, ids, descs []string) error

	// upsertBinarySources files binary -> source mappings of osGroup, each
	// (name, version) once in bs, a report's ("learned") never replaced by
	// another origin's.
	upsertBinarySources(ctx context.Context, tx *sql.Tx, osGroup string, bs []BinarySource) error

	// insertSecurityUpdates adds the binaries a security index at location
	// offers (a row already there is kept).
	insertSecurityUpdates(ctx context.Context, tx *sql.Tx, location, osGroup string, ups []SecurityUpdate) error

	// stuck tells whether the connection that failed with err should be
	// closed rather than reused: it may fail for itself (opened read-only)
	// where a new connection would not, once the fault is fixed.
	stuck(err error) bool

	// dataFile names the file the database lives in ("" for a server).
	dataFile(dsn string) string

	// retryable tells whether a transaction that failed with err may
	// succeed if run again: a serialisation failure, a deadlock, a
	// unique-key race with a concurrent writer, a busy database.
	retryable(err error) bool

	// fkViolation tells whether err is a foreign key violation (a row
	// referred to was deleted, or is referred to still).
	fkViolation(err error) bool

	// foreignKeysOff returns the statements that turn foreign key
	// enforcement off and on again on a connection, outside transactions
	// ("" where the engine needs none: see inTxOpt).
	foreignKeysOff() (off, on string)

	// skipLocked is appended to a SELECT that claims rows: rows another
	// transaction holds are skipped ("" where the engine has one writer).
	skipLocked() string

	// catalogueLock is run by a transaction that reads or adds catalogue
	// ids for a new package set (shared) or deletes catalogue rows
	// (exclusive), so that the two never overlap ("" where the engine has
	// one writer: its transactions never overlap).
	catalogueLock(exclusive bool) string

	// evaluationLock is run first by a transaction that marks a package
	// set evaluated (shared) or forgets evaluations and marks (exclusive):
	// under READ COMMITTED a mark whose check ran before an invalidation
	// committed would otherwise be written after the invalidation looked
	// for marks, and hide the set's forgotten packages ("" where the
	// engine has one writer).
	evaluationLock(exclusive bool) string
}

// engineFor picks the engine of dsn and returns the DSN that engine opens.
func engineFor(dsn string) (engine, string, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return postgres{}, dsn, nil
	case strings.HasPrefix(dsn, "sqlite:"):
		dsn = strings.TrimPrefix(dsn, "sqlite:")
	case strings.Contains(dsn, "://"):
		return nil, "", fmt.Errorf("unknown database %q: use sqlite:FILE or postgres://USER:PASSWORD@HOST:PORT/DB", redact(dsn))
	}
	file, opts, _ := strings.Cut(dsn, "?")
	if file == "" {
		return nil, "", fmt.Errorf("empty SQLite file name")
	}
	eng, err := sqliteOptions(opts)
	if err != nil {
		return nil, "", err
	}
	return eng, file, nil
}

// RedactDSN hides a password in a DSN, for messages and reports.
func RedactDSN(dsn string) string { return redact(dsn) }

// redact hides a password in a DSN for messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		if i := strings.Index(dsn, "@"); i >= 0 && strings.Contains(dsn[:i], "://") {
			return dsn[:strings.Index(dsn, "://")+3] + "xxxxx" + dsn[i:]
		}
		return dsn
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
