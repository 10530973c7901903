// Package testenv holds the rules the tests share about what they need from
// the machine: a test that cannot run for want of a command, a service or
// the shared data skips with a message on a developer's machine, and fails
// under CI=true, where .ci/run installs everything and lays the shared data
// beside the clone. Only tests import it.
package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// CI reports whether the tests run in CI (CI=true).
func CI() bool { return os.Getenv("CI") == "true" }

// Skip skips t with reason, or fails it under CI=true: in CI nothing a test
// needs may be missing.
func Skip(t testing.TB, reason string) {
	t.Helper()
	if CI() {
		t.Fatalf("%s (a skip is a failure with CI=true)", reason)
	}
	t.Skip(reason)
}

// Skipf is Skip with a format.
func Skipf(t testing.TB, format string, args ...any) {
	t.Helper()
	Skip(t, fmt.Sprintf(format, args...))
}

// SharedDir returns the project's shared data directory ($PAKITI_SHARED,
// else ../shared beside the module root), or skips t (fails it in CI) when
// it has no data/ folder.
func SharedDir(t testing.TB) string {
	t.Helper()
	dir, err := sharedDir()
	if err != nil {
		Skipf(t, "shared data not found (set PAKITI_SHARED): %v", err)
	}
	return dir
}

func sharedDir() (string, error) {
	dir := os.Getenv("PAKITI_SHARED")
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(filepath.Dir(root), "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); err != nil {
		return "", err
	}
	return dir, nil
}

// moduleRoot is the directory of the go.mod above the working directory
// (a test runs in its package's directory).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
