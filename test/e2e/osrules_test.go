package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestOSRulesFile: serve --os-rules puts a site's rules before the
// built-in ones: the real CentOS 7 inventory lands in the group the file
// names, the real SLES 15.3 inventory in the built-in sles:15.3 (not
// evaluated: no SUSE data), and pakiti os-rules check answers the same.
func TestOSRulesFile(t *testing.T) {
	shared := sharedDir(t)
	rules := filepath.Join(t.TempDir(), "site.rules")
	// A site whose "CentOS 7" hosts are its own rebuild of Scientific Linux.
	if err := os.WriteFile(rules, []byte("# site rules\n^CentOS Linux release 7\\. => scientific:7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "--os-rules", rules)
	for _, f := range []string{"centos-7/vuls-centos7/vuls-centos7.pakiti5.txt", "sles-15/vuls-sles15/vuls-sles15.pakiti5.txt"} {
		runClient(t, "--url", s.base+"/feed/", "--input", filepath.Join(shared, "data/inventories", f))
	}
	for host, want := range map[string]string{"inv-centos7-a.example.org": "scientific:7", "inv-sles15-a.example.org": "sles:15.3"} {
		if h := s.findings(t, host, false); h.Host.OSGroup != want || h.Host.Evaluated {
			t.Errorf("%s: group %q, evaluated %v; want %s, not evaluated (no data imported)", host, h.Host.OSGroup, h.Host.Evaluated, want)
		}
	}
	for _, tc := range []struct{ args []string }{
		{[]string{"os-rules", "check", "--os-rules", rules, "CentOS Linux release 7.7.1908 (Core)"}},
	} {
		out, err := exec.Command(bins.server, tc.args...).Output()
		if err != nil || strings.TrimSpace(string(out)) != "scientific:7" {
			t.Errorf("pakiti %s = %q, %v; want scientific:7", strings.Join(tc.args, " "), out, err)
		}
	}
	// A broken rule file stops serve with the line at fault.
	bad := filepath.Join(t.TempDir(), "bad.rules")
	if err := os.WriteFile(bad, []byte("^(x => debian:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bins.server, "serve", "--listen", "127.0.0.1:0", "--db", "sqlite:"+filepath.Join(t.TempDir(), "x.db"), "--os-rules", bad).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "bad.rules:1:") {
		t.Errorf("serve with a broken rule file: %v\n%s", err, out)
	}
}

// apiJSON sends method url with body (JSON, or none) and decodes the answer
// into v; it returns the status.
func apiJSON(t *testing.T, method, url, body string, v any) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, url, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

type ruleChange struct {
	Action string `json:"action"`
	Rule   struct {
		ID       int64  `json:"id"`
		Origin   string `json:"origin"`
		Position int    `json:"position"`
		Match    string `json:"match"`
		Group    string `json:"group"`
	} `json:"rule"`
	Regrouped int `json:"regrouped"`
	Moves     []struct {
		From, To string
		Hosts    int
	} `json:"moves"`
	Evaluated int    `json:"evaluated"`
	Error     string `json:"error"`
}

// TestOSRulesRemap: the real viking-db inventory (Debian 11) reported
// through /feed/ against real Debian data has the hand-written findings
// of vikingV1 (debian_test.go); a rule added through the API that gives
// "Debian GNU/Linux 11" a group without data moves the host there (not
// evaluated, its findings resolved), and removing the rule brings it back
// to debian:11 with the same open findings. A rule added with the CLI
// while the server runs (another process, as another server would) gives
// the next CentOS 7 report its group; the CLI prints what each change did.
func TestOSRulesRemap(t *testing.T) {
	t.Parallel() // one of the slow imports of real data: they overlap (e2e_test.go)
	shared := sharedDir(t)
	s := startServer(t, "--os-rules-check-every", "0")
	feeds := filepath.Join(shared, "data/feeds/debian")
	v1 := filepath.Join(t.TempDir(), "DSA-list-2023-02-01")
	dsaSnapshot(t, shared, v1, time.Date(2023, 2, 1, 0, 0, 0, 0, time.UTC))
	runPakiti(t, s.db, "import", "--source", "debian", v1,
		filepath.Join(feeds, "apt-bullseye/bullseye_main_binary-amd64_Packages.gz"),
		filepath.Join(feeds, "apt-bullseye/bullseye-security_main_binary-amd64_Packages.gz"))
	const viking = "inv-debian11-a.example.org"
	runClient(t, "--url", s.base+"/feed/", "--input", filepath.Join(shared, "data/inventories/debian-11/viking-db/viking-db.pakiti5.txt"))
	want := append([]finding(nil), vikingV1...)
	sortFindings(want)
	state := func(stage, group string, evaluated bool, open []finding) hostFindings {
		t.Helper()
		h := s.findings(t, viking, true)
		if h.Host.OSGroup != group || h.Host.Evaluated != evaluated || h.Host.CVEs != countCVEs(open) {
			t.Errorf("%s: group %q, evaluated %v, %d CVEs; want %q, %v, %d", stage, h.Host.OSGroup, h.Host.Evaluated, h.Host.CVEs, group, evaluated, countCVEs(open))
		}
		if diff := cmp.Diff(open, openFindings(h), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: open findings (-want +got):\n%s", stage, diff)
		}
		return h
	}
	state("reported", "debian:11", true, want)

	// A site rebuild of Debian 11 with no data of its own (constructed
	// group name): the host moves there and is not evaluated.
	var add ruleChange
	if code := apiJSON(t, "POST", s.base+"/api/v1/os-rules", `{"match": "^Debian GNU/Linux 11$", "group": "site-debian:11"}`, &add); code != 201 {
		t.Fatalf("POST /api/v1/os-rules: %d %+v", code, add)
	}
	if add.Action != "add" || add.Rule.Origin != "database" || add.Rule.Position != 1 || add.Regrouped != 1 || add.Evaluated != 1 ||
		len(add.Moves) != 1 || add.Moves[0].From != "debian:11" || add.Moves[0].To != "site-debian:11" || add.Moves[0].Hosts != 1 {
		t.Errorf("add answered %+v, want rule 1 of the database, 1 host debian:11 -> site-debian:11, evaluated", add)
	}
	h := state("rule added", "site-debian:11", false, nil)
	resolved := 0
	for _, f := range h.Findings {
		if f.ResolvedAt != nil {
			resolved++
		}
	}
	if resolved != len(vikingV1) {
		t.Errorf("rule added: %d resolved findings in the history, want the %d of debian:11", resolved, len(vikingV1))
	}
	var list struct {
		Rules []struct {
			ID     int64  `json:"id"`
			Origin string `json:"origin"`
		} `json:"rules"`
		Check struct {
			Group string `json:"group"`
			Rule  struct {
				ID int64 `json:"id"`
			} `json:"rule"`
		} `json:"check"`
	}
	if code := apiJSON(t, "GET", s.base+"/api/v1/os-rules?system="+url.QueryEscape("Debian GNU/Linux 11"), "", &list); code != 200 ||
		list.Rules[0].ID != add.Rule.ID || list.Rules[0].Origin != "database" || list.Check.Group != "site-debian:11" || list.Check.Rule.ID != add.Rule.ID {
		t.Errorf("GET /api/v1/os-rules: %d %+v", code, list)
	}
	// Refused: a group naming a submatch the expression lacks.
	var bad ruleChange
	if code := apiJSON(t, "POST", s.base+"/api/v1/os-rules", `{"match": "^Debian GNU/Linux (\\d+)", "group": "debian:$2"}`, &bad); code != 400 ||
		!strings.Contains(bad.Error, "names submatch $2, the regular expression has 1") {
		t.Errorf("a rule naming $2 of one submatch: %d %q", code, bad.Error)
	}
	// Removing the rule restores the group and the same open findings.
	var del ruleChange
	if code := apiJSON(t, "DELETE", fmt.Sprintf("%s/api/v1/os-rules/%d", s.base, add.Rule.ID), "", &del); code != 200 || del.Regrouped != 1 || del.Evaluated != 1 {
		t.Errorf("DELETE: %d %+v", code, del)
	}
	state("rule removed", "debian:11", true, want)
	if code := apiJSON(t, "DELETE", fmt.Sprintf("%s/api/v1/os-rules/%d", s.base, add.Rule.ID), "", &del); code != 404 {
		t.Errorf("DELETE again: %d, want 404", code)
	}

	// The CLI, another process on the same database.
	out := runPakiti(t, s.db, "os-rules", "add", `^CentOS Linux release 7\.`, "scientific:7")
	wantOut := "added rule 2 at position 1: ^CentOS Linux release 7\\. => scientific:7\n0 hosts re-mapped, 0 evaluated\n"
	if got := stdoutOf(out); got != wantOut {
		t.Errorf("pakiti os-rules add printed\n%s\nwant\n%s", got, wantOut)
	}
	const centos = "inv-centos7-a.example.org"
	runClient(t, "--url", s.base+"/feed/", "--input", filepath.Join(shared, "data/inventories/centos-7/vuls-centos7/vuls-centos7.pakiti5.txt"))
	if g := s.findings(t, centos, false).Host.OSGroup; g != "scientific:7" {
		t.Errorf("CentOS 7 reported after the CLI's rule: group %q, want scientific:7", g)
	}
	out = runPakiti(t, s.db, "os-rules", "list")
	if !strings.Contains(stdoutOf(out), "database  1   2   system  ^CentOS Linux release 7\\.") {
		t.Errorf("pakiti os-rules list:\n%s", out)
	}
	out = runPakiti(t, s.db, "os-rules", "remove", "2")
	wantOut = "removed rule 2: ^CentOS Linux release 7\\. => scientific:7\n1 host re-mapped, 1 evaluated\n  scientific:7 -> centos:7: 1\n"
	if got := stdoutOf(out); got != wantOut {
		t.Errorf("pakiti os-rules remove printed\n%s\nwant\n%s", got, wantOut)
	}
	if g := s.findings(t, centos, false).Host.OSGroup; g != "centos:7" {
		t.Errorf("CentOS 7 after the rule's removal: group %q, want centos:7", g)
	}
}

// stdoutOf drops the log lines (time=...) of a combined output.
func stdoutOf(out string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(out, "\n") {
		if l != "" && !strings.HasPrefix(l, "time=") {
			b.WriteString(l)
		}
	}
	return b.String()
}

func openFindings(h hostFindings) []finding {
	var out []finding
	for _, f := range h.Findings {
		if f.ResolvedAt == nil {
			out = append(out, f.finding)
		}
	}
	sortFindings(out)
	return out
}

func countCVEs(fs []finding) int {
	cves := map[string]bool{}
	for _, f := range fs {
		cves[f.CVE] = true
	}
	return len(cves)
}
