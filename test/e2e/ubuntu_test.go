package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The Ubuntu expectations are written by hand from the tracker files of
// testdata/uct (whole members of the 2020 snapshot, see PROVENANCE.tsv),
// each line citing the file and its bionic status line, and from the
// installed versions of shared/data/inventories/ubuntu-18.04/*/status.
// The tracker names no USN in its status lines: findings carry no advisory.
//
// fanal-testdata-dpkg over protocol 6 (the source column of its dpkg status):
var bionicAP6 = []finding{
	// retired/CVE-2019-3462 "bionic_apt: released (1.6.6ubuntu0.1)"; apt and libapt-pkg5.0 1.6.3ubuntu0.1 are older.
	// (retired/CVE-2018-0501 "bionic_apt: released (1.6.3ubuntu0.1)": installed == fixed, no finding.)
	{"apt", "CVE-2019-3462", "1.6.6ubuntu0.1", "fixed", "", "report"},
	{"libapt-pkg5.0", "CVE-2019-3462", "1.6.6ubuntu0.1", "fixed", "", "report"},
	// retired/CVE-2019-5094 "bionic_e2fsprogs: released (1.44.1-1ubuntu1.2)" and retired/CVE-2019-5188
	// "bionic_e2fsprogs: released (1.44.1-1ubuntu1.3)"; e2fsprogs, libcom-err2, libext2fs2, libss2 are 1.44.1-1.
	{"e2fsprogs", "CVE-2019-5094", "1.44.1-1ubuntu1.2", "fixed", "", "report"},
	{"e2fsprogs", "CVE-2019-5188", "1.44.1-1ubuntu1.3", "fixed", "", "report"},
	{"libcom-err2", "CVE-2019-5094", "1.44.1-1ubuntu1.2", "fixed", "", "report"},
	{"libcom-err2", "CVE-2019-5188", "1.44.1-1ubuntu1.3", "fixed", "", "report"},
	{"libext2fs2", "CVE-2019-5094", "1.44.1-1ubuntu1.2", "fixed", "", "report"},
	{"libext2fs2", "CVE-2019-5188", "1.44.1-1ubuntu1.3", "fixed", "", "report"},
	{"libss2", "CVE-2019-5094", "1.44.1-1ubuntu1.2", "fixed", "", "report"},
	{"libss2", "CVE-2019-5188", "1.44.1-1ubuntu1.3", "fixed", "", "report"},
	// retired/CVE-2018-18311 "bionic_perl: released (5.26.1-6ubuntu0.3)"; perl-base 5.26.1-6ubuntu0.2 (source perl).
	// (retired/CVE-2018-12015 "bionic_perl: released (5.26.1-6ubuntu0.1)": installed is newer, no finding.)
	{"perl-base", "CVE-2018-18311", "5.26.1-6ubuntu0.3", "fixed", "", "report"},
	// active/CVE-2019-20386 "bionic_systemd: released (237-3ubuntu10.38)"; libsystemd0, libudev1 237-3ubuntu10.3.
	{"libsystemd0", "CVE-2019-20386", "237-3ubuntu10.38", "fixed", "", "report"},
	{"libudev1", "CVE-2019-20386", "237-3ubuntu10.38", "fixed", "", "report"},
	// retired/CVE-2019-9619 "bionic_systemd: ignored" (no reason given): affected, will not be fixed.
	{"libsystemd0", "CVE-2019-9619", "", "will-not-fix", "", "report"},
	{"libudev1", "CVE-2019-9619", "", "will-not-fix", "", "report"},
	// active/CVE-2018-20482 "bionic_tar: needed": affected, no fix.
	{"tar", "CVE-2018-20482", "", "affected", "", "report"},
	// active/CVE-2016-2781 "bionic_coreutils: deferred (2017-08-01)" and
	// active/CVE-2017-18018 "bionic_coreutils: needs-triage".
	{"coreutils", "CVE-2016-2781", "", "fix-deferred", "", "report"},
	{"coreutils", "CVE-2017-18018", "", "undetermined", "", "report"},
	// (active/CVE-2012-5667 "bionic_grep: not-affected": grep 3.1-2, no finding. active/CVE-2019-1551
	// "bionic_openssl: needed": this host has no openssl. No source these hosts have is DNE for
	// bionic in the whole snapshot, so DNE is shown by the packages the files leave out.)
}

