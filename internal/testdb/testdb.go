// Package testdb gives tests a store on a fresh database: SQLite by
// default, PostgreSQL when PAKITI_TEST_POSTGRES holds an admin DSN (see
// package testdsn), so that `PAKITI_TEST_POSTGRES=... go test ./...` runs
// every suite that uses a database on PostgreSQL.
package testdb

import (
	"context"
	"testing"

	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb/testdsn"
)

// DSN returns the DSN of an empty database for t, removed when t ends.
func DSN(t testing.TB) string {
	t.Helper()
	return testdsn.DSN(t)
}

// MigratedDSN returns the DSN of a database for t that already holds the
// schema (on SQLite a copy of a migrated file: see testdsn.MigratedDSN),
// for tests that open a store on it; DSN is an empty one.
func MigratedDSN(t testing.TB) string {
	t.Helper()
	return testdsn.MigratedDSN(t)
}

func init() {
	testdsn.SetTemplate(store.MigrationsDigest(), func(path string) error {
		s, err := store.Open(context.Background(), "sqlite:"+path)
		if err != nil {
			return err
		}
		return s.Close()
	})
}

// Postgres tells whether tests run on PostgreSQL.
func Postgres() bool { return testdsn.Postgres() }

// Open opens a store on a fresh database, closed when t ends.
func Open(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// PostgresDSN returns the DSN of a fresh PostgreSQL database for a test
// that needs PostgreSQL itself; without PAKITI_TEST_POSTGRES it skips t,
// or fails it under CI=true (see testdsn.PostgresDSN).
func PostgresDSN(t testing.TB) string {
	t.Helper()
	return testdsn.PostgresDSN(t)
}
