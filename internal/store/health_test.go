package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/testdb/testdsn"
)

// shortHealthTTL makes Health probe at each call for the test.
func shortHealthTTL(t *testing.T) {
	old := HealthTTL
	HealthTTL = 0
	t.Cleanup(func() { HealthTTL = old })
}

// TestDatabaseFileGone: a SQLite file removed or replaced under a running
// store stops every write with ErrDatabaseGone (a commit into the old
// file is lost at the next restart), and Health says so.
func TestDatabaseFileGone(t *testing.T) {
	shortHealthTTL(t)
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		do      func(t *testing.T, file string)
		wantWhy string
	}{
		{"removed", func(t *testing.T, file string) {
			for _, f := range []string{file, file + "-wal", file + "-shm"} {
				if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatal(err)
				}
			}
		}, "no file at that path"},
		{"replaced", func(t *testing.T, file string) {
			other := file + ".new"
			if err := os.WriteFile(other, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(other, file); err != nil {
				t.Fatal(err)
			}
		}, "another file at that path"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "pakiti.db")
			s, err := Open(ctx, "sqlite:"+file)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			in := incoming(t, "testdata/vaultwarden.pakiti5.txt", "a.example.org", "SITE-A", t0)
			if _, err := s.SaveReport(ctx, in); err != nil {
				t.Fatal(err)
			}
			if err := s.Health(ctx); err != nil {
				t.Fatalf("healthy store: %v", err)
			}
			tt.do(t, file)
			in.ReceivedAt = t0.Add(time.Hour)
			in.Host.Hostname = "b.example.org"
			_, err = s.SaveReport(ctx, in)
			if !errors.Is(err, ErrDatabaseGone) {
				t.Fatalf("SaveReport after the file was %s: %v, want ErrDatabaseGone", tt.name, err)
			}
			want := "the database file " + file + " was removed or replaced (" + tt.wantWhy + "); restart the server"
			if err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
			if _, _, err := s.TouchUnchanged(ctx, "a.example.org", "x", "192.0.2.1", t0); !errors.Is(err, ErrDatabaseGone) {
				t.Errorf("TouchUnchanged: %v, want ErrDatabaseGone", err)
			}
			if err := s.Health(ctx); !errors.Is(err, ErrDatabaseGone) {
				t.Errorf("Health: %v, want ErrDatabaseGone", err)
			}
		})
	}
}

// TestHealthReadOnly: Health fails while the writer cannot write, with the
// reason, and recovers by itself once the fault is gone, without a
// restart: the connection stuck read-only is discarded and reopened. The
// fault is the writer connection's own (PRAGMA query_only on SQLite, the
// session's default_transaction_read_only on PostgreSQL), as a connection
// SQLite opened read-only, or a session started on a read-only database,
// keeps it.
func TestHealthReadOnly(t *testing.T) {
	shortHealthTTL(t)
	ctx := context.Background()
	dsn := testdsn.DSN(t)
	fault := `PRAGMA query_only = ON`
	if testdsn.Postgres() {
		// One connection, so that the fault is that of the only writer.
		dsn += "&pool_max_conns=1"
		fault = `SET SESSION default_transaction_read_only = on`
	}
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Health(ctx); err != nil {
		t.Fatalf("healthy store: %v", err)
	}
	if _, err := s.w.ExecContext(ctx, fault); err != nil {
		t.Fatal(err)
	}
	// The fault is there: a report fails (and its connection is discarded).
	in := incoming(t, "testdata/vaultwarden.pakiti5.txt", "a.example.org", "SITE-A", t0)
	if _, err := s.SaveReport(ctx, in); err == nil {
		t.Fatal("SaveReport on a read-only connection succeeded")
	}
	// Fault again, seen by the probe this time.
	if _, err := s.w.ExecContext(ctx, fault); err != nil {
		t.Fatal(err)
	}
	err = s.Health(ctx)
	if err == nil || !strings.Contains(err.Error(), "a write to the database fails") ||
		!strings.Contains(strings.ToLower(err.Error()), "read") {
		t.Fatalf("Health on a read-only writer: %v, want the write failure", err)
	}
	// The probe discarded the connection: the next one writes.
	if err := s.Health(ctx); err != nil {
		t.Errorf("Health after the fault is gone: %v", err)
	}
	if _, err := s.SaveReport(ctx, in); err != nil {
		t.Errorf("SaveReport after the fault is gone: %v", err)
	}
}

// TestHealthCached: within HealthTTL a verdict is reused, so that /healthz
// costs at most one write per HealthTTL.
func TestHealthCached(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	old := HealthTTL
	HealthTTL = time.Hour
	defer func() { HealthTTL = old }()
	s.health.lastCommit.Store(0) // the migrations' commits
	if err := s.Health(ctx); err != nil {
		t.Fatal(err)
	}
	var at1 time.Time
	if err := s.r.QueryRowContext(ctx, `SELECT probed_at FROM health`).Scan(&at1); err != nil {
		t.Fatal(err)
	}
	s.health.lastCommit.Store(0)
	for range 5 {
		if err := s.Health(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var at2 time.Time
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT probed_at, (SELECT COUNT(*) FROM health) FROM health`).Scan(&at2, &n); err != nil {
		t.Fatal(err)
	}
	if !at1.Equal(at2) || n != 1 {
		t.Errorf("probe ran again within HealthTTL: %v -> %v, %d rows", at1, at2, n)
	}
}