// claircore-texlive over protocol 6:
var bionicBP6 = []finding{
	// retired/CVE-2019-9619 "bionic_systemd: ignored"; libsystemd0, libudev1 237-3ubuntu10.39.
	// (active/CVE-2019-20386 "bionic_systemd: released (237-3ubuntu10.38)": 10.39 is newer, no finding.)
	{"libsystemd0", "CVE-2019-9619", "", "will-not-fix", "", "report"},
	{"libudev1", "CVE-2019-9619", "", "will-not-fix", "", "report"},
	// active/CVE-2018-20482 "bionic_tar: needed"; tar 1.29b-2ubuntu0.1.
	{"tar", "CVE-2018-20482", "", "affected", "", "report"},
	{"coreutils", "CVE-2016-2781", "", "fix-deferred", "", "report"},
	{"coreutils", "CVE-2017-18018", "", "undetermined", "", "report"},
	// active/CVE-2019-1551 "bionic_openssl: needed"; libssl1.1 and openssl 1.1.1-1ubuntu2.1~18.04.5.
	{"libssl1.1", "CVE-2019-1551", "", "affected", "", "report"},
	{"openssl", "CVE-2019-1551", "", "affected", "", "report"},
	// No finding, installed == fixed: retired/CVE-2019-5188 "bionic_e2fsprogs: released
	// (1.44.1-1ubuntu1.3)" and retired/CVE-2018-18311 "bionic_perl: released (5.26.1-6ubuntu0.3)"
	// are the installed versions. Installed newer: apt 1.6.12 (CVE-2019-3462, CVE-2018-0501),
	// e2fsprogs (CVE-2019-5094), perl (CVE-2018-12015).
}

// Over protocol 5 before any protocol-6 report of the group and without an
// Ubuntu Packages index (the feeds folder has none), a binary is matched
// by its own name: only the binaries named like their source meet the
// records. The others are missed — on fanal, libapt-pkg5.0, libcom-err2,
// libext2fs2, libss2 (e2fsprogs), perl-base (perl: CVE-2018-18311 missed
// entirely), libsystemd0 and libudev1 (systemd: CVE-2019-20386 and
// CVE-2019-9619 missed entirely); on claircore, libsystemd0, libudev1 and
// libssl1.1.
func binaryNamed(f []finding, names ...string) []finding {
	var out []finding
	for _, x := range f {
		for _, n := range names {
			if x.Package == n {
				x.Basis = "binary-name"
				out = append(out, x)
			}
		}
	}
	return out
}

var (
	bionicAP5 = binaryNamed(bionicAP6, "apt", "e2fsprogs", "tar", "coreutils")
	bionicBP5 = binaryNamed(bionicBP6, "tar", "coreutils", "openssl")
)

// withBasis returns f with every basis set to b.
func withBasis(f []finding, b string) []finding {
	out := append([]finding(nil), f...)
	for i := range out {
		out[i].Basis = b
	}
	return out
}

// bionicInventory is one real Ubuntu 18.04 inventory: its protocol-5
// report (whose host: line names the protocol-5 host) and its dpkg status.
type bionicInventory struct {
	dir    string // under shared/data/inventories/ubuntu-18.04
	p5Host string // the host: line of the .pakiti5.txt
	p6Host string // the name the protocol-6 report is sent under
}

var bionicInventories = []bionicInventory{
	{"fanal-testdata-dpkg", "inv-ubuntu1804-a.example.org", "bionic-a-p6.example.org"},
	{"claircore-texlive", "inv-ubuntu1804-b.example.org", "bionic-b-p6.example.org"},
}

// bionicRoot lays out an inventory as a root file system pakiti-client
// --root reads: its real dpkg status and an Ubuntu 18.04 os-release.
func bionicRoot(t *testing.T, shared string, inv bionicInventory) string {
	t.Helper()
	root := t.TempDir()
	for from, to := range map[string]string{
		filepath.Join(shared, "data/inventories/ubuntu-18.04", inv.dir, "status"): "var/lib/dpkg/status",
		"testdata/bionic-os-release": "etc/os-release",
	} {
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, to)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// reportBionic sends the inventories over protocol 5 (the real
// .pakiti5.txt) or 6 (pakiti-client --root on their dpkg status).
func (s *server) reportBionic(t *testing.T, shared string, protocol int) {
	t.Helper()
	for _, inv := range bionicInventories {
		if protocol == 5 {
			runClient(t, "--url", s.base+"/feed/", "--input",
				filepath.Join(shared, "data/inventories/ubuntu-18.04", inv.dir, inv.dir+".pakiti5.txt"))
			continue
		}
		runClient(t, "--url", s.base+"/feed/", "--root", bionicRoot(t, shared, inv), "--host", inv.p6Host,
			"--site", "E2E", "--protocol", "6")
	}
}

// checkHost compares a host's open findings with want.
func (s *server) checkHost(t *testing.T, stage, host string, want []finding) []finding {
	t.Helper()
	h := s.findings(t, host, false)
	got := open(h)
	w := append([]finding(nil), want...)
	sortFindings(w)
	if diff := cmp.Diff(w, got); diff != "" {
		t.Errorf("%s: %s findings (-want +got):\n%s", stage, host, diff)
	}
	if !h.Host.Evaluated || h.Host.OSGroup != "ubuntu:18.04" {
		t.Errorf("%s: %s evaluated %v, group %q; want evaluated, ubuntu:18.04", stage, host, h.Host.Evaluated, h.Host.OSGroup)
	}
	return got
}

// waitHost waits up to 15 s for host's open findings to be want (the
// evaluation job drains the queue), then checks them.
func (s *server) waitHost(t *testing.T, stage, host string, want []finding) {
	t.Helper()
	w := append([]finding(nil), want...)
	sortFindings(w)
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if cmp.Equal(w, open(s.findings(t, host, false))) {
			break
		}
	}
	s.checkHost(t, stage, host, want)
}

