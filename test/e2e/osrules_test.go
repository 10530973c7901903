package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOSRulesFile: serve --os-rules puts a site's rules before the
// built-in ones: the real CentOS 7 inventory lands in the group the file
// names, the real SLES 15.3 inventory in the built-in sles:15.3 (not
// evaluated: no SUSE data), and pakiti os-rules check answers the same.
func TestOSRulesFile(t *testing.T) {
	shared := sharedDir(t)
	rules := filepath.Join(t.TempDir(), "site.rules")
	// A site whose "CentOS 7" hosts are its own rebuild of Scientific Linux.
	if err := os.WriteFile(rules, []byte("# site rules\n^CentOS Linux release 7\\. => scientific:7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "--os-rules", rules)
	for _, f := range []string{"centos-7/vuls-centos7/vuls-centos7.pakiti5.txt", "sles-15/vuls-sles15/vuls-sles15.pakiti5.txt"} {
		runClient(t, "--url", s.base+"/feed/", "--input", filepath.Join(shared, "data/inventories", f))
	}
	for host, want := range map[string]string{"inv-centos7-a.example.org": "scientific:7", "inv-sles15-a.example.org": "sles:15.3"} {
		if h := s.findings(t, host, false); h.Host.OSGroup != want || h.Host.Evaluated {
			t.Errorf("%s: group %q, evaluated %v; want %s, not evaluated (no data imported)", host, h.Host.OSGroup, h.Host.Evaluated, want)
		}
	}
	for _, tc := range []struct{ args []string }{
		{[]string{"os-rules", "check", "--os-rules", rules, "CentOS Linux release 7.7.1908 (Core)"}},
	} {
		out, err := exec.Command(bins.server, tc.args...).Output()
		if err != nil || strings.TrimSpace(string(out)) != "scientific:7" {
			t.Errorf("pakiti %s = %q, %v; want scientific:7", strings.Join(tc.args, " "), out, err)
		}
	}
	// A broken rule file stops serve with the line at fault.
	bad := filepath.Join(t.TempDir(), "bad.rules")
	if err := os.WriteFile(bad, []byte("^(x => debian:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bins.server, "serve", "--listen", "127.0.0.1:0", "--db", "sqlite:"+filepath.Join(t.TempDir(), "x.db"), "--os-rules", bad).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "bad.rules:1:") {
		t.Errorf("serve with a broken rule file: %v\n%s", err, out)
	}
}
