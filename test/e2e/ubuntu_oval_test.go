package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestUbuntuLocalOVAL: Ubuntu's own CVE OVAL (the real jammy excerpt,
// OCI-image variant) imported as a local OVAL file for ubuntu:22.04, and
// the real Ubuntu 22.04 inventory (linux-check-diff) over protocol 5,
// binary names only, with no Packages index and no protocol-6 report:
// the packages meet the OVAL's binary names at their own versions.
func TestUbuntuLocalOVAL(t *testing.T) {
	shared := sharedDir(t)
	s := startServer(t)
	inv, err := os.ReadFile(filepath.Join(shared, "data/inventories/ubuntu-22.04/linux-check-diff/linux-check-diff.pakiti5.txt"))
	if err != nil {
		t.Fatal(err)
	}
	s.sendReport(t, string(inv), "5")
	oval := filepath.Join(shared, "data/feeds/ubuntu/oval/vuls-data-update_oci.com.ubuntu.jammy.cve.oval.xml.bz2")
	runPakiti(t, s.db, "import", "--source", "oval", "ubuntu:22.04="+oval)
	// oval:com.ubuntu.jammy:def:2023487950000000 (CVE-2023-48795): the inventory's
	// openssh-client 1:8.9p1-3 (line 158) is one of "The 'openssh' package binaries"
	// (^openssh-client(?::\w+|)\s+(.*)$), below 1:8.9p1-3ubuntu0.5; its libssh-4
	// 0.9.6-2build1 (line 127) one of "The 'libssh' package binaries", below
	// 0:0.9.6-2ubuntu0.22.04.2. No other binary the definition names is installed.
	want := []finding{
		{"libssh-4", "CVE-2023-48795", "0:0.9.6-2ubuntu0.22.04.2", "fixed", "", "binary-name"},
		{"openssh-client", "CVE-2023-48795", "1:8.9p1-3ubuntu0.5", "fixed", "", "binary-name"},
	}
	h := s.findings(t, "inv-ubuntu2204-a.example.org", false)
	if diff := cmp.Diff(want, open(h)); diff != "" || !h.Host.Evaluated {
		t.Errorf("evaluated %v, findings (-want +got):\n%s", h.Host.Evaluated, diff)
	}
}