// waitEvaluated waits up to 15 s for host to be evaluated: an import
// queues the hosts' sets and drains the queue, but the server's
// evaluation job may claim them first and write them a moment later.
func (s *server) waitEvaluated(t *testing.T, host string) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if s.findings(t, host, false).Host.Evaluated {
			return
		}
	}
	t.Errorf("%s not evaluated 15 s after the import", host)
}

// TestUbuntuEndToEnd: the real Ubuntu 18.04 inventories reported through
// /feed/ over protocols 5 and 6, real tracker files imported with pakiti
// import --source ubuntu, findings from the API compared with the
// hand-written expectations above.
func TestUbuntuEndToEnd(t *testing.T) {
	shared := sharedDir(t)
	s := startServer(t, "--evaluate-every", "200ms")
	files, err := filepath.Glob("testdata/uct/*/CVE-*")
	if err != nil || len(files) != 14 {
		t.Fatalf("testdata/uct: %d files (%v), want the 14 of PROVENANCE.tsv", len(files), err)
	}

	// Protocol 5 before any data: not evaluated.
	s.reportBionic(t, shared, 5)
	if h := s.findings(t, "inv-ubuntu1804-a.example.org", false); h.Host.Evaluated || h.Host.OSGroup != "ubuntu:18.04" {
		t.Fatalf("before any import: evaluated %v, group %q; want not evaluated, ubuntu:18.04", h.Host.Evaluated, h.Host.OSGroup)
	}
	// The import queues the two hosts' package sets and drains the
	// queue. The server's evaluation job (every 200 ms) may claim them
	// first: CI saw the import re-evaluate none while the server drained
	// both. So the import's count is 0 to 2, and the findings are waited
	// for, whoever wrote them.
	out := runPakiti(t, s.db, append([]string{"import", "--source", "ubuntu"}, files...)...)
	if !regexp.MustCompile(`(^|\n)ubuntu: 188 records, 137 packages changed, [0-2] hosts re-evaluated`).MatchString(out) {
		t.Errorf("import output %q: want the tracker files loaded and the protocol-5 hosts re-evaluated (by the import or the server)", out)
	}
	// Protocol 5, no binary -> source map: binary names only.
	s.waitHost(t, "protocol 5 by binary name", "inv-ubuntu1804-a.example.org", bionicAP5)
	s.waitHost(t, "protocol 5 by binary name", "inv-ubuntu1804-b.example.org", bionicBP5)

	// Protocol 6: the source column.
	s.reportBionic(t, shared, 6)
	s.checkHost(t, "protocol 6", "bionic-a-p6.example.org", bionicAP6)
	s.checkHost(t, "protocol 6", "bionic-b-p6.example.org", bionicBP6)

	// The protocol-6 reports taught the group its binary -> source map:
	// the protocol-5 hosts' sets holding a binary matched by name were
	// queued, and the evaluation job (every 200 ms here) re-evaluates
	// them, with no command run; then protocol 5 gives exactly the
	// protocol-6 findings.
	s.waitHost(t, "protocol 5 with the learned map", "inv-ubuntu1804-a.example.org", withBasis(bionicAP6, "learned"))
	s.waitHost(t, "protocol 5 with the learned map", "inv-ubuntu1804-b.example.org", withBasis(bionicBP6, "learned"))
	// A protocol-5 host reported after the protocol-6 ones is keyed by the map at once.
	p5 := filepath.Join(shared, "data/inventories/ubuntu-18.04/claircore-texlive/claircore-texlive.pakiti5.txt")
	late := filepath.Join(t.TempDir(), "late.txt")
	data, err := os.ReadFile(p5)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(late, bytes.Replace(data, []byte("host: inv-ubuntu1804-b.example.org"), []byte("host: late-p5.example.org"), 1), 0o644)
	runClient(t, "--url", s.base+"/feed/", "--input", late)
	s.checkHost(t, "protocol 5 after protocol 6", "late-p5.example.org", withBasis(bionicBP6, "learned"))

	checkBionicKernels(t, s)
}

