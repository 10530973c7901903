package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestKnownExploitedEndToEnd: the real Ubuntu 22.04 inventory
// (linux-check-diff, protocol 5) against real Ubuntu OSV records and the
// real CISA catalogue (shared/data/feeds/kev, 2025.08.25): its glibc
// finding CVE-2023-4911 is one CISA lists, its curl finding
// CVE-2023-38545 is not. The mark, the filters of the CVE and host
// listings (JSON and CSV), the CVE page's entry and the dashboard's count
// show it to the site's viewer and the admin, not to another site's
// viewer; loading the catalogue changes no finding and no data state.
func TestKnownExploitedEndToEnd(t *testing.T) {
	shared := sharedDir(t)
	// The dashboard counted at every view (not kept 30 s): it is read
	// before and after the catalogue.
	s := startServer(t, "--auth", "local", "--update-every", "0", "--dashboard-cache", "0")
	runPakiti(t, s.db, "sites", "add", "INVENTORIES") // the inventory's site: line
	runPakiti(t, s.db, "sites", "add", "OTHER")
	token := func(user, role, grant string) string {
		args := []string{"users", "add", user, "--role", role, "--password-stdin", "--db", s.db}
		if grant != "" {
			args = append(args, "--grant", grant)
		}
		cmd := exec.Command(bins.server, args...)
		cmd.Stdin = strings.NewReader("correct horse battery\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("users add %s: %v %s", user, err, out)
		}
		return lastLine(runPakiti(t, s.db, "users", "token", user, "--expires", "30d"))
	}
	root, alice, bob := token("root", "admin", ""), token("alice", "viewer", "INVENTORIES"), token("bob", "viewer", "OTHER")
	get := func(path, tok string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", s.base+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	getJSON := func(path, tok string, v any) {
		t.Helper()
		if err := json.Unmarshal([]byte(get(path, tok)), v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	type vuln struct {
		CVE       string `json:"cve"`
		Hosts     int    `json:"hosts"`
		Exploited bool   `json:"exploited"`
	}
	vulns := func(query, tok string) []vuln {
		t.Helper()
		var l struct {
			CVEs []vuln `json:"cves"`
		}
		getJSON("/api/v1/cves"+query, tok, &l)
		return l.CVEs
	}
	hosts := func(query, tok string) []string {
		t.Helper()
		var l struct {
			Hosts []struct{ Hostname string } `json:"hosts"`
		}
		getJSON("/api/v1/hosts"+query, tok, &l)
		out := []string{}
		for _, h := range l.Hosts {
			out = append(out, h.Hostname)
		}
		return out
	}
	type dash struct {
		Loaded    bool   `json:"known_exploited_loaded"`
		Catalogue string `json:"known_exploited_catalogue"`
		Hosts     int    `json:"exposed_known_exploited"`
	}
	dashboard := func(tok string) dash {
		t.Helper()
		var d dash
		getJSON("/api/v1/dashboard", tok, &d)
		return d
	}

	hostDetail := func(host string) (hostFindings, dataHost) {
		t.Helper()
		var h hostFindings
		var d dataHost
		getJSON("/api/v1/hosts/"+host, root, &h)
		getJSON("/api/v1/hosts/"+host, root, &d)
		return h, d
	}

	inv, err := os.ReadFile(filepath.Join(shared, "data/inventories/ubuntu-22.04/linux-check-diff/linux-check-diff.pakiti5.txt"))
	if err != nil {
		t.Fatal(err)
	}
	s.sendReport(t, string(inv), "5")
	// A second host of the site: the same inventory with glibc at the fixed version
	// (constructed: libc-bin and libc6 2.35-0ubuntu3.1 -> 2.35-0ubuntu3.4, so that the site
	// has a host with findings, curl's, and none the catalogue lists).
	patched := strings.ReplaceAll(strings.Replace(string(inv), "host: inv-ubuntu2204-a.example.org\n", "host: patched-glibc.example.org\n", 1),
		"\t2.35-0ubuntu3.1\t", "\t2.35-0ubuntu3.4\t")
	if strings.Count(patched, "2.35-0ubuntu3.4") != 2 {
		t.Fatal("the inventory's glibc lines moved")
	}
	s.sendReport(t, patched, "5")
	osvDir := filepath.Join(shared, "data/feeds/ubuntu/osv-samples")
	runPakiti(t, s.db, "import", "--source", "ubuntu", filepath.Join(osvDir, "UBUNTU-CVE-2023-4911.json"),
		filepath.Join(osvDir, "UBUNTU-CVE-2023-38545.json"))
	const host = "inv-ubuntu2204-a.example.org"
	// Installed libc-bin, libc6 2.35-0ubuntu3.1 and curl, libcurl3-gnutls, libcurl4
	// 7.81.0-1ubuntu1.4: UBUNTU-CVE-2023-4911.json Ubuntu:22.04:LTS glibc "fixed": "2.35-0ubuntu3.4";
	// UBUNTU-CVE-2023-38545.json Ubuntu:22.04:LTS curl "fixed": "7.81.0-1ubuntu1.14".
	before, dataBefore := hostDetail(host)
	if got := open(before); len(got) != 5 || !before.Host.Evaluated {
		t.Fatalf("before the catalogue: evaluated %v, findings %+v; want 5 (2 glibc, 3 curl)", before.Host.Evaluated, got)
	}
	if d := dashboard(root); d.Loaded || d.Hosts != 0 {
		t.Errorf("dashboard before the catalogue: %+v, want not loaded", d)
	}
	if v := vulns("?exploited=1", root); len(v) != 0 {
		t.Errorf("exploited CVEs before the catalogue: %+v", v)
	}

	out := runPakiti(t, s.db, "import", "--source", "kev",
		filepath.Join(shared, "data/feeds/kev/known_exploited_vulnerabilities.json.gz"))
	if !strings.Contains(out, "1404") {
		t.Errorf("kev import says %q, want its 1404 records", out)
	}
	// Nothing of the host moved.
	after, dataAfter := hostDetail(host)
	if diff := cmp.Diff(open(before), open(after)); diff != "" || !after.Host.Evaluated {
		t.Errorf("findings after the catalogue (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(dataBefore, dataAfter); diff != "" {
		t.Errorf("data state after the catalogue (-before +after):\n%s", diff)
	}

	// known_exploited_vulnerabilities.json: "cveID": "CVE-2023-4911", "vendorProject": "GNU",
	// "product": "GNU C Library", "dateAdded": "2023-11-21", "dueDate": "2023-12-12",
	// "knownRansomwareCampaignUse": "Unknown". CVE-2023-38545 (curl) is not in it.
	for _, tok := range []string{root, alice} {
		if diff := cmp.Diff([]vuln{{"CVE-2023-4911", 1, true}}, vulns("?exploited=1", tok)); diff != "" {
			t.Errorf("exploited CVEs (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]vuln{{"CVE-2023-38545", 2, false}, {"CVE-2023-4911", 1, true}}, vulns("?sort=cve", tok)); diff != "" {
			t.Errorf("all CVEs (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{host}, hosts("?exploited=1", tok)); diff != "" {
			t.Errorf("exploited hosts (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{host, "patched-glibc.example.org"}, hosts("", tok)); diff != "" {
			t.Errorf("all hosts (-want +got):\n%s", diff)
		}
		if d := dashboard(tok); d != (dash{true, "2025.08.25", 1}) {
			t.Errorf("dashboard: %+v, want 1 host exposed to catalogue 2025.08.25", d)
		}
	}
	csv := get("/api/v1/cves?exploited=1&format=csv", root)
	if want := "cve,hosts,severity,severity_word,tags,exploited\n"; !strings.HasPrefix(csv, want) ||
		strings.Count(csv, "\n") != 2 || !strings.HasPrefix(strings.Split(csv, "\n")[1], "CVE-2023-4911,1,") ||
		!strings.HasSuffix(csv, ",true\n") {
		t.Errorf("exploited CVEs as CSV:\n%s", csv)
	}
	if csv := get("/api/v1/hosts?exploited=1&format=csv", root); strings.Count(csv, "\n") != 2 || !strings.Contains(csv, host) {
		t.Errorf("exploited hosts as CSV:\n%s", csv)
	}
	var cve struct {
		KEV *struct {
			DateAdded  string `json:"date_added"`
			DueDate    string `json:"due_date"`
			Ransomware string `json:"known_ransomware_use"`
			Product    string `json:"product"`
		} `json:"kev"`
	}
	getJSON("/api/v1/cves/CVE-2023-4911", alice, &cve)
	if cve.KEV == nil || *cve.KEV != (struct {
		DateAdded  string `json:"date_added"`
		DueDate    string `json:"due_date"`
		Ransomware string `json:"known_ransomware_use"`
		Product    string `json:"product"`
	}{"2023-11-21", "2023-12-12", "Unknown", "GNU C Library"}) {
		t.Errorf("CVE-2023-4911's catalogue entry: %+v", cve.KEV)
	}
	// The host page marks the finding and filters on it.
	page := get("/hosts/"+host, alice)
	// One mark per finding of CVE-2023-4911: libc-bin's and libc6's.
	if n := strings.Count(page, `<span class="kev" title=`); n != 2 || !strings.Contains(page, "?exploited=1#findings-title") {
		t.Errorf("host page with %d known-exploited marks, want 2, and a link to show only them", n)
	}
	page = get("/hosts/"+host+"?exploited=1", alice)
	if !strings.Contains(page, "CVE-2023-4911") || strings.Contains(page, "CVE-2023-38545") {
		t.Errorf("host page ?exploited=1 does not keep only CVE-2023-4911")
	}

	// The pages: the list's mark, the CVE page's entry, the dashboard's tile.
	page = get("/cves?exploited=1", alice)
	if !strings.Contains(page, `<a href="/cves/CVE-2023-4911">CVE-2023-4911</a>`) || !strings.Contains(page, `class="kev"`) ||
		strings.Contains(page, "CVE-2023-38545") {
		t.Errorf("/cves?exploited=1 does not list CVE-2023-4911 alone, marked")
	}
	page = get("/cves/CVE-2023-4911", alice)
	for _, want := range []string{`<dd id="kev-added">2023-11-21</dd>`, `<dd id="kev-due">2023-12-12</dd>`, `<dd id="kev-ransomware">Unknown</dd>`,
		"https://www.cisa.gov/known-exploited-vulnerabilities-catalog"} {
		if !strings.Contains(page, want) {
			t.Errorf("CVE page lacks %s", want)
		}
	}
	if page = get("/", alice); !strings.Contains(page, `<span class="n" id="kev-hosts">1</span>`) || !strings.Contains(page, `href="/hosts?exploited=1"`) {
		t.Errorf("dashboard page without its known-exploited count of 1")
	}
	if out := runPakiti(t, s.db, "sources", "list"); !strings.Contains(out, "kev") || !strings.Contains(out, "1404") {
		t.Errorf("sources list without kev and its 1404 records:\n%s", out)
	}

	// Another site's viewer sees none of it.
	if v := vulns("?exploited=1", bob); len(v) != 0 {
		t.Errorf("bob's exploited CVEs: %+v", v)
	}
	if h := hosts("?exploited=1", bob); len(h) != 0 {
		t.Errorf("bob's exploited hosts: %v", h)
	}
	if d := dashboard(bob); d != (dash{true, "2025.08.25", 0}) {
		t.Errorf("bob's dashboard: %+v, want the catalogue loaded and no host", d)
	}

	// Activity: both CVEs were first seen on the host just now.
	if v := vulns("?activity=24h&sort=cve", alice); len(v) != 2 {
		t.Errorf("CVEs first exposed within 24h: %+v, want both", v)
	}
	if v := vulns("?activity=-7d", alice); len(v) != 0 {
		t.Errorf("CVEs first exposed before 7 days: %+v, want none", v)
	}
	if v := vulns("?activity=24h&exploited=1", alice); len(v) != 1 {
		t.Errorf("exploited CVEs first exposed within 24h: %+v, want CVE-2023-4911", v)
	}
}
