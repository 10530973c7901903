package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// vexFinding is an API finding with the vendor's status.
type vexFinding struct {
	Package      string `json:"package"`
	Installed    string `json:"installed"`
	CVE          string `json:"cve"`
	Fixed        string `json:"fixed"`
	VendorStatus string `json:"vendor_status"`
	Severity     string `json:"severity"`
	Advisory     string `json:"advisory"`
	Origin       string `json:"source"`
}

func (s *server) vexFindings(t *testing.T, host string) []vexFinding {
	t.Helper()
	resp, err := http.Get(s.base + "/api/v1/hosts/" + url.PathEscape(host))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw struct {
		Findings []vexFinding `json:"findings"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	sortVEX(raw.Findings)
	return raw.Findings
}

func sortVEX(f []vexFinding) {
	sort.Slice(f, func(i, j int) bool {
		if f[i].Package != f[j].Package {
			return f[i].Package < f[j].Package
		}
		return f[i].CVE < f[j].CVE
	})
}

// The Red Hat CSAF expectations are written by hand from the documents in
// shared/data/feeds/redhat (PROVENANCE.tsv); installed versions are the
// inventories'.
//
// inv-rhel9-a (RHEL 9.0, running 5.14.0-70.13.1.el9_0.x86_64):
var rhel9VEXWant = func() []vexFinding {
	var f []vexFinding
	add := func(pkgs []string, installed, cve, fixed, sev, adv string) {
		for _, p := range pkgs {
			f = append(f, vexFinding{p, installed, cve, fixed, "fixed", sev, adv, "redhat-csaf-vex"})
		}
	}
	// vex/cve-2023-38545.json: fixed "BaseOS-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.x86_64",
	// "BaseOS-9.3.0.Z.MAIN:libcurl-0:7.76.1-26.el9_3.2.x86_64" (RHSA-2023:6745) and
	// "BaseOS-9.2.0.Z.MAIN.EUS:curl-0:7.76.1-23.el9_2.4.x86_64" (RHSA-2023:5763): both main-stream
	// (cpe:/o:redhat:enterprise_linux:9::baseos), the latest decides; impact Important.
	add([]string{"curl", "libcurl"}, "0:7.76.1-14.el9", "CVE-2023-38545", "0:7.76.1-26.el9_3.2", "important", "RHSA-2023:6745")
	// vex/cve-2023-6240.json: fixed "BaseOS-9.4.0.Z.MAIN.EUS:kernel-0:5.14.0-427.16.1.el9_4.x86_64",
	// kernel-core, kernel-modules, python3-perf (AppStream) likewise, RHSA-2024:2758, impact Moderate.
	// The running kernel's packages count; kernel-devel, kernel-tools, kernel-tools-libs are kernel
	// support packages (no finding); kernel-headers is known_not_affected besides.
	add([]string{"kernel", "kernel-core", "kernel-modules", "python3-perf"}, "0:5.14.0-70.13.1.el9_0", "CVE-2023-6240",
		"0:5.14.0-427.16.1.el9_4", "moderate", "RHSA-2024:2758")
	// vex/cve-2023-6237.json: fixed "BaseOS-9.4.0.GA:openssl-libs-1:3.0.7-27.el9.x86_64" (purl
	// "...openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1"), openssl (AppStream), openssl-devel;
	// RHSA-2024:2447, impact Low.
	add([]string{"openssl", "openssl-devel", "openssl-libs"}, "1:3.0.1-20.el9_0", "CVE-2023-6237", "1:3.0.7-27.el9", "low", "RHSA-2024:2447")
	// csaf-advisories/rhsa-2024_0811.json (RHSA-2024:0811, sudo): fixed
	// "BaseOS-9.3.0.Z.MAIN:sudo-0:1.9.5p2-10.el9_3.x86_64" for CVE-2023-28486, -28487, -42465, each
	// impact Moderate. ("BaseOS-9.0.0.Z.EUS:sudo-0:1.9.5p2-7.el9_0.4" is rhel:9.0-eus's, not this host's.)
	for _, c := range []string{"CVE-2023-28486", "CVE-2023-28487", "CVE-2023-42465"} {
		add([]string{"sudo"}, "0:1.9.5p2-7.el9", c, "0:1.9.5p2-10.el9_3", "moderate", "RHSA-2024:0811")
	}
	// vex-reindented/CVE-2023-28484.json: fixed "BaseOS-9.2.0.Z.MAIN.EUS:libxml2-0:2.9.13-3.el9_2.1.x86_64"
	// and python3-libxml2, vendor_fix RHSA-2023:4349, impact Moderate.
	add([]string{"libxml2", "python3-libxml2"}, "0:2.9.13-1.el9", "CVE-2023-28484", "0:2.9.13-3.el9_2.1", "moderate", "RHSA-2023:4349")
	sortVEX(f)
	return f
}()

// inv-rhel7-a (RHEL 7.3, running 3.10.0-514.el7.x86_64): unfixed states.
var rhel7VEXWant = []vexFinding{
	// vex/cve-2023-6240.json: known_affected "red_hat_enterprise_linux_7:kernel", no_fix_planned
	// "Out of support scope", impact Moderate: end-of-life, no fix. The running kernel.
	{"kernel", "0:3.10.0-514.el7", "CVE-2023-6240", "", "end-of-life", "moderate", "", "redhat-csaf-vex"},
	// vex-reindented/CVE-2023-28484.json: known_affected "red_hat_enterprise_linux_7:libxml2" and
	// "red_hat_enterprise_linux_7:libxml2-python" (line 2954), no_fix_planned "Out of support scope",
	// impact Moderate.
	{"libxml2", "0:2.9.1-6.el7_2.3", "CVE-2023-28484", "", "end-of-life", "moderate", "", "redhat-csaf-vex"},
	{"libxml2-python", "0:2.9.1-6.el7_2.3", "CVE-2023-28484", "", "end-of-life", "moderate", "", "redhat-csaf-vex"},
	// Not findings: vex/cve-2023-38545.json known_not_affected "red_hat_enterprise_linux_7:curl",
	// "...:libcurl"; vex/cve-2023-6237.json known_not_affected "red_hat_enterprise_linux_7:openssl".
}

// TestRedHatVEXEndToEnd: real RHEL 9 and RHEL 7 inventories reported
// through /feed/ (protocol 5, and the RHEL 9 one over protocol 6 with
// os-release), Red Hat's CSAF VEX documents and advisories imported with
// pakiti import --source redhat, the API's findings compared with the
// expectations above.
func TestRedHatVEXEndToEnd(t *testing.T) {
	shared := sharedDir(t)
	s := startServer(t)
	inv := func(rel string) string { return filepath.Join(shared, "data/inventories", rel) }
	rhel9 := "rhel-9/vuls-rhel90/vuls-rhel90.pakiti5.txt"
	runClient(t, "--url", s.base+"/feed/", "--input", inv(rhel9))
	runClient(t, "--url", s.base+"/feed/", "--input", inv("rhel-7/vuls-rhel73/vuls-rhel73.pakiti5.txt"))
	raw, err := os.ReadFile(inv(rhel9))
	if err != nil {
		t.Fatal(err)
	}
	// Constructed host data (the records are real): the RHEL 9 inventory
	// with curl and libcurl updated to RHSA-2023:6745's 0:7.76.1-26.el9_3.2.
	fixed := strings.Replace(string(raw), "host: inv-rhel9-a.example.org", "host: rhel9-curl-fixed.example.org", 1)
	fixed = strings.Replace(fixed, "curl\t0:7.76.1-14.el9\t", "curl\t0:7.76.1-26.el9_3.2\t", 1)
	fixed = strings.Replace(fixed, "libcurl\t0:7.76.1-14.el9\t", "libcurl\t0:7.76.1-26.el9_3.2\t", 1)
	fixedFile := filepath.Join(t.TempDir(), "rhel9-fixed.txt")
	if err := os.WriteFile(fixedFile, []byte(fixed), 0o600); err != nil {
		t.Fatal(err)
	}
	runClient(t, "--url", s.base+"/feed/", "--input", fixedFile)
	// The RHEL 9 inventory over protocol 6, with its os-release (ID rhel, VERSION_ID 9.0).
	p6 := strings.Replace(string(raw), "host: inv-rhel9-a.example.org", "host: rhel9-p6.example.org", 1)
	p6 = strings.Replace(p6, "packager: rpm\n", "os-id: rhel\nos-version-id: 9.0\npackager: rpm\n", 1)
	resp, err := http.Post(s.base+"/feed/?protocol=6", "text/plain", strings.NewReader(p6))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "OK") {
		t.Fatalf("protocol-6 report: %d %q", resp.StatusCode, body)
	}

	feeds := filepath.Join(shared, "data/feeds/redhat")
	runPakiti(t, s.db, "import", "--source", "redhat",
		filepath.Join(feeds, "vex/cve-2023-38545.json"), filepath.Join(feeds, "vex/cve-2023-6240.json"),
		filepath.Join(feeds, "vex/cve-2023-6237.json"), filepath.Join(feeds, "csaf-advisories/rhsa-2024_0811.json"),
		filepath.Join(feeds, "vex-reindented/CVE-2023-28484.json"))

	var rhel9FixedWant []vexFinding
	for _, f := range rhel9VEXWant {
		if f.CVE != "CVE-2023-38545" {
			rhel9FixedWant = append(rhel9FixedWant, f)
		}
	}
	for _, tc := range []struct {
		host, group string
		want        []vexFinding
	}{
		{"inv-rhel9-a.example.org", "rhel:9", rhel9VEXWant},
		{"rhel9-p6.example.org", "rhel:9", rhel9VEXWant},
		// installed == fixed (0:7.76.1-26.el9_3.2): curl and libcurl have no finding.
		{"rhel9-curl-fixed.example.org", "rhel:9", rhel9FixedWant},
		{"inv-rhel7-a.example.org", "rhel:7", rhel7VEXWant},
	} {
		got := s.vexFindings(t, tc.host)
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s findings (-want +got):\n%s", tc.host, diff)
		}
		if h := s.findings(t, tc.host, false); !h.Host.Evaluated || h.Host.OSGroup != tc.group {
			t.Errorf("%s: evaluated %v, group %q; want evaluated, %s", tc.host, h.Host.Evaluated, h.Host.OSGroup, tc.group)
		}
	}

	// A later import of Red Hat's OVAL (the real rhel-9 v2 excerpt) is a
	// part of its own: the CSAF records stay in force beside it. Its
	// oval:com.redhat.cve:def:20052541 says of CVE-2005-2541 "tar is
	// installed", resolution "Will not fix", severity Moderate; the host's
	// tar 2:1.34-3.el9 gets that finding from OVAL. (Its zlib definition is
	// "Unaffected components": no finding.)
	runPakiti(t, s.db, "import", "--source", "redhat", filepath.Join(feeds, "oval-v2/rhel-9-including-unpatched.oval.excerpt.xml.bz2"))
	withOVAL := append([]vexFinding{{"tar", "2:1.34-3.el9", "CVE-2005-2541", "", "will-not-fix", "moderate", "", "redhat-oval"}}, rhel9VEXWant...)
	sortVEX(withOVAL)
	for _, host := range []string{"inv-rhel9-a.example.org", "rhel9-p6.example.org"} {
		if diff := cmp.Diff(withOVAL, s.vexFindings(t, host), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s findings after the OVAL import (-want +got):\n%s", host, diff)
		}
	}

	// pakiti sources list names the redhat source, its CSAF parts beside its OVAL part.
	out := runPakiti(t, s.db, "sources", "list", "--format", "json")
	for _, want := range []string{`"redhat"`, "csaf cve-2023-38545.json", "csaf rhsa-2024_0811.json", "oval rhel:9"} {
		if !strings.Contains(out, want) {
			t.Errorf("sources list lacks %q:\n%.2000s", want, out)
		}
	}
}
