package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestReadOnlyCommandsNeedADatabase: commands that only read do not leave
// an empty SQLite file behind when pointed at a missing one.
func TestReadOnlyCommandsNeedADatabase(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pakiti.db")
	for _, args := range [][]string{{"hosts"}, {"sources", "list"}, {"host", "x.example.org"}, {"cve", "CVE-2023-0286"},
		{"db", "status"}, {"sites", "list"}, {"evaluate", "x.example.org"},
		{"tags", "list"}, {"tags", "export"}, {"exceptions", "list"}, {"exceptions", "export"},
		{"users", "list"}, {"audit"}, {"archive", "list"}, {"sites", "stats"}, {"sites", "info", "SITE-B", "--note", "n"}} {
		out, err := run(t, "sqlite:"+file, args...)
		if err == nil || !strings.Contains(err.Error(), "no database at "+file+" (--db or PAKITI_DB)") {
			t.Errorf("pakiti %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("pakiti %s created %s", strings.Join(args, " "), file)
		}
	}
}

// TestCLIHostAndCVE: the host's kernel only when reported, the finding's
// status in the CVE's affected hosts, its tags and exceptions, evaluate
// of an unknown host fails.
// Data: DSA-5343-1 "[bullseye] - openssl 1.1.1n-0+deb11u4" (CVE-2023-0286
// among others); the host has openssl 1.1.1n-0+deb11u3: open.
func TestCLIHostAndCVE(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "a.db")
	mustRun(t, db, "import", "--source", "debian", "../../internal/web/testdata/DSA-5343-1.txt")
	rep := filepath.Join(dir, "r.txt")
	os.WriteFile(rep, []byte("#\nhost: old.example.org\narch: x86_64\nsite: SITE-B\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u3\tamd64\n#\n"), 0o644)
	ingest(t, db, rep)
	// Columns are padded: compare with runs of spaces as one.
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	out := mustRun(t, db, "host", "old.example.org")
	if !strings.Contains(flat(out), "Kernel: unknown (not reported) Arch: x86_64 Packager:") {
		t.Errorf("host:\n%s", out)
	}
	// A DSA list alone covers no release completely: its data is partial.
	if !strings.Contains(out, "records, partial), checked") {
		t.Errorf("host: data coverage not said in words:\n%s", out)
	}
	out = mustRun(t, db, "cve", "CVE-2023-0286")
	if !strings.Contains(flat(out), "AFFECTED HOSTS (1) SITE PACKAGE INSTALLED FIXED STATUS old.example.org SITE-B openssl 1.1.1n-0+deb11u3 1.1.1n-0+deb11u4 open") {
		t.Errorf("cve:\n%s", out)
	}
	// Its tags and exceptions, as the CVE page shows them. The exception
	// is of another version than the host's: the host stays affected.
	mustRun(t, db, "tags", "add", "CVE-2023-0286", "EGI-Critical", "--reason", "X.400 address type confusion", "--author", "alice")
	mustRun(t, db, "exceptions", "add", "--cve", "CVE-2023-0286", "--package", "openssl", "--version", "1.1.1n-0+deb11u2",
		"--site", "SITE-B", "--reason", "rebuilt", "--expires", "2099-07-01", "--author", "bob")
	out = flat(mustRun(t, db, "cve", "CVE-2023-0286"))
	for _, want := range []string{
		"AFFECTED HOSTS (1) SITE PACKAGE INSTALLED FIXED STATUS old.example.org SITE-B openssl",
		"TAGS (1) ENABLED REASON INFO URL AUTHOR MODIFIED EGI-Critical true X.400 address type confusion alice ",
		"EXCEPTIONS (1) PACKAGE VERSION SCOPE EXPIRES IN FORCE REASON AUTHOR #1 openssl 1.1.1n-0+deb11u2 site SITE-B 2099-07-01 true rebuilt bob",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("cve with a tag and an exception: no %q in\n%s", want, out)
		}
	}
	if _, err := run(t, db, "evaluate", "nosuchhost"); err == nil || !strings.Contains(err.Error(), "no host named nosuchhost") {
		t.Errorf("evaluate nosuchhost: %v", err)
	}
	mustRun(t, db, "evaluate", "old.example.org")
}

// ingest feeds a protocol-5 report file to the database as the server would.
func ingest(t *testing.T, db, file string) {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := intake.New(st, match.New(st, drivers.Registry(), log), log)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/feed/?protocol=5", bytes.NewReader(b)))
	if w.Body.String() != "OK\n" {
		t.Fatalf("feed: %d %s", w.Code, w.Body)
	}
}
