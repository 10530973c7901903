package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// protocol5 drops a protocol-6 report's source columns (what the Perl
// client sends) and renames its host.
func protocol5(report, from, to string) string {
	var out []string
	for _, l := range strings.Split(report, "\n") {
		if c := strings.Split(l, "\t"); len(c) == 5 {
			l = strings.Join(c[:3], "\t")
		}
		out = append(out, strings.Replace(l, "host: "+from, "host: "+to, 1))
	}
	return strings.Join(out, "\n")
}

// TestUbuntuKernelProtocol5: kernel images reported over protocol 5 to a
// server that has no Packages index and has had no protocol-6 report:
// the image's source is inferred from its name and version
// (ubuntu.ImageSource), so the running image gets its own source's
// findings, basis kernel-name.
func TestUbuntuKernelProtocol5(t *testing.T) {
	shared := sharedDir(t)
	s := startServer(t)
	files, _ := filepath.Glob("testdata/uct-kernel/retired/CVE-*")
	files = append(files, "testdata/uct/retired/CVE-2019-18814",
		filepath.Join(shared, "data/feeds/ubuntu/uct-excerpts/active/CVE-2022-36879"))
	runPakiti(t, s.db, append([]string{"import", "--source", "ubuntu"}, files...)...)

	// testdata/bionic-flavours-p6.report (constructed, PROVENANCE.tsv) over protocol 5, running
	// 4.15.0-1021-aws: linux-image-4.15.0-1021-aws 4.15.0-1021.21 is linux-aws's.
	// CVE-2017-13168 line 326 "bionic_linux-aws: released (4.15.0-1027.27)": older, a finding;
	// CVE-2017-13695 line 374 "bionic_linux-aws: released (4.15.0-1021.21)": installed, none.
	flavours, err := os.ReadFile("testdata/bionic-flavours-p6.report")
	if err != nil {
		t.Fatal(err)
	}
	s.sendReport(t, protocol5(string(flavours), "bionic-aws.example.org", "p5-aws.example.org"), "5")
	s.checkHost(t, "aws kernel over protocol 5", "p5-aws.example.org",
		[]finding{{"linux-image-4.15.0-1021-aws", "CVE-2017-13168", "4.15.0-1027.27", "fixed", "", "kernel-name"}})
	// The idle images, judged by their own sources: linux-image-4.15.0-33-generic (linux,
	// 4.15.0-33.36) below CVE-2017-13168 line 41 "bionic_linux: released (4.15.0-39.42)" and
	// CVE-2017-13695 line 43 "(4.15.0-34.37)"; linux-image-4.15.0-1019-gcp below line 386
	// "bionic_linux-gcp: released (4.15.0-1024.25)", at line 444's 4.15.0-1019.20. The generic
	// image also has uct-excerpts active/CVE-2022-36879 line 28 "bionic_linux: needs-triage".
	idle := map[string]int{}
	for _, k := range s.findings(t, "p5-aws.example.org", false).IdleKernels {
		idle[k.Package] = k.CVEs
	}
	if diff := cmp.Diff(map[string]int{"linux-image-4.15.0-33-generic": 3, "linux-image-4.15.0-1019-gcp": 1}, idle); diff != "" {
		t.Errorf("idle kernels (-want +got):\n%s", diff)
	}

	// testdata/bionic-kernel-p6.report (constructed) over protocol 5, running the HWE
	// 5.0.0-15-generic (5.0.0-15.16~18.04.1): retired/CVE-2019-18814
	// "bionic_linux-hwe: released (5.0.0-23.24~18.04.1)".
	hwe, err := os.ReadFile("testdata/bionic-kernel-p6.report")
	if err != nil {
		t.Fatal(err)
	}
	s.sendReport(t, protocol5(string(hwe), "bionic-kernel.example.org", "p5-hwe.example.org"), "5")
	s.checkHost(t, "hwe kernel over protocol 5", "p5-hwe.example.org",
		[]finding{{"linux-image-5.0.0-15-generic", "CVE-2019-18814", "5.0.0-23.24~18.04.1", "fixed", "", "kernel-name"}})

	// The real Ubuntu 22.04 inventory (linux-check-diff, protocol 5; a container: no kernel)
	// with a kernel image line and the kernel: header added (constructed: the GA jammy image
	// linux-image-5.15.0-91-generic of source linux 5.15.0-91.101). Shared uct-excerpts
	// active/CVE-2022-36879 line 30 "jammy_linux: needs-triage": undetermined, no fix.
	inv, err := os.ReadFile(filepath.Join(shared, "data/inventories/ubuntu-22.04/linux-check-diff/linux-check-diff.pakiti5.txt"))
	if err != nil {
		t.Fatal(err)
	}
	jammy := strings.Replace(string(inv), "host: inv-ubuntu2204-a.example.org\n",
		"host: p5-jammy.example.org\nkernel: 5.15.0-91-generic\n", 1) +
		"linux-image-5.15.0-91-generic\t5.15.0-91.101\tamd64\n"
	s.sendReport(t, jammy, "5")
	h := s.findings(t, "p5-jammy.example.org", false)
	want := []finding{{"linux-image-5.15.0-91-generic", "CVE-2022-36879", "", "undetermined", "", "kernel-name"}}
	if diff := cmp.Diff(want, open(h)); diff != "" || !h.Host.Evaluated || h.Host.OSGroup != "ubuntu:22.04" {
		t.Errorf("jammy over protocol 5: evaluated %v, group %q, findings (-want +got):\n%s", h.Host.Evaluated, h.Host.OSGroup, diff)
	}
}

