package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run runs the pakiti command line on db and returns its output.
func run(t *testing.T, db string, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"--db", db}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func mustRun(t *testing.T, db string, args ...string) string {
	t.Helper()
	out, err := run(t, db, args...)
	if err != nil {
		t.Fatalf("pakiti %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TestTagsCLI: add, disable, list, import from a URL with --remove, export
// as Pakiti 3's XML and import that back elsewhere.
func TestTagsCLI(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "a.db")
	mustRun(t, db, "tags", "add", "CVE-2023-0286", "SITE-LOCAL", "--reason", "ours", "--author", "alice")
	mustRun(t, db, "tags", "disable", "CVE-2023-0286", "SITE-LOCAL", "--author", "bob")
	if out := mustRun(t, db, "tags", "list"); !strings.Contains(out, "CVE-2023-0286  SITE-LOCAL  false    bob") {
		t.Errorf("list after disable:\n%s", out)
	}
	if _, err := run(t, db, "tags", "enable", "CVE-2023-0286", "EGI-High"); err == nil || !strings.Contains(err.Error(), "has no tag EGI-High") {
		t.Errorf("enable a missing tag: %v", err)
	}
	// A CSIRT publishes Pakiti 3's XML (internal/policyfile/testdata).
	xml, err := os.ReadFile("../../internal/policyfile/testdata/pakiti3-cveTags.xml")
	if err != nil {
		t.Fatal(err)
	}
	csirt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(xml) }))
	defer csirt.Close()
	if out := mustRun(t, db, "tags", "import", csirt.URL+"/exportCvesTags.php"); !strings.Contains(out, "4 tags read: 4 added, 0 changed, 0 unchanged, 0 removed") {
		t.Errorf("import:\n%s", out)
	}
	if out := mustRun(t, db, "tags", "import", "--remove", csirt.URL+"/exportCvesTags.php"); !strings.Contains(out, "4 tags read: 0 added, 0 changed, 4 unchanged, 1 removed") {
		t.Errorf("import --remove (the local tag goes):\n%s", out)
	}
	file := filepath.Join(dir, "tags.xml")
	mustRun(t, db, "tags", "export", "--modifier", "SITE-A Pakiti", "-o", file)
	other := "sqlite:" + filepath.Join(dir, "b.db")
	if out := mustRun(t, other, "tags", "import", file); !strings.Contains(out, "4 tags read: 4 added") {
		t.Errorf("import of the export:\n%s", out)
	}
	if out := mustRun(t, other, "tags", "list", "--enabled", "--format", "json"); strings.Count(out, `"cve":`) != 3 || !strings.Contains(out, `"author": "SITE-A Pakiti"`) {
		t.Errorf("enabled tags after the round trip:\n%s", out)
	}
}

// TestExceptionsCLI: add with a scope and an expiry, list (the audit),
// export JSON and XML, remove.
func TestExceptionsCLI(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "a.db")
	out := mustRun(t, db, "exceptions", "add", "--cve", "CVE-2023-0286", "--package", "openssl", "--version", "1.1.1n-0+deb11u3",
		"--site", "SITE-A", "--reason", "rebuilt", "--expires", "2099-07-01", "--author", "alice")
	if out != "exception 1\n" {
		t.Errorf("add: %q", out)
	}
	if _, err := run(t, db, "exceptions", "add", "--cve", "CVE-1", "--package", "p", "--site", "S", "--host", "H", "--reason", "r"); err == nil {
		t.Error("two scopes accepted")
	}
	if _, err := run(t, db, "exceptions", "add", "--cve", "CVE-1", "--package", "p", "--reason", "r", "--expires", "soon"); err == nil {
		t.Error("--expires soon accepted")
	}
	out = mustRun(t, db, "exceptions", "list", "--format", "csv")
	if !strings.Contains(out, "1,CVE-2023-0286,openssl,1.1.1n-0+deb11u3,,site,SITE-A,rebuilt,alice,") || !strings.Contains(out, ",2099-07-01T00:00:00Z,true,0,0,") {
		t.Errorf("list:\n%s", out)
	}
	out = mustRun(t, db, "exceptions", "export", "--format", "json")
	if !strings.Contains(out, `"scope_kind": "site"`) || !strings.Contains(out, `"expires_at": "2099-07-01T00:00:00Z"`) {
		t.Errorf("JSON export:\n%s", out)
	}
	out = mustRun(t, db, "exceptions", "export")
	if strings.Contains(out, "<cveException>") || !strings.Contains(out, "1 exceptions with a site or host scope left out") {
		t.Errorf("XML export of a site-scoped exception:\n%s", out)
	}
	mustRun(t, db, "exceptions", "remove", "1")
	if _, err := run(t, db, "exceptions", "remove", "1"); err == nil || !strings.Contains(err.Error(), "no exception 1") {
		t.Errorf("remove twice: %v", err)
	}
}
