package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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

// TestSitesStatsPeriod: pakiti sites stats --from --to, the reports of a
// period (store.SitePeriod). old.example.org (openssl 1.1.1n-0+deb11u3,
// exposed, no CVE tagged: the vulnerable counts with tags are the store's
// and the web's tests) reports twice now, new.example.org (Debian 12, no
// data) once: over a period holding now, SITE-B has 2 reporting hosts
// and 3 reports; over 2020, nothing.
func TestSitesStatsPeriod(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "a.db")
	mustRun(t, db, "import", "--source", "debian", "../../internal/web/testdata/DSA-5343-1.txt")
	for i, r := range []string{
		"#\nhost: old.example.org\nsite: SITE-B\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u3\tamd64\n#\n",
		"#\nhost: old.example.org\nsite: SITE-B\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u3\tamd64\n#\n",
		"#\nhost: new.example.org\nsite: SITE-B\nsystem: Debian GNU/Linux 12\n#\nbash\t5.2.15-2+b7\tamd64\n#\n",
	} {
		rep := filepath.Join(dir, "r"+string(rune('0'+i))+".txt")
		os.WriteFile(rep, []byte(r), 0o644)
		ingest(t, db, rep)
	}
	day := func(d int) string { return time.Now().UTC().AddDate(0, 0, d).Format("2006-01-02") }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", day(-1), "--to", day(2), "--format", "csv"},
			"site,group,hosts,exposed,critical,high,medium,low,other,tagged_hosts,stale,contact,url,note,from,to,period_hosts,period_vulnerable_hosts,period_reports,period_vulnerable_reports\n" +
				"SITE-B,,2,1,0,0,0,0,1,0,0,,,," + day(-1) + "," + day(2) + ",2,0,3,0\n"},
		{[]string{"--from", "2020-01-01", "--to", "2021-01-01", "--format", "csv"},
			"site,group,hosts,exposed,critical,high,medium,low,other,tagged_hosts,stale,contact,url,note,from,to,period_hosts,period_vulnerable_hosts,period_reports,period_vulnerable_reports\n" +
				"SITE-B,,2,1,0,0,0,0,1,0,0,,,,2020-01-01,2021-01-01,0,0,0,0\n"},
	} {
		if out := mustRun(t, db, append([]string{"sites", "stats"}, tc.args...)...); out != tc.want {
			t.Errorf("sites stats %v:\n%s\nwant\n%s", tc.args, out, tc.want)
		}
	}
	// The table: the same columns but the URL and the note (the empty
	// contact and from leave no field).
	out := strings.Split(mustRun(t, db, "sites", "stats", "--to", "2021-01-01"), "\n")
	if diff := cmp.Diff([][]string{
		{"SITE", "GROUP", "HOSTS", "EXPOSED", "CRITICAL", "HIGH", "MEDIUM", "LOW", "OTHER", "TAGGED_HOSTS", "STALE", "CONTACT", "FROM", "TO",
			"PERIOD_HOSTS", "PERIOD_VULNERABLE_HOSTS", "PERIOD_REPORTS", "PERIOD_VULNERABLE_REPORTS"},
		{"SITE-B", "2", "1", "0", "0", "0", "0", "1", "0", "0", "2021-01-01", "0", "0", "0", "0"},
	}, [][]string{strings.Fields(out[0]), strings.Fields(out[1])}); diff != "" {
		t.Errorf("sites stats --to 2021-01-01 (-want +got):\n%s", diff)
	}
	if out := mustRun(t, db, "sites", "stats", "--from", day(-1), "--format", "json"); !strings.Contains(out, `"reports": 3,`) {
		t.Errorf("sites stats --format json lacks the period:\n%s", out)
	}
	for args, msg := range map[string]string{
		"--from 2026-11-02 --to 2026-11-01": "--from (2026-11-02) is after to (2026-11-01)",
		"--from 01/11/2026":                 `--from must be a date YYYY-MM-DD, not "01/11/2026"`,
	} {
		if _, err := run(t, db, append([]string{"sites", "stats"}, strings.Fields(args)...)...); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("sites stats %s: %v, want %s", args, err, msg)
		}
	}
}
