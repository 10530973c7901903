package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/osrules"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// newRulesServer serves a store holding the DSA-5343-1 record
// (testdata/DSA-5343-1.txt: "[bullseye] - openssl 1.1.1n-0+deb11u4", CVEs
// CVE-2022-2097 CVE-2022-4304 CVE-2022-4450 CVE-2023-0215 CVE-2023-0286)
// and one Debian 11 host with openssl 1.1.1n-0+deb11u3 (as in
// shared/data/inventories/debian-11/viking-db): 5 CVEs in debian:11. The
// rules service evaluates with the real matcher.
func newRulesServer(t *testing.T) *httptest.Server {
	t.Helper()
	st := testdb.Open(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := match.New(st, drivers.Registry(), log)
	feed := intake.New(st, m, log)
	rules := osrules.New(st, nil, "", m, log)
	rules.CheckEvery = 0
	feed.Rules = rules
	h, err := New(Config{Store: st, Feed: feed, Log: log, OSRules: rules})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(), Eval: m, Log: log, Now: time.Now}
	if _, err := im.Import(context.Background(), "debian", []string{"testdata/DSA-5343-1.txt"}, false); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(srv.URL+"/feed/?protocol=5", "text/plain",
		strings.NewReader("#\nhost: old.example.org\nkernel: 5.10.0-20-amd64\nsite: SITE-B\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u3\tamd64\n#\n"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return srv
}

func send(t *testing.T, method, u, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestOSRulesAPI: the JSON of every OS rule endpoint, its errors, and the
// host's group and counts following each change.
func TestOSRulesAPI(t *testing.T) {
	srv := newRulesServer(t)
	api := srv.URL + "/api/v1/os-rules"
	hostState := func() string {
		t.Helper()
		var d HostDetail
		_, body := send(t, "GET", srv.URL+"/api/v1/hosts/old.example.org", "")
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%s evaluated=%v cves=%d", d.Host.OSGroup, d.Host.Evaluated, d.Host.CVEs)
	}
	if got := hostState(); got != "debian:11 evaluated=true cves=5" {
		t.Fatalf("before any rule: %s", got)
	}
	ignoreTimes := cmpopts.IgnoreFields(osrules.Entry{}, "CreatedAt", "UpdatedAt")
	change := func(method, u, body string, status int, want osrules.Change, host string) {
		t.Helper()
		code, b := send(t, method, u, body)
		var got osrules.Change
		if err := json.Unmarshal([]byte(b), &got); err != nil || code != status {
			t.Fatalf("%s %s %s: %d %s", method, u, body, code, b)
		}
		if diff := cmp.Diff(want, got, ignoreTimes); diff != "" {
			t.Errorf("%s %s %s (-want +got):\n%s", method, u, body, diff)
		}
		if got.Rule.CreatedAt == nil || got.Rule.UpdatedAt == nil {
			t.Errorf("%s %s: rule without its times", method, u)
		}
		if h := hostState(); h != host {
			t.Errorf("after %s %s %s: host %s, want %s", method, u, body, h, host)
		}
	}
	// A group without data (constructed name): not evaluated, no CVE.
	change("POST", api, `{"match": "^Debian GNU/Linux (\\d+)$", "group": "site-debian:$1"}`, 201, osrules.Change{
		Action: "add", Rule: osrules.Entry{ID: 1, Origin: osrules.Database, Position: 1, Match: `^Debian GNU/Linux (\d+)$`, Group: "site-debian:$1"},
		Regrouped: 1, Moves: []osrules.Move{{From: "debian:11", To: "site-debian:11", Hosts: 1}}, Evaluated: 1,
	}, "site-debian:11 evaluated=false cves=0")
	change("POST", api, `{"match": "id:^debian (\\d+)$", "group": "debian:$1", "position": 1}`, 201, osrules.Change{
		Action: "add", Rule: osrules.Entry{ID: 2, Origin: osrules.Database, Position: 1, Match: `^debian (\d+)$`, OSIDRule: true, Group: "debian:$1"},
		Moves: []osrules.Move{},
	}, "site-debian:11 evaluated=false cves=0")
	change("PUT", api+"/1", `{"group": "debian:$1"}`, 200, osrules.Change{
		Action: "change", Rule: osrules.Entry{ID: 1, Origin: osrules.Database, Position: 2, Match: `^Debian GNU/Linux (\d+)$`, Group: "debian:$1"},
		Regrouped: 1, Moves: []osrules.Move{{From: "site-debian:11", To: "debian:11", Hosts: 1}}, Evaluated: 1,
	}, "debian:11 evaluated=true cves=5")
	change("PUT", api+"/1", `{"position": 1}`, 200, osrules.Change{
		Action: "move", Rule: osrules.Entry{ID: 1, Origin: osrules.Database, Position: 1, Match: `^Debian GNU/Linux (\d+)$`, Group: "debian:$1"},
		Moves: []osrules.Move{},
	}, "debian:11 evaluated=true cves=5")
	change("PUT", api+"/1", `{"match": "^Debian GNU/Linux 11$", "group": "old-debian:11", "position": 2}`, 200, osrules.Change{
		Action: "change", Rule: osrules.Entry{ID: 1, Origin: osrules.Database, Position: 2, Match: `^Debian GNU/Linux 11$`, Group: "old-debian:11"},
		Regrouped: 1, Moves: []osrules.Move{{From: "debian:11", To: "old-debian:11", Hosts: 1}}, Evaluated: 1,
	}, "old-debian:11 evaluated=false cves=0")
	change("DELETE", api+"/1", "", 200, osrules.Change{
		Action: "remove", Rule: osrules.Entry{ID: 1, Origin: osrules.Database, Position: 2, Match: `^Debian GNU/Linux 11$`, Group: "old-debian:11"},
		Regrouped: 1, Moves: []osrules.Move{{From: "old-debian:11", To: "debian:11", Hosts: 1}}, Evaluated: 1,
	}, "debian:11 evaluated=true cves=5")

	// The listing: the database's rule first, then the built-in ones;
	// the check names the deciding rule.
	code, body := send(t, "GET", api+"?system="+url.QueryEscape("Debian GNU/Linux 11")+"&os_id=debian&os_version_id=11", "")
	var list OSRuleList
	if err := json.Unmarshal([]byte(body), &list); err != nil || code != 200 {
		t.Fatalf("GET %s: %d %s", api, code, body)
	}
	if len(list.Rules) < 2 || list.Rules[0].ID != 2 || list.Rules[1].Origin != osrules.Builtin || list.Check == nil ||
		list.Check.Group != "debian:11" || list.Check.Rule == nil || list.Check.Rule.ID != 2 {
		t.Errorf("GET %s: %.300s", api, body)
	}
	code, body = send(t, "GET", api+"/2", "")
	if code != 200 || !strings.Contains(body, `"os_id_rule": true`) {
		t.Errorf("GET %s/2: %d %s", api, code, body)
	}

	// Errors: each with its status and reason.
	for _, tc := range []struct {
		method, path, body string
		status             int
		msg                string
	}{
		{"POST", "", `{"match": "^(Debian", "group": "debian:1"}`, 400, "missing closing )"},
		{"POST", "", `{"match": "^Debian (\\d+)", "group": "debian:${ver}"}`, 400, "no group of that name"},
		{"POST", "", `{"match": "^Debian", "group": "debian:1", "owner": "x"}`, 400, `unknown field "owner"`},
		{"POST", "", `{"match": "^Debian", "group": "debian:1", "position": -1}`, 400, "position is 1 or more"},
		{"POST", "", `not json`, 400, "body:"},
		{"PUT", "/2", `{}`, 400, "nothing to change"},
		{"PUT", "/2", `{"position": 0}`, 400, "position is 1 or more"},
		{"PUT", "/2", `{"group": "debian:$2"}`, 400, "names submatch $2, the regular expression has 1"},
		{"PUT", "/99", `{"group": "x:1"}`, 404, "no OS group rule 99"},
		{"PUT", "/99", `{"position": 1}`, 404, "not found"},
		{"DELETE", "/99", "", 404, "not found"},
		{"DELETE", "/x", "", 400, "positive number"},
		{"GET", "/1", "", 404, "no OS group rule 1"},
		{"GET", "/0", "", 400, "positive number"},
	} {
		code, body := send(t, tc.method, api+tc.path, tc.body)
		var e struct{ Error string }
		json.Unmarshal([]byte(body), &e)
		if code != tc.status || !strings.Contains(e.Error, tc.msg) {
			t.Errorf("%s %s %s: %d %s; want %d with %q", tc.method, tc.path, tc.body, code, body, tc.status, tc.msg)
		}
	}
	if h := hostState(); h != "debian:11 evaluated=true cves=5" {
		t.Errorf("refused changes moved the host: %s", h)
	}
	// Each change that took is in the audit log, newest first; the
	// refused ones are not.
	_, body = send(t, "GET", srv.URL+"/api/v1/audit", "")
	var log struct {
		Entries []struct {
			Action string `json:"action"`
		} `json:"audit"`
	}
	if err := json.Unmarshal([]byte(body), &log); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	var actions []string
	for _, e := range log.Entries {
		actions = append(actions, e.Action)
	}
	want := []string{"osrule.remove", "osrule.change", "osrule.move", "osrule.change", "osrule.add", "osrule.add"}
	if diff := cmp.Diff(want, actions); diff != "" {
		t.Errorf("audit log (-want +got):\n%s\n%s", diff, body)
	}
}

// TestOSRulesPage: the page lists the rules and answers the test box,
// marking the deciding rule; what it echoes is escaped.
func TestOSRulesPage(t *testing.T) {
	srv := newRulesServer(t)
	code, _ := send(t, "POST", srv.URL+"/api/v1/os-rules", `{"match": "^CentOS Linux release 7\\.", "group": "scientific:7"}`)
	if code != 201 {
		t.Fatalf("POST: %d", code)
	}
	for _, tc := range []struct {
		query string
		want  []string
		not   []string
	}{
		{"", []string{`<td>database</td>`, `<code>^CentOS Linux release 7\.</code>`, `<td>builtin</td>`}, []string{`id="verdict"`, `class="hit"`}},
		{"?system=" + url.QueryEscape("CentOS Linux release 7.7.1908 (Core)"),
			[]string{`<strong>scientific:7</strong>`, `by the database rule #1`, `<tr class="hit" id="hit">` + "\n<td>database</td>"}, nil},
		{"?system=x&os_id=almalinux&os_version_id=9.4",
			[]string{`<strong>alma:9</strong>`, `by the builtin rule 12: <code>id:^almalinux (\d&#43;)</code>`}, nil},
		{"?system=" + url.QueryEscape(`<script>alert(1)</script>`),
			[]string{`No rule matches`, `value="&lt;script&gt;alert(1)&lt;/script&gt;"`}, []string{`<script>alert`}},
	} {
		code, _, body := get(t, srv.URL+"/os-rules"+tc.query)
		if code != 200 {
			t.Errorf("GET /os-rules%s: %d", tc.query, code)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET /os-rules%s lacks %q", tc.query, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(body, n) {
				t.Errorf("GET /os-rules%s has %q", tc.query, n)
			}
		}
	}
}

// TestOSRulesOpenAPI: the OS rule schemas name every JSON field of the
// types the API answers with and reads.
func TestOSRulesOpenAPI(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	for schema, typ := range map[string]any{"OSRule": osrules.Entry{}, "OSRuleChange": osrules.Change{}, "OSRuleSpec": osrules.Spec{}} {
		props := doc.Components.Schemas[schema].Properties
		rt := reflect.TypeOf(typ)
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			if _, ok := props[name]; !ok {
				t.Errorf("schema %s lacks field %q of %s", schema, name, rt.Name())
			}
		}
	}
}