// TestUbuntuOSVBinariesProtocol5: the real Ubuntu 22.04 inventory
// (linux-check-diff, protocol 5: binary names only) against real Ubuntu
// OSV records, with no Packages index and no protocol-6 report: the
// records' ecosystem_specific.binaries map libc6 to glibc, libcurl4 to
// curl..., so the host is keyed by source (basis advisory-binaries).
func TestUbuntuOSVBinariesProtocol5(t *testing.T) {
	shared := sharedDir(t)
	s := startServer(t)
	osvDir := filepath.Join(shared, "data/feeds/ubuntu/osv-samples")
	var files []string
	for _, f := range []string{"UBUNTU-CVE-2023-4911.json", "UBUNTU-CVE-2023-38545.json", "UBUNTU-CVE-2024-2236.json", "UBUNTU-CVE-2024-3094.json"} {
		files = append(files, filepath.Join(osvDir, f))
	}
	inv, err := os.ReadFile(filepath.Join(shared, "data/inventories/ubuntu-22.04/linux-check-diff/linux-check-diff.pakiti5.txt"))
	if err != nil {
		t.Fatal(err)
	}
	s.sendReport(t, string(inv), "5")
	runPakiti(t, s.db, append([]string{"import", "--source", "ubuntu"}, files...)...)
	// Installed (the .pakiti5.txt): libc-bin, libc6 2.35-0ubuntu3.1; curl, libcurl3-gnutls,
	// libcurl4 7.81.0-1ubuntu1.4; libgcrypt20 1.9.4-3ubuntu3; liblzma5 5.2.5-2ubuntu1.
	want := []finding{
		// UBUNTU-CVE-2023-4911.json: Ubuntu:22.04:LTS glibc, "fixed": "2.35-0ubuntu3.4",
		// binaries libc-bin and libc6 (2.35-0ubuntu3.4) among them.
		{"libc-bin", "CVE-2023-4911", "2.35-0ubuntu3.4", "fixed", "", "advisory-binaries"},
		{"libc6", "CVE-2023-4911", "2.35-0ubuntu3.4", "fixed", "", "advisory-binaries"},
		// UBUNTU-CVE-2023-38545.json: Ubuntu:22.04:LTS curl, "fixed": "7.81.0-1ubuntu1.14",
		// binaries curl, libcurl3-gnutls, libcurl4.
		{"curl", "CVE-2023-38545", "7.81.0-1ubuntu1.14", "fixed", "", "advisory-binaries"},
		{"libcurl3-gnutls", "CVE-2023-38545", "7.81.0-1ubuntu1.14", "fixed", "", "advisory-binaries"},
		{"libcurl4", "CVE-2023-38545", "7.81.0-1ubuntu1.14", "fixed", "", "advisory-binaries"},
		// UBUNTU-CVE-2024-2236.json: Ubuntu:22.04:LTS libgcrypt20, "introduced": "0" and no fix:
		// affected (its FIPS entries apply to +Fips builds only).
		{"libgcrypt20", "CVE-2024-2236", "", "affected", "", "advisory-binaries"},
		// (UBUNTU-CVE-2024-3094.json: xz-utils "fixed": "5.2.5-2ubuntu1", binary liblzma5:
		// installed == fixed, no finding.)
	}
	sortFindings(want)
	h := s.findings(t, "inv-ubuntu2204-a.example.org", false)
	if diff := cmp.Diff(want, open(h)); diff != "" || !h.Host.Evaluated || h.Host.OSGroup != "ubuntu:22.04" {
		t.Errorf("evaluated %v, group %q, findings (-want +got):\n%s", h.Host.Evaluated, h.Host.OSGroup, diff)
	}
}
