package e2e

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ubuntuMirror lays out the real dpkg status stanzas of the two Ubuntu
// 18.04 inventories as an archive directory (no real Ubuntu Packages
// index is in shared; see PROVENANCE.tsv): fanal-testdata-dpkg's as
// dists/bionic/main/binary-amd64/Packages, claircore-texlive's (newer
// versions of most of the same binaries) as
// dists/bionic-security/main/binary-amd64/Packages.gz. The stanzas are
// real, with their Source fields; which pocket holds them is constructed.
// bionic-updates is absent: the source set names it missing and goes on.
func ubuntuMirror(t *testing.T, shared string) string {
	t.Helper()
	dir := t.TempDir()
	for suite, inv := range map[string]string{"bionic": "fanal-testdata-dpkg", "bionic-security": "claircore-texlive"} {
		data, err := os.ReadFile(filepath.Join(shared, "data/inventories/ubuntu-18.04", inv, "status"))
		if err != nil {
			t.Fatal(err)
		}
		to := filepath.Join(dir, "dists", suite, "main", "binary-amd64")
		if err := os.MkdirAll(to, 0o755); err != nil {
			t.Fatal(err)
		}
		if suite == "bionic" {
			if err := os.WriteFile(filepath.Join(to, "Packages"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		f, err := os.Create(filepath.Join(to, "Packages.gz"))
		if err != nil {
			t.Fatal(err)
		}
		zw := gzip.NewWriter(f)
		zw.Write(data)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	return dir
}

// TestUbuntuDefaultSourceSet: the Ubuntu 18.04 inventories over protocol
// 5 (the real .pakiti5.txt) on one server and protocol 6 (pakiti-client
// --root on their dpkg status, under the same host names) on another,
// both updated with `pakiti sources update ubuntu` from a local mirror
// and the tracker files of testdata/uct: protocol 5 maps its binaries
// through the Packages indexes and gives exactly the protocol-6 findings
// (bionicAP6 and bionicBP6 of ubuntu_test.go, written from those files).
// The -security pocket's newer versions are "update available" findings,
// alike for both protocols.
func TestUbuntuDefaultSourceSet(t *testing.T) {
	shared := sharedDir(t)
	mirror := ubuntuMirror(t, shared)
	files, err := filepath.Glob("testdata/uct/*/CVE-*")
	if err != nil || len(files) != 14 {
		t.Fatalf("testdata/uct: %d files (%v)", len(files), err)
	}
	flags := []string{"--ubuntu-mirror", mirror, "--ubuntu-releases", "bionic", "--ubuntu-components", "main"}
	for _, f := range files {
		flags = append(flags, "--ubuntu-tracker", f)
	}
	p5, p6 := startServer(t), startServer(t)
	for _, inv := range bionicInventories {
		runClient(t, "--url", p5.base+"/feed/", "--input",
			filepath.Join(shared, "data/inventories/ubuntu-18.04", inv.dir, inv.dir+".pakiti5.txt"))
		runClient(t, "--url", p6.base+"/feed/", "--root", bionicRoot(t, shared, inv), "--host", inv.p5Host,
			"--site", "INVENTORIES", "--protocol", "6")
	}
	for _, s := range []*server{p5, p6} {
		out := runPakiti(t, s.db, append([]string{"sources", "update", "ubuntu"}, flags...)...)
		if !strings.Contains(out, "ubuntu: ") {
			t.Fatalf("sources update: %s", out)
		}
	}
	want := map[string][]finding{"inv-ubuntu1804-a.example.org": bionicAP6, "inv-ubuntu1804-b.example.org": bionicBP6}
	for host, w := range want {
		p6.checkHost(t, "protocol 6, default source set", host, w)
		p5.checkHost(t, "protocol 5 through the Packages indexes", host, withBasis(w, "packages-index"))
	}
	// Update available on fanal-testdata-dpkg: the -security pocket
	// (claircore's stanzas) is newer for 47 of its binaries (same name and
	// arch, newer by dpkg --compare-versions, counted outside Pakiti), e.g.
	// apt 1.6.3ubuntu0.1 -> 1.6.12, libsystemd0 237-3ubuntu10.3 ->
	// 237-3ubuntu10.39, perl-base 5.26.1-6ubuntu0.2 -> 5.26.1-6ubuntu0.3,
	// tar 1.29b-2 -> 1.29b-2ubuntu0.1. claircore-texlive has the pocket's
	// versions: none.
	a := "inv-ubuntu1804-a.example.org"
	u5, u6 := p5.updates(t, a), p6.updates(t, a)
	for _, w := range []string{"apt 1.6.3ubuntu0.1 -> 1.6.12 apt", "libsystemd0 237-3ubuntu10.3 -> 237-3ubuntu10.39 systemd",
		"perl-base 5.26.1-6ubuntu0.2 -> 5.26.1-6ubuntu0.3 perl", "tar 1.29b-2 -> 1.29b-2ubuntu0.1 tar"} {
		if !slices.Contains(u6.open, w) {
			t.Errorf("protocol 6: update %q missing from %v", w, u6.open)
		}
	}
	if len(u6.open) != 47 || u6.count != 47 {
		t.Errorf("protocol 6: %d updates open, count %d; want 47", len(u6.open), u6.count)
	}
	if diff := cmp.Diff(u6.open, u5.open); diff != "" {
		t.Errorf("updates, protocol 5 differs from protocol 6 (-p6 +p5):\n%s", diff)
	}
	if b := p6.updates(t, "inv-ubuntu1804-b.example.org"); len(b.open) != 0 {
		t.Errorf("claircore-texlive: updates %v, want none", b.open)
	}
}

// sendReport posts a report text over protocol.
func (s *server) sendReport(t *testing.T, text, protocol string) {
	t.Helper()
	resp, err := http.Post(s.base+"/feed/?protocol="+protocol, "text/plain", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("protocol %s report: %d %s", protocol, resp.StatusCode, answer)
	}
}

// TestUbuntuKernelFlavours: testdata/bionic-flavours-p6.report (an AWS
// host with a generic and a GCP image installed too) against
// retired/CVE-2017-13168 and retired/CVE-2017-13695 of the snapshot. Only
// the running image counts, judged by its own source's line; the others
// are listed idle with their CVEs.
func TestUbuntuKernelFlavours(t *testing.T) {
	s := startServer(t)
	files, _ := filepath.Glob("testdata/uct-kernel/retired/CVE-*")
	report, err := os.ReadFile("testdata/bionic-flavours-p6.report")
	if err != nil || len(files) != 2 {
		t.Fatal(err, files)
	}
	runPakiti(t, s.db, append([]string{"import", "--source", "ubuntu"}, files...)...)
	s.sendReport(t, string(report), "6")
	// Running 4.15.0-1021-aws (linux-aws 4.15.0-1021.21):
	// CVE-2017-13168 line 326 "bionic_linux-aws: released (4.15.0-1027.27)": older, a finding.
	// CVE-2017-13695 line 374 "bionic_linux-aws: released (4.15.0-1021.21)": installed, none.
	// (linux's lines, 4.15.0-39.42 and 4.15.0-34.37, would have given two.)
	aws := []finding{{"linux-image-4.15.0-1021-aws", "CVE-2017-13168", "4.15.0-1027.27", "fixed", "", "report"}}
	s.checkHost(t, "aws kernel running", "bionic-aws.example.org", aws)
	// Idle: the generic image (linux-signed, judged as linux) is below both
	// of linux's fixes (CVE-2017-13168 line 41 "bionic_linux: released
	// (4.15.0-39.42)", CVE-2017-13695 line 43 "(4.15.0-34.37)"); the GCP
	// image below CVE-2017-13168 line 386 "bionic_linux-gcp: released
	// (4.15.0-1024.25)" and at CVE-2017-13695 line 444's 4.15.0-1019.20.
	idle := map[string]int{}
	for _, k := range s.findings(t, "bionic-aws.example.org", false).IdleKernels {
		idle[k.Package] = k.CVEs
	}
	if diff := cmp.Diff(map[string]int{"linux-image-4.15.0-33-generic": 2, "linux-image-4.15.0-1019-gcp": 1}, idle); diff != "" {
		t.Errorf("idle kernels (-want +got):\n%s", diff)
	}
	// The same packages booted into the GCP image: only its line counts.
	gcp := strings.NewReplacer("host: bionic-aws.example.org", "host: bionic-gcp.example.org",
		"kernel: 4.15.0-1021-aws", "kernel: 4.15.0-1019-gcp").Replace(string(report))
	s.sendReport(t, gcp, "6")
	s.checkHost(t, "gcp kernel running", "bionic-gcp.example.org",
		[]finding{{"linux-image-4.15.0-1019-gcp", "CVE-2017-13168", "4.15.0-1024.25", "fixed", "", "report"}})
}

// proFinding is a finding with the finding's own status (open, unfixed).
type proFinding struct {
	Package, CVE, Fixed, Status, Vendor, Origin string
}

func (s *server) proFindings(t *testing.T, host string) []proFinding {
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
		Findings []struct {
			Package string `json:"package"`
			CVE     string `json:"cve"`
			Fixed   string `json:"fixed"`
			Status  string `json:"status"`
			Vendor  string `json:"vendor_status"`
			Origin  string `json:"source"`
		} `json:"findings"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if !d.Host.Evaluated {
		t.Errorf("%s not evaluated", host)
	}
	var out []proFinding
	for _, f := range d.Findings {
		out = append(out, proFinding{f.Package, f.CVE, f.Fixed, f.Status, f.Vendor, f.Origin})
	}
	return out
}

// TestUbuntuPro: Ubuntu's OSV record UBUNTU-CVE-2022-24823 ("Ubuntu:Pro:
// 18.04:LTS" netty fixed 1:4.1.7-4ubuntu0.1+esm3, "Available with Ubuntu
// Pro") imported with pakiti import --source ubuntu, and two bionic hosts
// with libnetty-java (testdata/bionic-pro-p6.report): the one at the
// release's build has no fix it can install — unfixed, the Pro fix named;
// the one on a Pro (esm-apps) build below the fix is told the fix is
// available — open. How a host tells us it has Pro: the +esm builds it
// has installed (see internal/source/ubuntu/matcher.go).
func TestUbuntuPro(t *testing.T) {
	s := startServer(t)
	out := runPakiti(t, s.db, "import", "--source", "ubuntu", "testdata/ubuntu-osv/UBUNTU-CVE-2022-24823.json")
	if !strings.Contains(out, "ubuntu: ") {
		t.Fatalf("import: %s", out)
	}
	report, err := os.ReadFile("testdata/bionic-pro-p6.report")
	if err != nil {
		t.Fatal(err)
	}
	s.sendReport(t, string(report), "6")
	pro := strings.NewReplacer("host: bionic-nopro.example.org", "host: bionic-pro.example.org",
		"1:4.1.7-4\n", "1:4.1.7-4ubuntu0.1+esm2\n", "1:4.1.7-4\t", "1:4.1.7-4ubuntu0.1+esm2\t").Replace(string(report))
	s.sendReport(t, pro, "6")
	for host, want := range map[string][]proFinding{
		"bionic-nopro.example.org": {{"libnetty-java", "CVE-2022-24823", "1:4.1.7-4ubuntu0.1+esm3", "unfixed", "affected", "ubuntu-without-esm-apps"}},
		"bionic-pro.example.org":   {{"libnetty-java", "CVE-2022-24823", "1:4.1.7-4ubuntu0.1+esm3", "open", "fixed", "ubuntu-esm-apps"}},
	} {
		if diff := cmp.Diff(want, s.proFindings(t, host)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", host, diff)
		}
	}
}

// TestUbuntuJammyOSV: the real Ubuntu 22.04 inventory (linux-check-diff,
// its dpkg status and os-release) over protocols 6 and 5, against Ubuntu's
// OSV records of the feeds folder imported as a folder (its
// PROVENANCE.tsv beside them is passed over). The 2020 tracker snapshot
// has no 22.04 data; the expectations are written from the OSV files.
func TestUbuntuJammyOSV(t *testing.T) {
	shared := sharedDir(t)
	s := startServer(t)
	inv := filepath.Join(shared, "data/inventories/ubuntu-22.04/linux-check-diff")
	root := t.TempDir()
	for from, to := range map[string]string{"status": "var/lib/dpkg/status", "os-release": "etc/os-release"} {
		data, err := os.ReadFile(filepath.Join(inv, from))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(root, filepath.Dir(to)), 0o755)
		os.WriteFile(filepath.Join(root, to), data, 0o644)
	}
	runPakiti(t, s.db, "import", "--source", "ubuntu", filepath.Join(shared, "data/feeds/ubuntu/osv-samples"))
	runClient(t, "--url", s.base+"/feed/", "--root", root, "--host", "jammy-p6.example.org", "--site", "E2E", "--protocol", "6")
	runClient(t, "--url", s.base+"/feed/", "--input", filepath.Join(inv, "linux-check-diff.pakiti5.txt"))
	p6 := []finding{
		// UBUNTU-CVE-2016-2781 "Ubuntu:22.04:LTS" coreutils introduced 0 only; installed 8.32-4.1ubuntu1.
		{"coreutils", "CVE-2016-2781", "", "affected", "", "report"},
		// UBUNTU-CVE-2023-38545 "Ubuntu:22.04:LTS" curl fixed 7.81.0-1ubuntu1.14; curl, libcurl4,
		// libcurl3-gnutls 7.81.0-1ubuntu1.4.
		{"curl", "CVE-2023-38545", "7.81.0-1ubuntu1.14", "fixed", "", "report"},
		{"libcurl3-gnutls", "CVE-2023-38545", "7.81.0-1ubuntu1.14", "fixed", "", "report"},
		{"libcurl4", "CVE-2023-38545", "7.81.0-1ubuntu1.14", "fixed", "", "report"},
		// UBUNTU-CVE-2016-20013 "Ubuntu:22.04:LTS" glibc introduced 0 only, and UBUNTU-CVE-2023-4911
		// glibc fixed 2.35-0ubuntu3.4; libc-bin and libc6 2.35-0ubuntu3.1.
		{"libc-bin", "CVE-2016-20013", "", "affected", "", "report"},
		{"libc-bin", "CVE-2023-4911", "2.35-0ubuntu3.4", "fixed", "", "report"},
		{"libc6", "CVE-2016-20013", "", "affected", "", "report"},
		{"libc6", "CVE-2023-4911", "2.35-0ubuntu3.4", "fixed", "", "report"},
		// UBUNTU-CVE-2024-2236 "Ubuntu:22.04:LTS" libgcrypt20 introduced 0 only (its FIPS-preview and
		// FIPS-updates entries are for FIPS builds); installed 1.9.4-3ubuntu3.
		{"libgcrypt20", "CVE-2024-2236", "", "affected", "", "report"},
		// UBUNTU-CVE-2024-6387 and USN-6859-1 "Ubuntu:22.04:LTS" openssh fixed 1:8.9p1-3ubuntu0.10;
		// openssh-client 1:8.9p1-3 (one finding; the advisory is checked apart).
		{"openssh-client", "CVE-2024-6387", "1:8.9p1-3ubuntu0.10", "fixed", "", "report"},
		// (UBUNTU-CVE-2024-3094 "Ubuntu:22.04:LTS" xz-utils fixed 5.2.5-2ubuntu1: liblzma5 is
		// 5.2.5-2ubuntu1, no finding.)
	}
	// The protocol-5 report came after the protocol-6 one, which taught the
	// group its binary -> source map: the same findings, by the learned map.
	for host, want := range map[string][]finding{"jammy-p6.example.org": p6, "inv-ubuntu2204-a.example.org": withBasis(p6, "learned")} {
		want = append([]finding(nil), want...)
		sortFindings(want)
		h := s.findings(t, host, false)
		got := open(h)
		for i := range got {
			if got[i].Package == "openssh-client" {
				if got[i].Advisor != "" && got[i].Advisor != "USN-6859-1" {
					t.Errorf("%s: openssh-client advisory %q, want none or USN-6859-1", host, got[i].Advisor)
				}
				got[i].Advisor = ""
			}
		}
		if diff := cmp.Diff(want, got); diff != "" || !h.Host.Evaluated || h.Host.OSGroup != "ubuntu:22.04" {
			t.Errorf("%s: evaluated %v group %q, findings (-want +got):\n%s", host, h.Host.Evaluated, h.Host.OSGroup, diff)
		}
	}
}
