package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
	sqlitedrv "modernc.org/sqlite" // the pure-Go SQLite driver
	sqlite3 "modernc.org/sqlite/lib"
)

// sqlite is the default engine: one file, no set-up, one writer.
type sqlite struct {
	// synchronous is the PRAGMA synchronous of every connection: FULL
	// (the default) syncs the WAL at every commit, so that an acknowledged
	// report survives a power loss; NORMAL syncs only at checkpoints and
	// may lose the last commits on power loss (never on a crash of the
	// server alone). "" is the default.
	synchronous string
}

// DefaultSynchronous is SQLite's synchronous setting unless the DSN says
// otherwise (sqlite:FILE?synchronous=normal).
const DefaultSynchronous = "FULL"

// sqliteOptions reads the options of a SQLite DSN (sqlite:FILE?opts):
// synchronous=full|normal.
func sqliteOptions(raw string) (sqlite, error) {
	eng := sqlite{synchronous: DefaultSynchronous}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return eng, fmt.Errorf("SQLite options %q: %v", raw, err)
	}
	for k, vs := range q {
		v := vs[len(vs)-1]
		switch k {
		case "synchronous":
			switch strings.ToUpper(v) {
			case "FULL", "NORMAL":
				eng.synchronous = strings.ToUpper(v)
			default:
				return eng, fmt.Errorf("SQLite option synchronous=%q: want full (an acknowledged report survives a power loss) or normal (faster; the last reports may be lost on power loss)", v)
			}
		default:
			return eng, fmt.Errorf("unknown SQLite option %s (known: synchronous)", k)
		}
	}
	return eng, nil
}

func (sqlite) name() string { return "sqlite" }

func (sqlite) dataFile(file string) string {
	if file == ":memory:" || strings.HasPrefix(file, "file:") {
		return ""
	}
	return file
}

// stuck: a connection that found its file read-only (SQLite opens a file
// it cannot write read-only, and stays so), or failed to read or write it.
func (sqlite) stuck(err error) bool {
	var e *sqlitedrv.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_FULL:
		return true
	}
	return false
}

func (e sqlite) open(ctx context.Context, file string) (*sql.DB, *sql.DB, error) {
	w, err := e.openPool(file, true)
	if err != nil {
		return nil, nil, err
	}
	r, err := e.openPool(file, false)
	if err != nil {
		w.Close()
		return nil, nil, err
	}
	return w, r, nil
}

