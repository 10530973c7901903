package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/testdb"
)

// lastLine is the last non-empty line of out.
func lastLine(out string) string {
	l := strings.Split(strings.TrimSpace(out), "\n")
	return strings.TrimSpace(l[len(l)-1])
}

// TestNoAuthOnlyOnLoopback: --auth none (the default) refuses to listen
// beyond loopback unless told --insecure-no-auth; nothing binds.
func TestNoAuthOnlyOnLoopback(t *testing.T) {
	for _, listen := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		cmd := exec.Command(bins.server, "serve", "--listen", listen, "--db", testdb.DSN(t), "--update-every", "0")
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "--auth none on "+listen+" would show every host to anyone") ||
			!strings.Contains(string(out), "--insecure-no-auth") {
			t.Errorf("serve --listen %s without auth: %v\n%s", listen, err, out)
		}
	}
}

// TestAccessEndToEnd: the admin CLI sets up an NGI, a site, a user and
// tokens; the server runs with --auth local --feed-auth token; the client
// reports with --token; the user's API token sees the site's host only.
func TestAccessEndToEnd(t *testing.T) {
	shared := sharedDir(t)
	s := startServer(t, "--auth", "local", "--feed-auth", "token", "--update-every", "0")
	runPakiti(t, s.db, "sites", "group", "NGI_CZ", "--parent", "EGI")
	runPakiti(t, s.db, "sites", "add", "FZU", "--parent", "NGI_CZ")
	runPakiti(t, s.db, "sites", "add", "GSI-LCG2")
	cmd := exec.Command(bins.server, "users", "add", "alice", "--role", "viewer", "--grant", "NGI_CZ", "--password-stdin", "--db", s.db)
	cmd.Stdin = strings.NewReader("correct horse battery\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("users add: %v %s", err, out)
	}
	alice := lastLine(runPakiti(t, s.db, "users", "token", "alice", "--expires", "30d"))
	fzu := lastLine(runPakiti(t, s.db, "sites", "token", "FZU"))
	gsi := lastLine(runPakiti(t, s.db, "sites", "token", "GSI-LCG2"))
	if !strings.HasPrefix(alice, "pkt_") || !strings.HasPrefix(fzu, "pkf_") || fzu == gsi {
		t.Fatalf("tokens: %q %q %q", alice, fzu, gsi)
	}
	inv := filepath.Join(shared, "data", "inventories", "debian-11", "viking-db", "viking-db.pakiti5.txt")
	alma := filepath.Join(shared, "data", "inventories", "alma-9", "vuls-alma9", "vuls-alma9.pakiti5.txt")
	feed := s.base + "/feed/"

	// No token, another site's token, a wrong token: refused, named.
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--site", "FZU"}, "401: ERROR: this server needs a report token"},
		{[]string{"--site", "FZU", "--token", gsi}, `403: ERROR: the report is for site "FZU" but its token is site "GSI-LCG2"'s`},
		{[]string{"--site", "FZU", "--token", fzu + "x"}, "401: ERROR: unknown or revoked report token"},
	} {
		cmd := exec.Command(bins.client, append([]string{"--url", feed, "--input", inv}, tt.args...)...)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), tt.want) {
			t.Errorf("client %v: %v %s, want %q", tt.args[2:], err, out, tt.want)
		}
	}
	runClient(t, "--url", feed, "--input", inv, "--site", "FZU", "--token", fzu)
	runClient(t, "--url", feed, "--input", alma, "--site", "GSI-LCG2", "--token", gsi)
	// Host names are claimed: GSI's token cannot move FZU's host.
	cmd = exec.Command(bins.client, "--url", feed, "--input", inv, "--site", "GSI-LCG2", "--token", gsi)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "409: ERROR: host ") || !strings.Contains(string(out), `belongs to site "FZU", not "GSI-LCG2"`) {
		t.Errorf("moving a host by a report: %v %s", err, out)
	}

	get := func(path, token string) (int, string) {
		req, _ := http.NewRequest("GET", s.base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/api/v1/hosts", ""); code != http.StatusUnauthorized {
		t.Errorf("anonymous API: %d, want 401", code)
	}
	code, body := get("/api/v1/hosts", alice)
	var list struct {
		Hosts []struct {
			Hostname, Site string
		} `json:"hosts"`
	}
	json.Unmarshal([]byte(body), &list)
	if code != 200 || len(list.Hosts) != 1 || list.Hosts[0].Site != "FZU" {
		t.Errorf("alice's hosts: %d %s", code, body)
	}
	if code, _ := get("/api/v1/audit", alice); code != http.StatusForbidden {
		t.Errorf("alice reads the audit log: %d", code)
	}
	// Revoked, alice's token opens nothing.
	runPakiti(t, s.db, "users", "token", "alice", "--revoke", "1")
	if code, _ := get("/api/v1/hosts", alice); code != http.StatusUnauthorized {
		t.Errorf("revoked token: %d, want 401", code)
	}
	// Every admin action is in the audit log.
	var log []struct{ Actor, Action, Target string }
	if err := json.Unmarshal([]byte(runPakiti(t, s.db, "audit", "--format", "json")), &log); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action+" "+e.Target)
		if !strings.HasPrefix(e.Actor, "cli") {
			t.Errorf("actor %q", e.Actor)
		}
	}
	slices.Reverse(actions)
	want := []string{"group.set NGI_CZ", "site.add FZU", "site.add GSI-LCG2", "user.add alice", "token.add alice",
		"site.token.add FZU", "site.token.add GSI-LCG2", "token.revoke alice"}
	if !slices.Equal(actions, want) {
		t.Errorf("audit log %v, want %v", actions, want)
	}
}

