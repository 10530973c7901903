package testdsn

import (
	"os"
	"strings"
	"testing"
)

// TestMigratedDSN: each test gets its own copy of the template, made once
// per key; another key makes another template.
func TestMigratedDSN(t *testing.T) {
	if Postgres() {
		t.Skip("the template is SQLite's")
	}
	made := 0
	key := "test-" + dbName(t.Name())
	SetTemplate(key, func(path string) error {
		made++
		return os.WriteFile(path, []byte("schema "+key), 0o600)
	})
	var made1 string
	t.Cleanup(func() {
		os.Remove(made1)
		os.Remove(tmplPath)
		SetTemplate("", nil)
	})
	var paths []string
	for range 3 {
		dsn := MigratedDSN(t)
		path, ok := strings.CutPrefix(dsn, "sqlite:")
		if !ok {
			t.Fatalf("DSN %q is not a SQLite file", dsn)
		}
		b, err := os.ReadFile(path)
		if err != nil || string(b) != "schema "+key {
			t.Fatalf("copy holds %q, %v; want the template", b, err)
		}
		paths = append(paths, path)
	}
	made1 = tmplPath
	if made != 1 {
		t.Errorf("the template was made %d times, want once", made)
	}
	if paths[0] == paths[1] || paths[1] == paths[2] {
		t.Errorf("tests share a file: %v", paths)
	}
	// A copy is the test's own: writing to it leaves the template alone.
	if err := os.WriteFile(paths[0], []byte("changed"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(paths[1]); string(b) != "schema "+key {
		t.Errorf("another copy changed with the first: %q", b)
	}
	SetTemplate("test-other-"+dbName(t.Name()), func(path string) error {
		made++
		return os.WriteFile(path, []byte("other"), 0o600)
	})
	if b, _ := os.ReadFile(strings.TrimPrefix(MigratedDSN(t), "sqlite:")); string(b) != "other" || made != 2 {
		t.Errorf("after a new key: %q, made %d times; want a new template", b, made)
	}
}
