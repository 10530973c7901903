// Package testdsn names the database a test runs on: a fresh SQLite file
// by default, or a fresh PostgreSQL database when PAKITI_TEST_POSTGRES
// holds an admin DSN. It is apart from package testdb, which opens stores,
// so that the store's own tests can use it without an import cycle.
package testdsn

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvPostgres names the environment variable holding the admin DSN of a
// PostgreSQL server for tests, e.g.
// postgres://pakiti:secret@127.0.0.1:55432/pakiti?sslmode=disable. The
// role must be allowed to create schemas in that database.
const EnvPostgres = "PAKITI_TEST_POSTGRES"

// Postgres tells whether tests run on PostgreSQL.
func Postgres() bool { return os.Getenv(EnvPostgres) != "" }

// DSN returns the DSN of an empty database for t, removed when t ends:
// sqlite:<t.TempDir()>/test.db, or with PAKITI_TEST_POSTGRES set a
// schema created for t alone in that database (the DSN's search_path). A server that cannot be
// reached skips t, or fails it when CI=true.
func DSN(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvPostgres)
	if admin == "" {
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	}
	db, err := adminDB(admin)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is set but PostgreSQL cannot be used: %v", EnvPostgres, err)
		}
		t.Skipf("%s is set but PostgreSQL cannot be used (skipped outside CI): %v", EnvPostgres, err)
	}
	// A schema of its own, not a database: CREATE DATABASE copies a
	// template (about a second each on a busy 2-core machine, against a
	// few milliseconds for a schema), and a test sees nothing but its
	// schema through search_path.
	name := dbName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+name); err != nil {
		t.Fatalf("create test schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := db.ExecContext(ctx, `DROP SCHEMA `+name+` CASCADE`); err != nil {
			t.Errorf("drop test schema %s: %v", name, err)
		}
	})
	u, _ := url.Parse(admin) // parsed by adminDB
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
)

// adminDB connects once per test binary to the server of dsn.
func adminDB(dsn string) (*sql.DB, error) {
	adminOnce.Do(func() {
		u, err := url.Parse(dsn)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			adminErr = fmt.Errorf("want postgres://USER:PASSWORD@HOST:PORT/DB, not a DSN of that form")
			return
		}
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			adminErr = err
			return
		}
		db.SetMaxOpenConns(2)
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			adminErr = fmt.Errorf("%s", hidePassword(err.Error(), u))
			return
		}
		admin = db
	})
	return admin, adminErr
}

func hidePassword(msg string, u *url.URL) string {
	if pw, ok := u.User.Password(); ok && pw != "" {
		msg = strings.ReplaceAll(msg, pw, "xxxxx")
	}
	return msg
}

var unsafe = regexp.MustCompile(`[^a-z0-9]+`)

// dbName is a fresh schema name that tells which test made it.
func dbName(test string) string {
	b := make([]byte, 5)
	rand.Read(b)
	t := strings.Trim(unsafe.ReplaceAllString(strings.ToLower(test), "_"), "_")
	if len(t) > 40 {
		t = t[:40]
	}
	return "pakiti_t_" + hex.EncodeToString(b) + "_" + t
}

// EnvEngine, set to "sqlite", says that a CI pass runs on SQLite on
// purpose (.ci/run's first pass): tests that need PostgreSQL skip there,
// as they run in the PostgreSQL pass.
const EnvEngine = "PAKITI_TEST_ENGINE"

// PostgresDSN returns the DSN of a fresh PostgreSQL schema for a test
// that needs PostgreSQL itself (not only a database). Without
// PAKITI_TEST_POSTGRES it skips t, or fails it when CI=true (unless
// PAKITI_TEST_ENGINE=sqlite names a SQLite-only CI pass).
func PostgresDSN(t testing.TB) string {
	t.Helper()
	if !Postgres() {
		msg := "this test needs PostgreSQL: set " + EnvPostgres + "=postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=disable"
		if os.Getenv("CI") == "true" && os.Getenv(EnvEngine) != "sqlite" {
			t.Fatalf("%s (a skip is a failure with CI=true)", msg)
		}
		t.Skip(msg)
	}
	return DSN(t)
}