// openPool opens a pool on file in WAL mode with a busy timeout. The
// writer pool holds one connection and starts transactions IMMEDIATE, so
// that two writers never deadlock on a lock upgrade; readers share several.
func (e sqlite) openPool(file string, writer bool) (*sql.DB, error) {
	sync := e.synchronous
	if sync == "" {
		sync = DefaultSynchronous
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "synchronous(" + sync + ")", "foreign_keys(ON)"} {
		q.Add("_pragma", p)
	}
	q.Set("_time_format", "sqlite")
	if writer {
		q.Set("_txlock", "immediate")
	}
	db, err := sql.Open("sqlite", "file:"+file+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	if writer {
		db.SetMaxOpenConns(1)
	} else {
		db.SetMaxOpenConns(8)
	}
	db.SetMaxIdleConns(8)
	return db, nil
}

// The writer is one connection: its transactions never race each other.
func (sqlite) statement(q string) string { return q }

func (sqlite) migrationLock() string { return "" }

func (sqlite) inList(col string, n int) string {
	return fmt.Sprintf("%s IN (SELECT value FROM json_each($%d))", col, n)
}

// Lists travel as JSON arrays, which SQLite expands with json_each
// (numbered parameters by the thousand cost SQLite more than the rows).
func (sqlite) intList(v []int64) any { return jsonInts(v) }

func (sqlite) stringList(v []string) any {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonInts(v []int64) string {
	arr := make([]byte, 0, len(v)*7+2)
	arr = append(arr, '[')
	for i, id := range v {
		if i > 0 {
			arr = append(arr, ',')
		}
		arr = strconv.AppendInt(arr, id, 10)
	}
	return string(append(arr, ']'))
}

func (sqlite) insertMembers(ctx context.Context, tx *sql.Tx, setID int64, ids []int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO package_set_members (set_id, package_id)
		SELECT $1, value FROM json_each($2)`, setID, jsonInts(ids))
	return err
}

// insertAdvisories runs one prepared statement per record: in-process,
// a row costs SQLite less than decoding it from JSON.
func (sqlite) insertAdvisories(ctx context.Context, tx *sql.Tx, importID int64, source string, batch []model.Advisory) error {
	ins, err := tx.PrepareContext(ctx, `INSERT INTO advisories (import_id, source, origin, os_group, package,
		cve, fixed_version, status, severity, advisory_id, arch, note, temporary, module, published)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	for _, a := range batch {
		if _, err := ins.ExecContext(ctx, importID, source, a.Source, a.OSGroup, a.Package, a.CVE,
			a.FixedVersion, string(a.Status), a.Severity, a.AdvisoryID, a.Arch, a.Note, a.Temporary,
			a.Module, publishedArg(a.Published)); err != nil {
			return fmt.Errorf("record %s %s %s: %w", a.OSGroup, a.Package, a.CVE, err)
		}
	}
	return nil
}

func (sqlite) upsertDescriptions(ctx context.Context, tx *sql.Tx, ids, descs []string) error {
	if len(ids) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO cves (id, description) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET description = excluded.description`)
	if err != nil {
		return err
	}
	defer st.Close()
	for i := range ids {
		if _, err := st.ExecContext(ctx, ids[i], descs[i]); err != nil {
			return err
		}
	}
	return nil
}

// upsertBinarySources runs one prepared statement per mapping (in
// process, cheaper than decoding a batch from JSON).
func (sqlite) upsertBinarySources(ctx context.Context, tx *sql.Tx, osGroup string, bs []BinarySource) error {
	st, err := tx.PrepareContext(ctx, qUpsertBinarySource+` VALUES ($1, $2, $3, $4, $5, $6)`+qUpsertBinarySourceConflict)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, b := range bs {
		if _, err := st.ExecContext(ctx, osGroup, b.Name, b.Version, b.SourceName, b.SourceVersion, b.Origin); err != nil {
			return fmt.Errorf("binary source %s: %w", b.Name, err)
		}
	}
	return nil
}

func (sqlite) insertSecurityUpdates(ctx context.Context, tx *sql.Tx, location, osGroup string, ups []SecurityUpdate) error {
	st, err := tx.PrepareContext(ctx, qInsertSecurityUpdate+` VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, u := range ups {
		if _, err := st.ExecContext(ctx, location, osGroup, u.Name, u.Arch, u.Version, u.SourceName, u.SourceVersion); err != nil {
			return fmt.Errorf("security update %s %s: %w", u.Name, u.Version, err)
		}
	}
	return nil
}

// retryable: another process (a CLI import while the server runs) held
// the database for longer than the busy timeout.
func (sqlite) retryable(err error) bool {
	var e *sqlitedrv.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}

// publishedArg is a record's Published as a column value: NULL when the
// source gave none.
func publishedArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func (sqlite) fkViolation(err error) bool {
	var e *sqlitedrv.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

func (sqlite) skipLocked() string { return "" }

func (sqlite) catalogueLock(bool) string { return "" }

func (sqlite) evaluationLock(bool) string { return "" }

// foreignKeysOff: SQLite checks a deleted parent row against each child
// table, by a full scan where the child column has no index (members by
// package: 9 minutes for 1,707 catalogue packages against 5 M members).
func (sqlite) foreignKeysOff() (string, string) {
	return `PRAGMA foreign_keys = OFF`, `PRAGMA foreign_keys = ON`
}
