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

// Per-host facts in matching (issue 10 §3 Ubuntu Pro, issue 9 §3 module
// streams): the same packages give different findings on hosts that
// state different Pro services or enabled module streams.

// hostFinding is a finding of the API, with what the host rules change.
type hostFinding struct {
	Package  string `json:"package"`
	CVE      string `json:"cve"`
	Fixed    string `json:"fixed"`
	Status   string `json:"status"`
	Vendor   string `json:"vendor_status"`
	Origin   string `json:"source"`
	Basis    string `json:"basis"`
	Advisory string `json:"advisory"`
}

func (s *server) hostFindings(t *testing.T, host string) []hostFinding {
	t.Helper()
	resp, err := http.Get(s.base + "/api/v1/hosts/" + url.PathEscape(host))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d struct {
		Host struct {
			Evaluated bool `json:"evaluated"`
		} `json:"host"`
		Findings []hostFinding `json:"findings"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if !d.Host.Evaluated {
		t.Errorf("%s not evaluated", host)
	}
	sort.Slice(d.Findings, func(i, j int) bool {
		a, b := d.Findings[i], d.Findings[j]
		if a.Package != b.Package {
			return a.Package < b.Package
		}
		return a.CVE < b.CVE
	})
	return d.Findings
}

// without returns fs without the findings of package pkg, and those.
func without(fs []hostFinding, pkg string) (rest, of []hostFinding) {
	for _, f := range fs {
		if f.Package == pkg {
			of = append(of, f)
		} else {
			rest = append(rest, f)
		}
	}
	return rest, of
}

// nettyStanza is a dpkg status entry for libnetty-java at bionic's release
// version 1:4.1.7-4 (bionic_netty "not-affected (1:4.1.7-4)" in the 2020
// tracker snapshot; testdata/bionic-pro-p6.report has the same package).
// Constructed: no ubuntu-18.04 inventory has netty, and Ubuntu's only
// 18.04 Pro fix in the feeds folder is netty's.
const nettyStanza = "Package: libnetty-java\nStatus: install ok installed\nPriority: optional\nSection: java\n" +
	"Installed-Size: 3391\nMaintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>\nArchitecture: all\n" +
	"Source: netty\nVersion: 1:4.1.7-4\nDescription: Java NIO client/server socket framework\n\n"

// TestUbuntuProPerHost: the real ubuntu-18.04/fanal-testdata-dpkg
// inventory (its dpkg status, plus nettyStanza) reported by
// pakiti-client --root over protocol 6 with what
// /var/lib/ubuntu-advantage says, and over protocol 5, against Ubuntu's
// OSV records of the feeds folder. UBUNTU-CVE-2022-24823 has
// "Ubuntu:Pro:18.04:LTS" netty fixed 1:4.1.7-4ubuntu0.1+esm3, "Available
// with Ubuntu Pro" (esm-apps), and no 18.04 release record: libnetty-java
// 1:4.1.7-4 is below that fix, and
//
//   - with esm-apps enabled, the host can install it: open, vendor status
//     fixed, origin ubuntu-esm-apps;
//   - with esm-infra only (the real status.json of ubuntu-advantage-tools
//     27.6), or without Pro (no Pro file: pro: none), it cannot: unfixed,
//     "fix in Ubuntu Pro (esm-apps), not enabled on the host";
//   - over protocol 5 the Pro state is unknown: unfixed, and said so.
//
// Every other finding is the same on every host.
func TestUbuntuProPerHost(t *testing.T) {
	shared := sharedDir(t)
	s := startServer(t)
	inv := filepath.Join(shared, "data/inventories/ubuntu-18.04/fanal-testdata-dpkg")
	status, err := os.ReadFile(filepath.Join(inv, "status"))
	if err != nil {
		t.Fatal(err)
	}
	osRelease, err := os.ReadFile("testdata/bionic-os-release")
	if err != nil {
		t.Fatal(err)
	}
	infra, err := os.ReadFile("../../internal/collect/testdata/pro/esm_enabled_status.json")
	if err != nil {
		t.Fatal(err)
	}
	// Constructed in status.json's shape: both ESM services enabled.
	apps := []byte(`{"attached": true, "services": [{"name": "esm-apps", "status": "enabled"}, {"name": "esm-infra", "status": "enabled"}, {"name": "livepatch", "status": "disabled"}]}`)
	root := func(pro []byte) string {
		r := t.TempDir()
		files := map[string][]byte{"var/lib/dpkg/status": append(append([]byte(nil), status...), nettyStanza...),
			"etc/os-release": osRelease}
		if pro != nil {
			files["var/lib/ubuntu-advantage/status.json"] = pro
		}
		for name, data := range files {
			if err := os.MkdirAll(filepath.Join(r, filepath.Dir(name)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(r, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
	runPakiti(t, s.db, "import", "--source", "ubuntu", filepath.Join(shared, "data/feeds/ubuntu/osv-samples"))
	client := func(host, r string) {
		runClient(t, "--url", s.base+"/feed/", "--root", r, "--host", host, "--site", "E2E", "--protocol", "6")
	}
	appsRoot, infraRoot := root(apps), root(infra)
	client("bionic-apps.example.org", appsRoot)
	client("bionic-infra.example.org", infraRoot)
	client("bionic-none.example.org", root(nil))
	// Protocol 5: the inventory's own report and the netty line.
	p5, err := os.ReadFile(filepath.Join(inv, "fanal-testdata-dpkg.pakiti5.txt"))
	if err != nil {
		t.Fatal(err)
	}
	body := strings.TrimSuffix(string(p5), "#\n")
	if body == string(p5) {
		t.Fatalf("protocol-5 report without its closing #:\n%.200s", p5)
	}
	p5Text := strings.Replace(body, "host: inv-ubuntu1804-a.example.org", "host: bionic-p5.example.org", 1) + "libnetty-java\t1:4.1.7-4\tall\n#\n"
	s.sendReport(t, p5Text, "5")

	const cve, fix = "CVE-2022-24823", "1:4.1.7-4ubuntu0.1+esm3"
	notEnabled := "report; fix in Ubuntu Pro (esm-apps), not enabled on the host"
	want := map[string][]hostFinding{
		"bionic-apps.example.org": {{"libnetty-java", cve, fix, "open", "fixed", "ubuntu-esm-apps",
			"report; Ubuntu Pro esm-apps enabled on the host: the fix is installable", ""}},
		"bionic-infra.example.org": {{"libnetty-java", cve, fix, "unfixed", "affected", "ubuntu-without-esm-apps", notEnabled, ""}},
		"bionic-none.example.org":  {{"libnetty-java", cve, fix, "unfixed", "affected", "ubuntu-without-esm-apps", notEnabled, ""}},
		// Protocol 5: libnetty-java's source learned from the protocol-6 reports.
		"bionic-p5.example.org": {{"libnetty-java", cve, fix, "unfixed", "affected", "ubuntu-without-esm-apps",
			"learned; fix in Ubuntu Pro (esm-apps); the host's Pro state is unknown (no pro: header)", ""}},
	}
	var base []hostFinding
	for _, host := range []string{"bionic-apps.example.org", "bionic-infra.example.org", "bionic-none.example.org", "bionic-p5.example.org"} {
		rest, netty := without(s.hostFindings(t, host), "libnetty-java")
		if diff := cmp.Diff(want[host], netty); diff != "" {
			t.Errorf("%s: libnetty-java (-want +got):\n%s", host, diff)
		}
		// The other findings do not depend on Pro (their basis aside:
		// protocol 5 matches by learned sources).
		for i := range rest {
			rest[i].Basis = ""
		}
		if base == nil {
			base = rest
			if len(base) == 0 {
				t.Errorf("%s: no finding besides libnetty-java", host)
			}
		} else if diff := cmp.Diff(base, rest); diff != "" {
			t.Errorf("%s: findings besides libnetty-java differ from bionic-apps's (-apps +this):\n%s", host, diff)
		}
	}
	// The host page says it.
	resp, err := http.Get(s.base + "/hosts/bionic-infra.example.org")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "fix in Ubuntu Pro (esm-apps), not enabled on the host") {
		t.Errorf("host page of bionic-infra does not say the fix needs Ubuntu Pro esm-apps")
	}
	// The infra host enables esm-apps: a changed pro: header is a changed
	// report, and its finding turns open. Then it detaches (pro: none).
	client("bionic-infra.example.org", appsRoot)
	if _, netty := without(s.hostFindings(t, "bionic-infra.example.org"), "libnetty-java"); len(netty) != 1 || netty[0].Status != "open" {
		t.Errorf("bionic-infra with esm-apps enabled: %+v, want one open finding", netty)
	}
	if err := os.Remove(filepath.Join(appsRoot, "var/lib/ubuntu-advantage/status.json")); err != nil {
		t.Fatal(err)
	}
	client("bionic-infra.example.org", appsRoot)
	if _, netty := without(s.hostFindings(t, "bionic-infra.example.org"), "libnetty-java"); len(netty) != 1 || netty[0].Status != "unfixed" || netty[0].Basis != notEnabled {
		t.Errorf("bionic-infra detached: %+v, want one unfixed finding, basis %q", netty, notEnabled)
	}
}

// TestModuleStreamsPerHost: the real alma-8/vuls-alma8 inventory, whose
// perl-Encode-Locale 0:1.05-10.module_el8.5.0+2812+ed912d05 is a module
// build (ALEA-2022:1869 "new module: perl:5.32" ships that very build),
// reported without its module stream — over protocol 6 as a client that
// cannot read MODULARITYLABEL sends it, with the host's enabled streams,
// and over protocol 5 — against the real AlmaLinux records ALSA-2024:3128
// (CVE-2023-47038) and ALSA-2026:8096 (CVE-2025-40909), both "Moderate:
// perl:5.32 security update", perl-Encode-Locale fixed
// 1.05-10.module_el8.6.0+2766+8bf0b7ce (newer: el8.6 after el8.5):
//
//   - perl:5.32 enabled: the records of that stream apply (basis
//     module-enabled);
//   - perl:5.26 enabled (the AlmaLinux 8 default) and not perl:5.32: no
//     record of an enabled stream names the package: no finding;
//   - no modules: header, or protocol 5: the stream is not known, every
//     stream's records apply (basis module-unknown), as before.
func TestModuleStreamsPerHost(t *testing.T) {
	shared := sharedDir(t)
	s := startServer(t)
	p5, err := os.ReadFile(filepath.Join(shared, "data/inventories/alma-8/vuls-alma8/vuls-alma8.pakiti5.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(p5), "perl-Encode-Locale\t0:1.05-10.module_el8.5.0+2812+ed912d05\tnoarch\n") {
		t.Fatal("the alma-8 inventory no longer has perl-Encode-Locale 0:1.05-10.module_el8.5.0+2812+ed912d05")
	}
	report := func(host, modules string) string {
		r := strings.Replace(string(p5), "host: inv-alma8-a.example.org", "host: "+host, 1)
		if modules != "" {
			r = strings.Replace(r, "\nsite: ", "\nmodules: "+modules+"\nsite: ", 1)
		}
		return r
	}
	s.sendReport(t, report("alma8-perl532.example.org", "perl:5.32"), "6")
	s.sendReport(t, report("alma8-perl526.example.org", "perl:5.26 perl-IO-Socket-SSL:2.066 perl-libwww-perl:6.34"), "6")
	s.sendReport(t, report("alma8-unsaid.example.org", ""), "6")
	s.sendReport(t, report("alma8-p5.example.org", ""), "5")
	runPakiti(t, s.db, "import", "--source", "alma", "testdata/alma8-osv")

	const fix = "1.05-10.module_el8.6.0+2766+8bf0b7ce"
	perlFindings := func(basis string) []hostFinding {
		return []hostFinding{
			{"perl-Encode-Locale", "CVE-2023-47038", fix, "open", "fixed", "alma", basis, "ALSA-2024:3128"},
			{"perl-Encode-Locale", "CVE-2025-40909", fix, "open", "fixed", "alma", basis, "ALSA-2026:8096"},
		}
	}
	for host, want := range map[string][]hostFinding{
		"alma8-perl532.example.org": perlFindings("module-enabled"),
		"alma8-perl526.example.org": nil,
		"alma8-unsaid.example.org":  perlFindings("module-unknown"),
		"alma8-p5.example.org":      perlFindings("module-unknown"),
	} {
		if diff := cmp.Diff(want, s.hostFindings(t, host), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", host, diff)
		}
	}
	// The perl:5.26 host enables perl:5.32: its changed report gets the
	// stream's findings.
	s.sendReport(t, report("alma8-perl526.example.org", "perl:5.32"), "6")
	if diff := cmp.Diff(perlFindings("module-enabled"), s.hostFindings(t, "alma8-perl526.example.org")); diff != "" {
		t.Errorf("alma8-perl526 after enabling perl:5.32 (-want +got):\n%s", diff)
	}
}

// TestRedHatModuleStreamsPerHost: RHEA-2020:0330 (nodejs:12, Red Hat's
// OVAL v1 excerpt, criteria "Module nodejs:12 is enabled") on RHEL 8 hosts
// whose client could not read the builds' MODULARITYLABEL (rpm prints
// "(none)") but sent the enabled streams (moduleHost: the dnf module file
// of nodejs:STREAM): the nodejs:10 build on the nodejs:10 host is not held
// to nodejs:12's fix; the nodejs:12 build older than the fix on the
// nodejs:12 host is, both decided with basis module-enabled. The same
// nodejs:10 host without modules.d meets every stream's records
// (module-unknown), as before.
func TestRedHatModuleStreamsPerHost(t *testing.T) {
	s := startServer(t)
	const (
		v12 = "1:12.13.1-1.module+el8.1.0+4889+fe7b9d5f"
		v10 = "1:10.19.0-1.module+el8.1.0+5726+6ed65f8c"
	)
	root12, rpm12 := moduleHost(t, "12", v12, "(none)")
	runClient(t, "--url", s.base+"/feed/", "--root", root12, "--rpm", rpm12, "--host", "nodejs12-nolabel.example.org", "--site", "E2E", "--protocol", "6")
	root10, rpm10 := moduleHost(t, "10", v10, "(none)")
	runClient(t, "--url", s.base+"/feed/", "--root", root10, "--rpm", rpm10, "--host", "nodejs10-nolabel.example.org", "--site", "E2E", "--protocol", "6")
	if err := os.RemoveAll(filepath.Join(root10, "etc/dnf")); err != nil {
		t.Fatal(err)
	}
	runClient(t, "--url", s.base+"/feed/", "--root", root10, "--rpm", rpm10, "--host", "nodejs10-unsaid.example.org", "--site", "E2E", "--protocol", "6")
	runPakiti(t, s.db, "import", "--source", "redhat", "testdata/rhel8-v1.excerpt.xml")

	fixed := "1:12.14.1-1.module+el8.1.0+5466+30f75629"
	var want12, want10 []rpmFinding
	for _, c := range rhea20200330 {
		want12 = append(want12, rpmFinding{"nodejs", v12, c, fixed, "low", "RHEA-2020:0330", "module-enabled", ""})
		want10 = append(want10, rpmFinding{"nodejs", v10, c, fixed, "low", "RHEA-2020:0330", "module-unknown", ""})
	}
	for host, want := range map[string][]rpmFinding{
		"nodejs12-nolabel.example.org": want12,
		"nodejs10-nolabel.example.org": nil,
		"nodejs10-unsaid.example.org":  want10,
	} {
		_, got := s.rpmFindings(t, host)
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s findings (-want +got):\n%s", host, diff)
		}
	}
}
