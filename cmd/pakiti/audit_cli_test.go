package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCLIAudit: the admin actions of the command line — tags, host
// deletion, source imports, OS-group rules — are in the audit log, with
// what they acted on (issue 12 §5).
func TestCLIAudit(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "a.db")
	mustRun(t, db, "import", "--source", "debian", "../../internal/web/testdata/DSA-5343-1.txt")
	mustRun(t, db, "tags", "add", "CVE-2023-0286", "EGI-Critical", "--reason", "X.400")
	mustRun(t, db, "tags", "disable", "CVE-2023-0286", "EGI-Critical")
	mustRun(t, db, "tags", "remove", "CVE-2023-0286", "EGI-Critical")
	mustRun(t, db, "os-rules", "add", `^Foo Linux 1\b`, "foo:1")
	// Nothing to delete yet: a failed action is not audited.
	if _, err := run(t, db, "hosts", "delete", "nosuch.example.org"); err == nil {
		t.Error("deleting a missing host succeeded")
	}
	out := mustRun(t, db, "audit", "--format", "json")
	var entries []struct {
		Action string `json:"action"`
		Target string `json:"target"`
	}
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Action+" "+e.Target)
	}
	slices.Sort(got)
	want := []string{
		"osrule.add ^Foo Linux 1\\b foo:1",
		"source.import debian",
		"tag.add CVE-2023-0286 EGI-Critical",
		"tag.disable CVE-2023-0286 EGI-Critical",
		"tag.remove CVE-2023-0286 EGI-Critical",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit log (-want +got):\n%s\n%s", diff, out)
	}
}
