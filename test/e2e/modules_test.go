package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// rhea20200330: RHEA-2020:0330 "nodejs:12 enhancement update"
// (testdata/rhel8-v1.excerpt.xml), criteria "Module nodejs:12 is enabled"
// AND "nodejs is earlier than 1:12.14.1-1.module+el8.1.0+5466+30f75629",
// arches aarch64|ppc64le|s390x|x86_64; CVE-2019-16775, -16776, -16777,
// each impact="low".
var rhea20200330 = []string{"CVE-2019-16775", "CVE-2019-16776", "CVE-2019-16777"}

// moduleHost lays a RHEL 8.0 root (redhat-release of inventory
// rhel-8/vuls-rhel80) whose dnf enabled stream is nodejs:STREAM, with a
// fake rpm printing its packages: bash 0:4.4.19-7.el8 is the inventory's;
// the nodejs build and its MODULARITYLABEL are constructed (no inventory
// has nodejs, and none carries a MODULARITYLABEL).
func moduleHost(t *testing.T, stream, nodejs, label string) (root, rpm string) {
	t.Helper()
	root = t.TempDir()
	files := map[string]string{
		"var/lib/rpm/Packages":            "",
		"etc/redhat-release":              "Red Hat Enterprise Linux release 8.0 (Ootpa)\n",
		"etc/dnf/modules.d/nodejs.module": "[nodejs]\nname=nodejs\nstream=" + stream + "\nprofiles=\nstate=enabled\n",
	}
	for name, data := range files {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	evr := strings.TrimPrefix(nodejs, "1:")
	qa := "bash\t(none):4.4.19-7.el8\tx86_64\tbash-4.4.19-7.el8.src.rpm\t(none)\n" +
		"nodejs\t1:" + evr + "\tx86_64\tnodejs-" + evr + ".src.rpm\t" + label + "\n"
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "qa"), []byte(qa), 0o644); err != nil {
		t.Fatal(err)
	}
	rpm = filepath.Join(bin, "rpm")
	if err := os.WriteFile(rpm, []byte("#!/bin/sh\nexec cat '"+filepath.Join(bin, "qa")+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return root, rpm
}

// TestModuleStreams: a module-stream record (RHEA-2020:0330, nodejs:12)
// on protocol-6 hosts that report their module builds' streams and their
// enabled streams (pakiti-client --root with dnf module files), and on a
// protocol-5 host that cannot.
func TestModuleStreams(t *testing.T) {
	s := startServer(t)
	const (
		v12 = "1:12.13.1-1.module+el8.1.0+4889+fe7b9d5f" // older than the fix
		v10 = "1:10.19.0-1.module+el8.1.0+5726+6ed65f8c" // another stream: older too, by rpm order
	)
	root12, rpm12 := moduleHost(t, "12", v12, "nodejs:12:8010020191122191516:cdc1202b")
	runClient(t, "--url", s.base+"/feed/", "--root", root12, "--rpm", rpm12, "--host", "nodejs12.example.org", "--site", "E2E", "--protocol", "6")
	root10, rpm10 := moduleHost(t, "10", v10, "nodejs:10:8010020200204190447:cdc1202b")
	runClient(t, "--url", s.base+"/feed/", "--root", root10, "--rpm", rpm10, "--host", "nodejs10.example.org", "--site", "E2E", "--protocol", "6")
	// The same nodejs:10 host over protocol 5 (the Perl client's format):
	// no label, no module state.
	p5 := "#\narch: x86_64\nhost: nodejs10-p5.example.org\nkernel: 4.18.0-80.el8.x86_64\npackager: rpm\nsite: E2E\n" +
		"system: Red Hat Enterprise Linux release 8.0 (Ootpa)\nversion: 1\n#\nbash\t0:4.4.19-7.el8\tx86_64\nnodejs\t" + v10 + "\tx86_64\n#\n"
	p5File := filepath.Join(t.TempDir(), "p5.txt")
	if err := os.WriteFile(p5File, []byte(p5), 0o600); err != nil {
		t.Fatal(err)
	}
	runClient(t, "--url", s.base+"/feed/", "--input", p5File)

	runPakiti(t, s.db, "import", "--source", "redhat", "testdata/rhel8-v1.excerpt.xml")

	fixed := "1:12.14.1-1.module+el8.1.0+5466+30f75629"
	var want12, want10p5 []rpmFinding
	for _, c := range rhea20200330 {
		// nodejs:12 enabled, the build labelled nodejs:12: the record applies.
		want12 = append(want12, rpmFinding{"nodejs", v12, c, fixed, "low", "RHEA-2020:0330", "report", ""})
		// Protocol 5: a module build of unknown stream meets every stream's
		// records, and says so (module-unknown): here a false positive the
		// protocol-6 report of the same host avoids.
		want10p5 = append(want10p5, rpmFinding{"nodejs", v10, c, fixed, "low", "RHEA-2020:0330", "module-unknown", ""})
	}
	for _, tc := range []struct {
		host string
		want []rpmFinding
	}{
		{"nodejs12.example.org", want12},
		// nodejs:10 enabled, the build labelled nodejs:10: the nodejs:12
		// record does not apply, though 10.19.0 < 12.14.1.
		{"nodejs10.example.org", nil},
		{"nodejs10-p5.example.org", want10p5},
	} {
		h, got := s.rpmFindings(t, tc.host)
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s findings (-want +got):\n%s", tc.host, diff)
		}
		if !h.Host.Evaluated || h.Host.OSGroup != "rhel:8" {
			t.Errorf("%s: evaluated %v, group %q; want evaluated, rhel:8", tc.host, h.Host.Evaluated, h.Host.OSGroup)
		}
	}
}
