package store

import (
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver
)

// engine is what differs between database engines.
type engine struct {
	name string // also the folder of its migrations

	// insertMembersSQL adds package-set members from $1 (set id) and $2
	// (a JSON array of package ids): the bulk insert of each engine.
	insertMembersSQL string
}

var sqlite = engine{
	name: "sqlite",
	insertMembersSQL: `INSERT INTO package_set_members (set_id, package_id)
		SELECT $1, value FROM json_each($2)`,
}

// openEngine opens the write and read pools for dsn.
func openEngine(dsn string) (engine, *sql.DB, *sql.DB, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return engine{}, nil, nil, fmt.Errorf("PostgreSQL is not supported yet (dsn %q); use sqlite:FILE", redact(dsn))
	case strings.HasPrefix(dsn, "sqlite:"):
		dsn = strings.TrimPrefix(dsn, "sqlite:")
	case strings.Contains(dsn, "://"):
		return engine{}, nil, nil, fmt.Errorf("unknown database %q: use sqlite:FILE", redact(dsn))
	}
	if dsn == "" {
		return engine{}, nil, nil, fmt.Errorf("empty SQLite file name")
	}
	w, err := openSQLite(dsn, true)
	if err != nil {
		return engine{}, nil, nil, err
	}
	r, err := openSQLite(dsn, false)
	if err != nil {
		w.Close()
		return engine{}, nil, nil, err
	}
	return sqlite, w, r, nil
}

// openSQLite opens a pool on file in WAL mode with a busy timeout. The
// writer pool holds one connection and starts transactions IMMEDIATE, so
// that two writers never deadlock on a lock upgrade; readers share several.
func openSQLite(file string, writer bool) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)", "foreign_keys(ON)"} {
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

// redact hides a password in a DSN for messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
