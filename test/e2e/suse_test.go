package e2e

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The SUSE expectations are written by hand from the records in
// testdata/suse (see PROVENANCE.tsv). The shared SUSE OVAL holds no
// definition of a package of the SLES 15 SP3 and openSUSE Leap 15.3
// inventories (its SLE 15 file is a fixture malformed on purpose; the
// others are other releases), so the fixed-version cases run on hosts
// built from the real Leap 15.3 inventory re-labelled as openSUSE Leap
// 15.2, the release of the real fastjar definition, with fastjar
// installed in the versions each case names (constructed host data; the
// record is real).

// CVE-2010-2322 (oval:org.opensuse.security:def:20102322, openSUSE Leap 15.2):
// "fastjar is <0.98-lp152.4.3.1 for i586,x86_64" (arch pattern "(i586|x86_64)"),
// severity Low, references openSUSE-SU-2021:1107-1 (the first openSUSE one).
var fastjarFinding = rpmFinding{"fastjar", "0:0.98-lp152.4.2.1", "CVE-2010-2322", "0:0.98-lp152.4.3.1", "low", "openSUSE-SU-2021:1107-1", "report", ""}

// TestSUSEEndToEnd: the real SLES 15 SP3 and openSUSE Leap 15.3
// inventories reported through /feed/ (protocol 5, and protocol 6 with
// os-release), SUSE's OVAL and CSAF VEX imported with pakiti import, the
// API's findings compared with the expectations above.
func TestSUSEEndToEnd(t *testing.T) {
	shared := sharedDir(t)
	s := startServer(t)
	inv := func(rel string) string { return filepath.Join(shared, "data/inventories", rel) }
	read := func(rel string) string {
		raw, err := os.ReadFile(inv(rel))
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	sles := "sles-15/vuls-sles15/vuls-sles15.pakiti5.txt"
	leap := "opensuse-leap-15.3/vicibox-installed-rpms/vicibox-installed-rpms.pakiti5.txt"
	runClient(t, "--url", s.base+"/feed/", "--input", inv(sles))
	runClient(t, "--url", s.base+"/feed/", "--input", inv(leap))

	// Leap 15.2 hosts from the Leap 15.3 inventory (protocol 5), with fastjar:
	// older than the fix, equal to it, and older but of an arch outside the record's.
	for _, v := range []struct{ host, line string }{
		{"leap152-older.example.org", "fastjar\t0:0.98-lp152.4.2.1\tx86_64\n"},
		{"leap152-fixed.example.org", "fastjar\t0:0.98-lp152.4.3.1\tx86_64\n"},
		{"leap152-aarch64.example.org", "fastjar\t0:0.98-lp152.4.2.1\taarch64\n"},
	} {
		r := strings.Replace(read(leap), "host: inv-leap153-a.example.org", "host: "+v.host, 1)
		r = strings.Replace(r, "system: openSUSE Leap 15.3", "system: openSUSE Leap 15.2", 1)
		f := filepath.Join(t.TempDir(), "leap152.txt")
		if err := os.WriteFile(f, []byte(r+v.line), 0o600); err != nil {
			t.Fatal(err)
		}
		runClient(t, "--url", s.base+"/feed/", "--input", f)
	}
	// The SLES 15 SP3 inventory over protocol 6, with its os-release (ID sles, VERSION_ID 15.3).
	p6 := strings.Replace(read(sles), "host: inv-sles15-a.example.org", "host: sles15-p6.example.org", 1)
	p6 = strings.Replace(p6, "packager: rpm\n", "os-id: sles\nos-version-id: 15.3\npackager: rpm\n", 1)
	resp, err := http.Post(s.base+"/feed/?protocol=6", "text/plain", strings.NewReader(p6))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "OK") {
		t.Fatalf("protocol-6 report: %d %q", resp.StatusCode, body)
	}

	runPakiti(t, s.db, "import", "--source", "suse", "testdata/suse/opensuse.leap.15.2.excerpt.xml.gz", "testdata/suse/cve-2023-5568.json")

	for _, tc := range []struct {
		host, group string
		want        []rpmFinding
	}{
		{"leap152-older.example.org", "opensuse-leap:15.2", []rpmFinding{fastjarFinding}},
		// installed == fixed: not vulnerable.
		{"leap152-fixed.example.org", "opensuse-leap:15.2", nil},
		// aarch64 is not in "(i586|x86_64)": the record does not concern the package.
		{"leap152-aarch64.example.org", "opensuse-leap:15.2", nil},
	} {
		h, got := s.rpmFindings(t, tc.host)
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s findings (-want +got):\n%s", tc.host, diff)
		}
		if !h.Host.Evaluated || h.Host.OSGroup != tc.group {
			t.Errorf("%s: evaluated %v, group %q; want evaluated, %s", tc.host, h.Host.Evaluated, h.Host.OSGroup, tc.group)
		}
	}
	// Leap 15.3: the imported data hold no record of the release: the host
	// stays not evaluated (never shown clean).
	if h := s.findings(t, "inv-leap153-a.example.org", false); h.Host.Evaluated || h.Host.OSGroup != "opensuse-leap:15.3" {
		t.Errorf("inv-leap153-a: evaluated %v, group %q; want not evaluated, opensuse-leap:15.3", h.Host.Evaluated, h.Host.OSGroup)
	}
	// The fastjar host's kernel-default 0:5.3.18-57.3 is the running one
	// (kernel: 5.3.18-57-default): no idle kernel.
	if h := s.findings(t, "leap152-older.example.org", false); len(h.IdleKernels) != 0 || h.Host.CVEs != 1 || h.Host.VulnerablePackages != 1 {
		t.Errorf("leap152-older: idle kernels %+v, %d CVEs, %d packages; want none, 1, 1", h.IdleKernels, h.Host.CVEs, h.Host.VulnerablePackages)
	}

	// SLES 15 SP3: CSAF VEX CVE-2023-5568 lists "SUSE Linux Enterprise Server 15 SP3-LTSS:samba-libs"
	// (and 15-LTSS's) as known_not_affected: the host's samba-libs
	// 0:4.13.13+git.531.903f5c0ccdc-3.17.1 has no finding. The OS group rules on main
	// map os-release "sles 15.3" to sles:15 (service pack dropped) and the system
	// string "SLES 15.3" to nothing: the groups needed are sles:15.3 for both
	// (reported as a gap); until then the protocol-5 host is not evaluated.
	h, got := s.rpmFindings(t, "sles15-p6.example.org")
	if len(got) != 0 || (h.Host.OSGroup != "sles:15" && h.Host.OSGroup != "sles:15.3") || !h.Host.Evaluated {
		t.Errorf("sles15-p6: group %q evaluated %v findings %+v; want sles:15.3 (or sles:15 with today's rules), evaluated, none", h.Host.OSGroup, h.Host.Evaluated, got)
	}
	switch h, got := s.rpmFindings(t, "inv-sles15-a.example.org"); h.Host.OSGroup {
	case "":
		if h.Host.Evaluated {
			t.Error("inv-sles15-a: evaluated without an OS group")
		}
		t.Log(`needs osgroup rule: "^SLES (\d+(?:\.\d+)?)" -> sles:$1`)
	case "sles:15.3":
		if !h.Host.Evaluated || len(got) != 0 {
			t.Errorf("inv-sles15-a: evaluated %v findings %+v; want evaluated, none", h.Host.Evaluated, got)
		}
	default:
		t.Errorf("inv-sles15-a: group %q, want sles:15.3", h.Host.OSGroup)
	}
}