// TestGOCDBJob: pakiti serve --gocdb-source runs the GOCDB import as a
// scheduled job: the users and grants of the answers appear, audited.
func TestGOCDBJob(t *testing.T) {
	dir, err := filepath.Abs("../../internal/gocdb/testdata")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--update-every", "0"}
	for _, f := range []string{"get_site.xml", "get_site_contacts.xml", "get_roc_contacts.xml", "get_user.xml"} {
		args = append(args, "--gocdb-source", filepath.Join(dir, f))
	}
	s := startServer(t, args...)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var users []struct {
			Name   string   `json:"name"`
			Origin string   `json:"origin"`
			Grants []string `json:"grants"`
		}
		json.Unmarshal([]byte(runPakiti(t, s.db, "users", "list", "--format", "json")), &users)
		if len(users) == 5 {
			if users[1].Name != "/C=00/O=00000/OU=000000/CN=Gwei Jai" || users[1].Origin != "gocdb" ||
				!slices.Equal(users[1].Grants, []string{"Izola MRF", "NGI_SI"}) {
				t.Errorf("imported user %+v", users[1])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s the job imported %d users, want 5", len(users))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if out := runPakiti(t, s.db, "audit"); !strings.Contains(out, "job:gocdb-import") {
		t.Errorf("audit log:\n%s", out)
	}
}

// TestHeaderAuthEndToEnd: pakiti serve --auth local,header
// --auth-header X-Remote-User --trusted-proxy CIDR believes the header
// from a trusted proxy's address only (the test's client, on loopback, is
// the proxy); without an identity a page redirects to the login page and
// an API call gets 401; a feed token is accepted as ?token= too.
func TestHeaderAuthEndToEnd(t *testing.T) {
	shared := sharedDir(t)
	call := func(s *server, path string, hd map[string]string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", s.base+path, nil)
		for k, v := range hd {
			req.Header.Set(k, v)
		}
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(b)
	}
	for _, tt := range []struct {
		proxy   string
		trusted bool
	}{{"127.0.0.1/32", true}, {"10.0.0.0/8", false}} {
		s := startServer(t, "--auth", "local,header", "--auth-header", "X-Remote-User", "--trusted-proxy", tt.proxy,
			"--feed-auth", "token", "--update-every", "0")
		runPakiti(t, s.db, "sites", "add", "FZU", "--parent", "NGI_CZ")
		runPakiti(t, s.db, "sites", "add", "GSI-LCG2")
		runPakiti(t, s.db, "users", "add", "alice", "--role", "viewer", "--grant", "NGI_CZ")
		fzu := lastLine(runPakiti(t, s.db, "sites", "token", "FZU"))
		gsi := lastLine(runPakiti(t, s.db, "sites", "token", "GSI-LCG2"))
		inv := filepath.Join(shared, "data", "inventories", "debian-11", "viking-db", "viking-db.pakiti5.txt")
		alma := filepath.Join(shared, "data", "inventories", "alma-9", "vuls-alma9", "vuls-alma9.pakiti5.txt")
		runClient(t, "--url", s.base+"/feed/?token="+fzu, "--input", inv, "--site", "FZU")
		runClient(t, "--url", s.base+"/feed/", "--input", alma, "--site", "GSI-LCG2", "--token", gsi)

		alice := map[string]string{"X-Remote-User": "alice"}
		code, _, body := call(s, "/api/v1/hosts?format=csv", alice)
		if tt.trusted {
			// alice sees FZU's host, not GSI-LCG2's.
			if code != http.StatusOK || !strings.Contains(body, ",FZU,") || strings.Contains(body, "GSI-LCG2") {
				t.Errorf("trusted proxy %s: alice's hosts: %d %s", tt.proxy, code, body)
			}
			continue
		}
		if code != http.StatusUnauthorized || strings.Contains(body, "FZU") {
			t.Errorf("untrusted proxy %s: alice's header believed: %d %s", tt.proxy, code, body)
		}
		if code, loc, _ := call(s, "/hosts", alice); code != http.StatusFound || !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("untrusted proxy %s: page: %d to %q, want the login page", tt.proxy, code, loc)
		}
	}
}
