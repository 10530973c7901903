package store

import (
	"context"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/testdb/testdsn"
)

// TestOpenErrors: a database that cannot be opened is named with the
// reason, never with its password.
func TestOpenErrors(t *testing.T) {
	type tc struct {
		name, dsn, want string
	}
	tests := []tc{
		{"unknown engine", "mysql://u:secret@x/db", "unknown database"},
		{"empty file", "sqlite:", "empty SQLite file name"},
		{"unreachable", "postgres://u:secret@127.0.0.1:1/pakiti?sslmode=disable", "cannot reach PostgreSQL at 127.0.0.1:1: connection refused"},
		{"unreachable postgresql://", "postgresql://u:secret@127.0.0.1:1/pakiti", "cannot reach PostgreSQL at 127.0.0.1:1: connection refused"},
		{"unknown pool setting", "postgres://u:secret@127.0.0.1:1/pakiti?pool_min_conns=2", "unknown pool setting pool_min_conns"},
		{"bad pool size", "postgres://u:secret@127.0.0.1:1/pakiti?pool_max_conns=none", `pool_max_conns="none"`},
	}
	if admin := os.Getenv(testdsn.EnvPostgres); admin != "" {
		u, err := url.Parse(admin)
		if err != nil {
			t.Fatal(err)
		}
		bad := *u
		bad.User = url.UserPassword(u.User.Username(), "secret-but-wrong")
		tests = append(tests, tc{"wrong password", bad.String(),
			`refused the login of user "` + u.User.Username() + `": password authentication failed`})
		nodb := *u
		nodb.Path = "/pakiti_no_such_database"
		tests = append(tests, tc{"no such database", nodb.String(), `has no database "pakiti_no_such_database"`})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(context.Background(), tt.dsn)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded", redact(tt.dsn))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

func TestPoolSettings(t *testing.T) {
	p, dsn, err := parsePoolSettings("postgres://u:p@h/db?sslmode=disable&pool_max_conns=3&pool_max_conn_idle_time=1m")
	if err != nil {
		t.Fatal(err)
	}
	if p.maxConns != 3 || p.maxIdle != time.Minute || p.maxLifetime != pgMaxConnLifetime {
		t.Errorf("settings %+v", p)
	}
	if dsn != "postgres://u:p@h/db?sslmode=disable" {
		t.Errorf("DSN passed on: %s", dsn)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@h:5432/db":         "postgres://u:xxxxx@h:5432/db",
		"postgres://u@h/db?password=secret&x=1": "postgres://u@h/db?password=xxxxx&x=1",
		"sqlite:/var/lib/pakiti.db":             "sqlite:/var/lib/pakiti.db",
		"postgres://u:sec%ret@h/db":             "postgres://xxxxx@h/db",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMigrationFiles: numbered files without a gap, on every engine.
func TestMigrationFiles(t *testing.T) {
	for _, eng := range []engine{sqlite{}, postgres{}} {
		ms, err := engineMigrations(eng)
		if err != nil {
			t.Fatalf("%s: %v", eng.name(), err)
		}
		if len(ms) != 6 {
			t.Errorf("%s: %d migrations", eng.name(), len(ms))
		}
	}
	// Both engines have the same migrations, by number and name.
	names := func(eng engine) []string {
		ms, _ := engineMigrations(eng)
		var out []string
		for _, m := range ms {
			out = append(out, m.name)
		}
		return out
	}
	if diff := cmp.Diff(names(sqlite{}), names(postgres{})); diff != "" {
		t.Errorf("migrations differ between engines (-sqlite +postgres):\n%s", diff)
	}
	tests := []struct {
		name  string
		files []string
		want  string
	}{
		{"numbered", []string{"0001_a.sql", "0002_b.sql"}, ""},
		{"gap", []string{"0001_a.sql", "0003_c.sql"}, "not numbered 1, 2, 3"},
		{"twice", []string{"0001_a.sql", "0001_b.sql"}, "not numbered 1, 2, 3"},
		{"no number", []string{"0001_a.sql", "b.sql"}, "not named NNNN_name.sql"},
	}
	for _, tt := range tests {
		fsys := fstest.MapFS{}
		for _, f := range tt.files {
			fsys["m/"+f] = &fstest.MapFile{Data: []byte("SELECT 1")}
		}
		_, err := readMigrations(fsys, "m")
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestMigrationRules: a database newer than the binary, or with a
// migration missing, is refused, on the engine under test.
func TestMigrationRules(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		change string
		want   string
	}{
		{"newer", `INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future.sql', CURRENT_TIMESTAMP)`, "schema version 99, newer than this binary knows"},
		{"gap", `DELETE FROM schema_migrations WHERE version = 2`, "a migration is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dsn := testdsn.DSN(t)
			s, err := Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.w.ExecContext(ctx, tt.change); err != nil {
				t.Fatal(err)
			}
			s.Close()
			s, err = Open(ctx, dsn)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

// TestConcurrentOpen: servers starting together on one empty database
// migrate it once, without failing.
func TestConcurrentOpen(t *testing.T) {
	ctx := context.Background()
	dsn := testdsn.DSN(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := Open(ctx, dsn)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
		}
	}
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != 6 {
		t.Errorf("%d migrations recorded (%v), want 6", n, err)
	}
}