// checkBionicKernels reports testdata/bionic-kernel-p6.report (constructed,
// see PROVENANCE.tsv) under two running kernels, then over protocol 5.
// retired/CVE-2019-18814: "bionic_linux-hwe: released (5.0.0-23.24~18.04.1)",
// "bionic_linux: not-affected (4.13.0-16.19)". The signed HWE images
// (source linux-signed-hwe) meet linux-hwe's line, the signed GA image
// (linux-signed) linux's; headers and linux-libc-dev are never counted.
func checkBionicKernels(t *testing.T, s *server) {
	t.Helper()
	report, err := os.ReadFile("testdata/bionic-kernel-p6.report")
	if err != nil {
		t.Fatal(err)
	}
	send := func(text string, protocol string) {
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
	running15 := []finding{{"linux-image-5.0.0-15-generic", "CVE-2019-18814", "5.0.0-23.24~18.04.1", "fixed", "", "report"}}
	send(string(report), "6")
	s.checkHost(t, "kernel 5.0.0-15 running", "bionic-kernel.example.org", running15)
	if h := s.findings(t, "bionic-kernel.example.org", false); len(h.IdleKernels) != 0 {
		t.Errorf("idle kernels %+v, want none with a CVE (5.0.0-23 is fixed, linux 4.15 not affected)", h.IdleKernels)
	}
	// The same packages, booted into the fixed 5.0.0-23: nothing counts,
	// and the vulnerable 5.0.0-15 image is listed as idle.
	booted23 := strings.NewReplacer("host: bionic-kernel.example.org", "host: bionic-kernel-23.example.org",
		"kernel: 5.0.0-15-generic", "kernel: 5.0.0-23-generic").Replace(string(report))
	send(booted23, "6")
	h := s.findings(t, "bionic-kernel-23.example.org", false)
	if got := open(h); len(got) != 0 || !h.Host.Evaluated {
		t.Errorf("running 5.0.0-23: evaluated %v, findings %+v; want evaluated, none", h.Host.Evaluated, got)
	}
	if len(h.IdleKernels) != 1 || h.IdleKernels[0].Package != "linux-image-5.0.0-15-generic" || h.IdleKernels[0].CVEs != 1 {
		t.Errorf("idle kernels %+v, want linux-image-5.0.0-15-generic with 1 CVE", h.IdleKernels)
	}
	// Protocol 5 (source columns dropped), after the protocol-6 reports
	// taught the map: the image is keyed linux-signed-hwe, then linux-hwe.
	var p5 []string
	for _, l := range strings.Split(string(report), "\n") {
		if c := strings.Split(l, "\t"); len(c) == 5 {
			l = strings.Join(c[:3], "\t")
		}
		p5 = append(p5, strings.Replace(l, "host: bionic-kernel.example.org", "host: bionic-kernel-p5.example.org", 1))
	}
	send(strings.Join(p5, "\n"), "5")
	s.checkHost(t, "kernel over protocol 5", "bionic-kernel-p5.example.org", withBasis(running15, "learned"))
}

// TestUbuntuSnapshot imports the whole 2020 tracker snapshot (about 20 s)
// and checks, for both inventories: protocol 5 with the map learned from
// protocol 6 gives the protocol-6 findings; every hand-written excerpt
// finding is among them, and nothing else of the excerpt's CVEs (the
// excerpt files are unmodified members of the snapshot); the findings by
// binary name are a subset. Counts are logged (go test -v).
func TestUbuntuSnapshot(t *testing.T) {
	t.Parallel() // one of the slow imports of real data: they overlap (e2e_test.go)
	if testing.Short() {
		t.Skip("imports the whole tracker snapshot; not in -short")
	}
	shared := sharedDir(t)
	snapshot := filepath.Join(shared, "data/feeds/ubuntu/uct-2020-04-active-retired-ignored.tar.gz")
	checkExcerptIsReal(t, snapshot)
	s := startServer(t, "--evaluate-every", "200ms")
	s.reportBionic(t, shared, 5)
	runPakiti(t, s.db, "import", "--source", "ubuntu", snapshot)
	byName := map[string][]finding{}
	for _, inv := range bionicInventories {
		s.waitEvaluated(t, inv.p5Host)
		byName[inv.p5Host] = open(s.findings(t, inv.p5Host, false))
		// The snapshot is complete for bionic, but these protocol-5
		// hosts were matched by binary name: partial, with the reason.
		h := s.dataHost(t, inv.p5Host).Host
		if h.DataState != "partial" || !strings.Contains(h.DataReason, "no binary -> source map for ubuntu:18.04") {
			t.Errorf("%s before any map: data %q %q; want partial, no binary -> source map", inv.p5Host, h.DataState, h.DataReason)
		}
	}
	s.reportBionic(t, shared, 6)
	// The protocol-6 reports teach the map; the evaluation job
	// re-evaluates the protocol-5 hosts (no evaluate --all): wait until
	// their findings are those of protocol 6.
	for _, inv := range bionicInventories {
		deadline := time.Now().Add(60 * time.Second)
		for !cmp.Equal(withBasis(open(s.findings(t, inv.p6Host, false)), ""), withBasis(open(s.findings(t, inv.p5Host, false)), "")) &&
			time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
		}
		if h := s.dataHost(t, inv.p5Host).Host; h.DataState != "complete" {
			t.Errorf("%s with the learned map: data %q %q; want complete", inv.p5Host, h.DataState, h.DataReason)
		}
	}
	excerpt := map[string][]finding{bionicInventories[0].p6Host: bionicAP6, bionicInventories[1].p6Host: bionicBP6}
	excerptCVEs := map[string]bool{"CVE-2018-0501": true, "CVE-2012-5667": true}
	for _, f := range append(bionicAP6, bionicBP6...) {
		excerptCVEs[f.CVE] = true
	}
	for _, inv := range bionicInventories {
		p6 := open(s.findings(t, inv.p6Host, false))
		p5 := open(s.findings(t, inv.p5Host, false))
		if diff := cmp.Diff(withBasis(p6, ""), withBasis(p5, "")); diff != "" {
			t.Errorf("%s: protocol 5 with the learned map differs from protocol 6 (-p6 +p5):\n%s", inv.dir, diff)
		}
		for _, f := range p5 {
			if f.Basis != "learned" {
				t.Errorf("%s: %s matched by %s, want learned", inv.p5Host, f.Package, f.Basis)
				break
			}
		}
		var mine []finding
		for _, f := range p6 {
			if excerptCVEs[f.CVE] {
				mine = append(mine, f)
			}
		}
		want := append([]finding(nil), excerpt[inv.p6Host]...)
		sortFindings(want)
		if diff := cmp.Diff(want, mine); diff != "" {
			t.Errorf("%s: findings of the excerpt's CVEs in the whole snapshot (-excerpt +snapshot):\n%s", inv.dir, diff)
		}
		in6 := map[[2]string]bool{}
		cves6, cves5 := map[string]bool{}, map[string]bool{}
		for _, f := range p6 {
			in6[[2]string{f.Package, f.CVE}] = true
			cves6[f.CVE] = true
		}
		for _, f := range byName[inv.p5Host] {
			cves5[f.CVE] = true
			if !in6[[2]string{f.Package, f.CVE}] {
				t.Errorf("%s: by binary name %s %s, not a protocol-6 finding", inv.p5Host, f.Package, f.CVE)
			}
		}
		t.Logf("%s: protocol 6 %d findings (%d CVEs); protocol 5 by binary name %d findings (%d CVEs), with the learned map %d",
			inv.dir, len(p6), len(cves6), len(byName[inv.p5Host]), len(cves5), len(p5))
	}
}

// checkExcerptIsReal checks that testdata/uct holds whole, unmodified
// members of the snapshot.
func checkExcerptIsReal(t *testing.T, snapshot string) {
	t.Helper()
	f, err := os.Open(snapshot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	local, _ := filepath.Glob("testdata/uct/*/CVE-*")
	want := map[string]string{}
	for _, l := range local {
		want[strings.TrimPrefix(filepath.ToSlash(l), "testdata/uct/")] = l
	}
	tr := tar.NewReader(zr)
	for len(want) > 0 {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		l, ok := want[h.Name]
		if !ok {
			continue
		}
		delete(want, h.Name)
		member, _ := io.ReadAll(tr)
		if copied, err := os.ReadFile(l); err != nil || !bytes.Equal(member, copied) {
			t.Errorf("%s is not the snapshot's member %s", l, h.Name)
		}
	}
	for m := range want {
		t.Errorf("testdata/uct/%s: no such member in the snapshot", m)
	}
}
