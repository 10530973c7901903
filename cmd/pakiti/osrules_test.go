package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pakiti runs the command line args on db and returns its output.
func pakiti(t *testing.T, db string, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append(args, "--db", db, "--log-format", "json"))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// TestOSRulesCLI: what each os-rules command prints, on a database with
// no host (re-mapping is tested end to end in test/e2e/osrules_test.go).
func TestOSRulesCLI(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "p.db")
	// The commands log to stderr: quiet them for this test.
	stderr := os.Stderr
	t.Cleanup(func() { os.Stderr = stderr })
	os.Stderr, _ = os.Open(os.DevNull)
	// Listing before any database: the file's and built-in rules, and no
	// database file created.
	out, err := pakiti(t, db, "os-rules", "list", "--format", "rules")
	if err != nil || !strings.HasPrefix(out, `id:^(?:debian|raspbian) (\d+)$ => debian:$1`+"\n") {
		t.Errorf("list before any database: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "p.db")); err == nil {
		t.Errorf("os-rules list created the database")
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"os-rules", "add", `^CentOS Linux release (\d+)\.`, "scientific:$1"},
			"added rule 1 at position 1: ^CentOS Linux release (\\d+)\\. => scientific:$1\n0 hosts re-mapped, 0 evaluated\n"},
		{[]string{"os-rules", "add", "--os-id-rule", "--position", "1", `^centos (\d+)`, "scientific:$1"},
			"added rule 2 at position 1: id:^centos (\\d+) => scientific:$1\n0 hosts re-mapped, 0 evaluated\n"},
		{[]string{"os-rules", "change", "1", `^CentOS Linux release 7\.`, "scientific:7"},
			"changed rule 1 (position 2): ^CentOS Linux release 7\\. => scientific:7\n0 hosts re-mapped, 0 evaluated\n"},
		{[]string{"os-rules", "move", "1", "--to", "1"},
			"moved rule 1 to position 1: ^CentOS Linux release 7\\. => scientific:7\n0 hosts re-mapped, 0 evaluated\n"},
		{[]string{"os-rules", "list", "--format", "rules"}, ""},
		{[]string{"os-rules", "check", "CentOS Linux release 7.7.1908 (Core)"}, "scientific:7\n"},
		{[]string{"os-rules", "check", "Plan 9"}, "(none: not evaluated)\n"},
		{[]string{"os-rules", "remove", "2"}, "removed rule 2: id:^centos (\\d+) => scientific:$1\n0 hosts re-mapped, 0 evaluated\n"},
	} {
		out, err := pakiti(t, db, tc.args...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(tc.args, " "), err, out)
		}
		if tc.want == "" {
			// the database's two rules first, in order, in the file format
			if !strings.HasPrefix(out, "^CentOS Linux release 7\\. => scientific:7\nid:^centos (\\d+) => scientific:$1\nid:^(?:debian") {
				t.Errorf("list --format rules:\n%.200s", out)
			}
			continue
		}
		if diff := cmp.Diff(tc.want, out); diff != "" {
			t.Errorf("%s (-want +got):\n%s", strings.Join(tc.args, " "), diff)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"os-rules", "add", `^CentOS (\d+)`, "centos:$2"}, "the group names submatch $2, the regular expression has 1"},
		{[]string{"os-rules", "add", `^CentOS (7`, "centos:7"}, "missing closing )"},
		{[]string{"os-rules", "remove", "9"}, "not found"},
		{[]string{"os-rules", "move", "1"}, "--to N"},
		{[]string{"os-rules", "remove", "x"}, `rule id "x"`},
	} {
		if out, err := pakiti(t, db, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v\n%s; want an error with %q", strings.Join(tc.args, " "), err, out, tc.want)
		}
	}
}
