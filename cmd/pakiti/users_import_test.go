package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestUsersImport: Pakiti 3's users -c import. The users file is
// constructed in Pakiti 3's form (login, displayName, mail, admin,
// hostGroupsNames); a second import changes what the first made, leaves a
// hand-made user alone and, with --remove, deletes an imported user the
// file lacks.
func TestUsersImport(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "a.db")
	mustRun(t, db, "sites", "add", "praguelcg2", "--parent", "NGI_CZ")
	mustRun(t, db, "sites", "add", "FZK-LCG2", "--parent", "NGI_DE")
	mustRun(t, db, "users", "add", "bob", "--role", "csirt")
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	alice := "/DC=org/DC=terena/DC=tcs/C=CZ/O=CESNET/CN=Alice"
	first := write("1.json", `[{"login": "`+alice+`", "displayName": "Alice", "mail": "a@example.org", "admin": false,
		"hostGroupsNames": ["praguelcg2", "NOSUCHSITE"]},
		{"login": "carol", "admin": "1", "hostGroupsNames": []},
		{"login": "bob", "admin": true, "hostGroupsNames": ["FZK-LCG2"]}]`)
	out := mustRun(t, db, "users", "import", first)
	if want := "3 users read: 2 added, 0 changed, 0 unchanged, 1 kept (not made by an import), 0 removed\n" +
		"not granted, no site or group of that name: NOSUCHSITE\n"; out != want {
		t.Errorf("first import:\n%s\nwant\n%s", out, want)
	}
	// Alice moves to NGI_DE; carol is left out.
	second := write("2.json", `[{"login": "`+alice+`", "admin": false, "hostGroupsNames": "NGI_DE"}]`)
	out = mustRun(t, db, "users", "import", "--remove", second)
	if want := "1 users read: 0 added, 1 changed, 0 unchanged, 0 kept (not made by an import), 1 removed\n"; out != want {
		t.Errorf("second import:\n%s\nwant\n%s", out, want)
	}
	var users []struct {
		Name, Role, Origin string
		Grants             []string
	}
	if err := json.Unmarshal([]byte(mustRun(t, db, "users", "list", "--format", "json")), &users); err != nil {
		t.Fatal(err)
	}
	type u struct{ Name, Role, Origin, Grants string }
	var got []u
	for _, x := range users {
		got = append(got, u{x.Name, x.Role, x.Origin, strings.Join(x.Grants, ",")})
	}
	want := []u{{alice, "viewer", "import", "NGI_DE"}, {"bob", "csirt", "local", ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
	if _, err := run(t, db, "users", "import", write("3.json", `[{"mail": "x@example.org"}]`)); err == nil || !strings.Contains(err.Error(), `no "login"`) {
		t.Errorf("an entry without login: %v", err)
	}
	if out := mustRun(t, db, "audit"); !strings.Contains(out, "user.remove") || !strings.Contains(out, "grant.remove") {
		t.Errorf("audit:\n%s", out)
	}
}
