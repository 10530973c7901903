package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestUbuntuProPerHostTracker: Ubuntu Pro per host where only the
// tracker's text files decide. The real Ubuntu 14.04 base system of
// testdata/trusty-base (its dpkg status and os-release, the release's
// own versions: bash 4.3-6ubuntu1, libgcrypt11 1.5.3-2ubuntu4, sudo
// 1.8.9p5-1ubuntu1) is reported by pakiti-client --root over protocol 6,
// once with the real status.json of an attached host with esm-infra
// enabled (internal/collect/testdata/pro), once without the Pro file
// (pro: none), against six real files of the 2020 tracker snapshot
// (testdata/uct-esm):
//
//	retired/CVE-2019-9924     trusty_bash: ignored (reached end-of-life)
//	                          trusty/esm_bash: released (4.3-7ubuntu1.8+esm1)
//	retired/CVE-2019-13627    trusty_libgcrypt11: ignored (out of standard support)
//	                          trusty/esm_libgcrypt11: released (1.5.3-2ubuntu4.6+esm1)
//	retired/CVE-2017-1000368  trusty_sudo: ignored (reached end-of-life)
//	                          trusty/esm_sudo: released (1.8.9p5-1ubuntu1.5+esm1)
//	retired/CVE-2019-14287    trusty_sudo: ignored (out of standard support)
//	                          trusty/esm_sudo: released (1.8.9p5-1ubuntu1.5+esm2)
//	retired/CVE-2019-18634    trusty_sudo: ignored (out of standard support)
//	                          trusty/esm_sudo: released (1.8.9p5-1ubuntu1.5+esm3)
//	retired/CVE-2017-1000367  trusty_sudo: released (1.8.9p5-1ubuntu1.4)
//	                          trusty/esm_sudo: released (1.8.9p5-1ubuntu1.4)
//
// The Pro host can install each ESM fix: open, vendor status fixed, origin
// ubuntu-esm-infra. The host without Pro cannot: unfixed, the release's
// own verdict (end-of-life) and the fix Pro would bring named. The
// release's own fix of CVE-2017-1000367 is open on both.
func TestUbuntuProPerHostTracker(t *testing.T) {
	s := startServer(t)
	status, err := os.ReadFile("testdata/trusty-base/status")
	if err != nil {
		t.Fatal(err)
	}
	osRelease, err := os.ReadFile("testdata/trusty-base/os-release")
	if err != nil {
		t.Fatal(err)
	}
	infra, err := os.ReadFile("../../internal/collect/testdata/pro/esm_enabled_status.json")
	if err != nil {
		t.Fatal(err)
	}
	root := func(pro []byte) string {
		r := t.TempDir()
		files := map[string][]byte{"var/lib/dpkg/status": status, "etc/os-release": osRelease}
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
	runPakiti(t, s.db, "import", "--source", "ubuntu", "testdata/uct-esm")
	for host, r := range map[string]string{"trusty-infra.example.org": root(infra), "trusty-none.example.org": root(nil)} {
		runClient(t, "--url", s.base+"/feed/", "--root", r, "--host", host, "--site", "E2E", "--protocol", "6")
	}

	const (
		enabled    = "report; Ubuntu Pro esm-infra enabled on the host: the fix is installable"
		notEnabled = "report; fix in Ubuntu Pro (esm-infra), not enabled on the host"
	)
	pro := func(pkg, cve, fix string) hostFinding {
		return hostFinding{pkg, cve, fix, "open", "fixed", "ubuntu-esm-infra", enabled, ""}
	}
	noPro := func(pkg, cve, fix string) hostFinding {
		return hostFinding{pkg, cve, fix, "unfixed", "end-of-life", "ubuntu-without-esm-infra", notEnabled, ""}
	}
	release := hostFinding{"sudo", "CVE-2017-1000367", "1.8.9p5-1ubuntu1.4", "open", "fixed", "ubuntu-tracker", "report", ""}
	want := map[string][]hostFinding{
		"trusty-infra.example.org": {
			pro("bash", "CVE-2019-9924", "4.3-7ubuntu1.8+esm1"),
			pro("libgcrypt11", "CVE-2019-13627", "1.5.3-2ubuntu4.6+esm1"),
			release,
			pro("sudo", "CVE-2017-1000368", "1.8.9p5-1ubuntu1.5+esm1"),
			pro("sudo", "CVE-2019-14287", "1.8.9p5-1ubuntu1.5+esm2"),
			pro("sudo", "CVE-2019-18634", "1.8.9p5-1ubuntu1.5+esm3"),
		},
		"trusty-none.example.org": {
			noPro("bash", "CVE-2019-9924", "4.3-7ubuntu1.8+esm1"),
			noPro("libgcrypt11", "CVE-2019-13627", "1.5.3-2ubuntu4.6+esm1"),
			release,
			noPro("sudo", "CVE-2017-1000368", "1.8.9p5-1ubuntu1.5+esm1"),
			noPro("sudo", "CVE-2019-14287", "1.8.9p5-1ubuntu1.5+esm2"),
			noPro("sudo", "CVE-2019-18634", "1.8.9p5-1ubuntu1.5+esm3"),
		},
	}
	for host, w := range want {
		if diff := cmp.Diff(w, s.hostFindings(t, host)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", host, diff)
		}
	}
}
