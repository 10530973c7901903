package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestRedHatELSEndToEnd: a second-generator VEX document naming RHEL 7
// only as ELS platforms, and a real RHEL 6 ELS advisory, imported with
// pakiti import --source redhat; the real RHEL 7 inventory over protocol
// 5 sees the ELS state as its own (origin redhat-csaf-vex-els); a RHEL 6
// host without the ELS build of bind is affected with the ELS fix named
// and nothing it can install (redhat-csaf-vex-without-els), one with it
// has no finding.
func TestRedHatELSEndToEnd(t *testing.T) {
	shared := sharedDir(t)
	s := startServer(t)
	rhel7 := filepath.Join(shared, "data/inventories/rhel-7/vuls-rhel73/vuls-rhel73.pakiti5.txt")
	runClient(t, "--url", s.base+"/feed/", "--input", rhel7)
	raw, err := os.ReadFile(rhel7)
	if err != nil {
		t.Fatal(err)
	}
	// Constructed hosts (the records are real): the RHEL 7.3 inventory relabelled RHEL 6
	// (system line), its bind packages (bind-libs-lite, bind-license) replaced by bind-libs and
	// bind-utils at an older RHEL 6 build 32:9.8.2-0.68.rc1.el6_10.13, and the same host with
	// RHSA-2025:23414's ELS build 32:9.8.2-0.68.rc1.el6_10.17.
	send := func(host, bindVersion string) {
		r := strings.Replace(string(raw), "host: inv-rhel7-a.example.org", "host: "+host, 1)
		r = strings.Replace(r, "system: Red Hat Enterprise Linux Server release 7.3 (Maipo)", "system: Red Hat Enterprise Linux Server release 6.10 (Santiago)", 1)
		var lines []string
		for _, l := range strings.Split(r, "\n") {
			if !strings.HasPrefix(l, "bind-") {
				lines = append(lines, l)
			}
		}
		lines = append(lines, "bind-libs\t"+bindVersion+"\tx86_64", "bind-utils\t"+bindVersion+"\tx86_64")
		f := filepath.Join(t.TempDir(), host)
		if err := os.WriteFile(f, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
			t.Fatal(err)
		}
		runClient(t, "--url", s.base+"/feed/", "--input", f)
	}
	if !strings.Contains(string(raw), "system: Red Hat Enterprise Linux Server release 7.3 (Maipo)") {
		t.Fatal("the RHEL 7 inventory's system line changed")
	}
	send("rhel6-plain.example.org", "32:9.8.2-0.68.rc1.el6_10.13")
	send("rhel6-els.example.org", "32:9.8.2-0.68.rc1.el6_10.17")

	feeds := filepath.Join(shared, "data/feeds/redhat")
	runPakiti(t, s.db, "import", "--source", "redhat",
		filepath.Join(feeds, "vex-v2-format/CVE-2024-6923.json"), filepath.Join(feeds, "csaf-advisories/rhsa-2025_23414.json"))

	// vex-v2-format/CVE-2024-6923.json ("CSAF Generator 2.0.1"): known_affected
	// "rhel-7-els.els:python.src" and "rhel-7.7.z.els:python.src" (cpe:/o:redhat:rhel_els:7),
	// no_fix_planned "Will not fix", impact Moderate. The host's python is 0:2.7.5-48.el7.
	rhel7Want := []vexFinding{{"python", "0:2.7.5-48.el7", "CVE-2024-6923", "", "will-not-fix", "moderate", "", "redhat-csaf-vex-els"}}
	// csaf-advisories/rhsa-2025_23414.json (RHSA-2025:23414, "6Server-ELS.EXTENSION" is
	// cpe:/o:redhat:rhel_els:6): fixed "6Server-ELS.EXTENSION:bind-libs-32:9.8.2-0.68.rc1.el6_10.17.x86_64"
	// and "...:bind-utils-32:9.8.2-0.68.rc1.el6_10.17.x86_64" for CVE-2021-25220 (impact Moderate)
	// and CVE-2025-40778 (Important): affected below the ELS build, the fix named.
	var plainWant []vexFinding
	for _, p := range []string{"bind-libs", "bind-utils"} {
		plainWant = append(plainWant,
			vexFinding{p, "32:9.8.2-0.68.rc1.el6_10.13", "CVE-2021-25220", "32:9.8.2-0.68.rc1.el6_10.17", "affected", "moderate", "RHSA-2025:23414", "redhat-csaf-vex-without-els"},
			vexFinding{p, "32:9.8.2-0.68.rc1.el6_10.13", "CVE-2025-40778", "32:9.8.2-0.68.rc1.el6_10.17", "affected", "important", "RHSA-2025:23414", "redhat-csaf-vex-without-els"})
	}
	// CVE-2024-6923.json also says "rhel-6-els.els:python.src" (cpe:/o:redhat:rhel_els:6) "Will not fix":
	// both RHEL 6 hosts keep the inventory's python.
	python6 := vexFinding{"python", "0:2.7.5-48.el7", "CVE-2024-6923", "", "will-not-fix", "moderate", "", "redhat-csaf-vex-els"}
	plainWant = append(plainWant, python6)
	sortVEX(plainWant)
	for _, tc := range []struct {
		host, group string
		want        []vexFinding
	}{
		{"inv-rhel7-a.example.org", "rhel:7", rhel7Want},
		{"rhel6-plain.example.org", "rhel:6", plainWant},
		// The ELS build installed: only the unfixed python.
		{"rhel6-els.example.org", "rhel:6", []vexFinding{python6}},
	} {
		if diff := cmp.Diff(tc.want, s.vexFindings(t, tc.host), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s findings (-want +got):\n%s", tc.host, diff)
		}
		if h := s.findings(t, tc.host, false); !h.Host.Evaluated || h.Host.OSGroup != tc.group {
			t.Errorf("%s: evaluated %v, group %q; want evaluated, %s", tc.host, h.Host.Evaluated, h.Host.OSGroup, tc.group)
		}
	}
}
