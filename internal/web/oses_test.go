package web

import (
	"encoding/json"
	"html"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOSes: the OSes page and API list every OS string of listReports
// with the group it maps to, in release order, the hosts per OS and per
// group, the exposed ones, and the groups without data as not evaluated.
func TestOSes(t *testing.T) {
	srv, _ := newListServer(t, true)
	type os struct {
		OS, Group                    string
		Hosts, Exposed, GroupNotEval int
		State                        string
	}
	// Written from listReports: old and two run openssl deb11u3 (exposed
	// to DSA-5343-1's five CVEs), fixed runs deb11u4; DSA-5343-1 has no
	// record for debian:9, 10, 12 nor the hostile OS (no group): their
	// hosts are not evaluated.
	want := []os{
		{"<b>OS</b>", "", 1, 0, 1, "none"},
		{"Debian GNU/Linux 9", "debian:9", 1, 0, 1, "none"},
		{"Debian GNU/Linux 10", "debian:10", 1, 0, 1, "none"},
		{"Debian GNU/Linux 11", "debian:11", 3, 2, 0, "partial"},
		{"Debian GNU/Linux 12", "debian:12", 1, 0, 1, "none"},
	}
	code, _, body := get(t, srv.URL+"/api/v1/oses")
	if code != 200 {
		t.Fatalf("/api/v1/oses: %d %s", code, body)
	}
	var a OSesAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatal(err)
	}
	var got []os
	for _, g := range a.Groups {
		if len(g.OSes) != 1 || g.OSes[0].Hosts != g.Hosts || g.OSes[0].Exposed != g.Exposed {
			t.Errorf("%s: %+v", g.OSGroup, g)
		}
		for _, o := range g.OSes {
			got = append(got, os{o.OS, o.OSGroup, o.Hosts, o.Exposed, g.NotEvaluated, g.State})
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("/api/v1/oses (-want +got):\n%s", diff)
	}
	if a.Total != len(want) {
		t.Errorf("total %d, want %d", a.Total, len(want))
	}
	// The CSV: one line per OS string.
	_, _, body = get(t, srv.URL+"/api/v1/oses?format=csv")
	rows := readCSV(t, body)
	if diff := cmp.Diff([]string{"os", "os_group", "hosts", "exposed", "group_hosts", "group_exposed", "group_not_evaluated",
		"data_state", "data_sources"}, rows[0]); diff != "" {
		t.Errorf("csv header (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Debian GNU/Linux 11", "debian:11", "3", "2", "3", "2", "0", "partial", "debian"}, rows[4]); diff != "" {
		t.Errorf("csv debian:11 (-want +got):\n%s", diff)
	}
	// The page links each group and OS string to the hosts it counts,
	// and to the OS rules.
	code, _, body = get(t, srv.URL+"/oses")
	if code != 200 {
		t.Fatalf("/oses: %d", code)
	}
	if !strings.Contains(body, `&lt;b&gt;OS&lt;/b&gt;`) {
		t.Errorf("/oses does not escape the hostile OS")
	}
	body = html.UnescapeString(body)
	for _, s := range []string{`href="/hosts?os_group=debian%3A11"`, `href="/hosts?os_group=debian%3A11&status=exposed">2<`,
		`href="/hosts?os=Debian+GNU%2FLinux+11&os_group=debian%3A11"`, `href="/os-rules"`,
		`href="/hosts?os_group=debian%3A12&status=not-evaluated">1<`} {
		if !strings.Contains(body, s) {
			t.Errorf("/oses lacks %s:\n%s", s, body)
		}
	}
	// The links list what the page counts.
	for path, n := range map[string]int{"/api/v1/hosts?os=Debian+GNU/Linux+11&os_group=debian:11": 3,
		"/api/v1/hosts?os_group=debian:11&status=exposed": 2, "/api/v1/hosts?os=%3Cb%3EOS%3C/b%3E": 1} {
		_, _, body := get(t, srv.URL+path)
		var v struct{ Total int }
		if err := json.Unmarshal([]byte(body), &v); err != nil || v.Total != n {
			t.Errorf("%s: total %d (%v), want %d", path, v.Total, err, n)
		}
	}
}
