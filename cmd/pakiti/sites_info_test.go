package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSitesStatsAndInfo: Pakiti 3's hostGroupsStats and hostGroups -c
// store. Data: DSA-5343-1 "[bullseye] - openssl 1.1.1n-0+deb11u4" (no
// severity word: "other"); old.example.org has openssl
// 1.1.1n-0+deb11u3 (exposed), new.example.org is Debian 12 (no data).
// The hostile site name is constructed: a report may send any.
func TestSitesStatsAndInfo(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "a.db")
	mustRun(t, db, "import", "--source", "debian", "../../internal/web/testdata/DSA-5343-1.txt")
	for i, r := range []string{
		"#\nhost: old.example.org\nsite: SITE-B\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u3\tamd64\n#\n",
		"#\nhost: new.example.org\nsite: SITE-B\nsystem: Debian GNU/Linux 12\n#\nbash\t5.2.15-2+b7\tamd64\n#\n",
		"#\nhost: x.example.org\nsite: =cmd\nsystem: Debian GNU/Linux 12\n#\nbash\t5.2.15-2+b7\tamd64\n#\n",
	} {
		rep := filepath.Join(dir, "r"+string(rune('0'+i))+".txt")
		os.WriteFile(rep, []byte(r), 0o644)
		ingest(t, db, rep)
	}
	mustRun(t, db, "sites", "info", "SITE-B", "--contact", "csirt@example.org", "--url", "https://example.org/b")
	mustRun(t, db, "sites", "info", "SITE-B", "--note", "two hosts") // the contact and URL are kept
	if out := mustRun(t, db, "sites", "info", "SITE-B"); !strings.Contains(out, "Contact:  csirt@example.org\nWeb page: https://example.org/b\nNote:     two hosts\n") {
		t.Errorf("sites info:\n%s", out)
	}
	want := "site,group,hosts,exposed,critical,high,medium,low,other,tagged_hosts,stale,contact,url,note\n" +
		"'=cmd,,1,0,0,0,0,0,0,0,0,,,\n" +
		"SITE-B,,2,1,0,0,0,0,1,0,0,csirt@example.org,https://example.org/b,two hosts\n"
	if out := mustRun(t, db, "sites", "stats", "--format", "csv"); out != want {
		t.Errorf("sites stats:\n%s\nwant\n%s", out, want)
	}
	if _, err := run(t, db, "sites", "info", "SITE-B", "--url", "javascript:alert(1)"); err == nil {
		t.Error("a javascript: URL was taken")
	}
	if _, err := run(t, db, "sites", "stats", "--site", "NOPE"); err == nil || !strings.Contains(err.Error(), "no site named NOPE") {
		t.Errorf("stats of an unknown site: %v", err)
	}
	if out, _ := run(t, db, "audit"); !strings.Contains(out, "site.info") {
		t.Errorf("no site.info in the audit log:\n%s", out)
	}
}
