package testdsn

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// A migrated SQLite file, made once and copied for each test: running the
// migrations costs a fresh database about 60 ms, and 5 to 10 s under the
// race detector (modernc's SQLite is Go, and every statement of every
// migration is instrumented); a copy costs a millisecond.
var (
	tmplMu   sync.Mutex
	tmplKey  string
	tmplMake func(path string) error
	tmplPath string
	tmplErr  error
)

// SetTemplate says how to make a migrated SQLite database (make creates
// one at path) and what identifies its schema (key, e.g. a digest of the
// migrations: a file made for another key is never used). Package testdb
// sets it; the store's own tests set it with their package's Open.
func SetTemplate(key string, make func(path string) error) {
	tmplMu.Lock()
	defer tmplMu.Unlock()
	if key != tmplKey {
		tmplKey, tmplMake, tmplPath, tmplErr = key, make, "", nil
	}
}

// MigratedDSN is DSN, but on SQLite the database already holds the schema
// (a copy of the template SetTemplate makes). Without a template, and on
// PostgreSQL (a schema per test; migrations run when the store opens),
// it is DSN.
func MigratedDSN(t testing.TB) string {
	t.Helper()
	if Postgres() {
		return DSN(t)
	}
	src, err := template()
	if err != nil {
		t.Fatalf("the migrated test database: %v", err)
	}
	if src == "" {
		return DSN(t)
	}
	dst := filepath.Join(t.TempDir(), "test.db")
	if err := copyFile(src, dst); err != nil {
		t.Fatalf("copy the migrated test database: %v", err)
	}
	return "sqlite:" + dst
}

// template returns the path of the migrated file for the current key,
// making it when no earlier test binary has: it lives in the system's
// temporary directory under the key, so that every package's tests and
// every run share it, and a new migration (a new key) makes a new one.
func template() (string, error) {
	tmplMu.Lock()
	defer tmplMu.Unlock()
	if tmplMake == nil {
		return "", nil
	}
	if tmplPath != "" || tmplErr != nil {
		return tmplPath, tmplErr
	}
	path := filepath.Join(os.TempDir(), "pakiti-test-schema-"+tmplKey+".db")
	if _, err := os.Stat(path); err == nil {
		tmplPath = path
		return path, nil
	}
	// Made under a name of its own and renamed into place, so that test
	// binaries running at once never see half a file.
	dir, err := os.MkdirTemp("", "pakiti-test-schema-")
	if err != nil {
		tmplErr = err
		return "", err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "schema.db")
	if err := tmplMake(tmp); err != nil {
		tmplErr = fmt.Errorf("migrate a template database: %w", err)
		return "", tmplErr
	}
	for _, side := range []string{"-wal", "-shm", "-journal"} {
		if fi, err := os.Stat(tmp + side); err == nil && fi.Size() > 0 && side != "-shm" {
			tmplErr = fmt.Errorf("the template database left %s behind (%d bytes): it was not closed cleanly", side, fi.Size())
			return "", tmplErr
		}
	}
	b := make([]byte, 6)
	rand.Read(b)
	staged := path + ".tmp-" + hex.EncodeToString(b)
	if err := copyFile(tmp, staged); err != nil {
		tmplErr = err
		return "", err
	}
	if err := os.Rename(staged, path); err != nil {
		os.Remove(staged)
		tmplErr = err
		return "", err
	}
	tmplPath = path
	return path, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
