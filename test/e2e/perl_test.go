package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/testenv"
)

// needTool finds a command the Perl client runs, or skips (fails in CI).
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		testenv.Skipf(t, "%s not installed (.ci/run installs it)", name)
	}
	return p
}

// TestPerlClientTransports sends reports the ways the Perl pakiti-client
// does (bin/pakiti-client of CESNET/pakiti-client): curl --data-binary,
// wget --post-file, and the curl -d fallback protocol.md describes; the
// Perl client accepts an answer only when it ends in OK.
func TestPerlClientTransports(t *testing.T) {
	shared := sharedDir(t)
	s := startServer(t)
	curl, wget := needTool(t, "curl"), needTool(t, "wget")
	okEnd := regexp.MustCompile(`OK\n?$`)
	inv := filepath.Join(shared, "data/inventories/debian-11/viking-db/viking-db.pakiti5.txt")
	raw, err := os.ReadFile(inv)
	if err != nil {
		t.Fatal(err)
	}
	withHost := func(name string) string {
		p := filepath.Join(t.TempDir(), name)
		os.WriteFile(p, []byte(strings.Replace(string(raw), "inv-debian11-a.example.org", name, 1)), 0o644)
		return p
	}
	cases := []struct {
		host string
		cmd  func(file string) *exec.Cmd
	}{
		{"perl-curl.example.org", func(f string) *exec.Cmd {
			return exec.Command(curl, "-q", "--silent", "-X", "POST", "--data-binary", "@"+f, s.base+"/feed/?protocol=5")
		}},
		{"perl-wget.example.org", func(f string) *exec.Cmd {
			return exec.Command(wget, "--tries=1", "--output-document=-", "--quiet", "--post-file", f, s.base+"/pakiti/feed/?protocol=5")
		}},
		{"perl-nolwp.example.org", func(f string) *exec.Cmd {
			b, _ := os.ReadFile(f)
			return exec.Command(curl, "--silent", "-X", "POST", s.base+"/feed/", "-d", string(b))
		}},
		{"perl-noproto.example.org", func(f string) *exec.Cmd { // --no-protocol-version
			return exec.Command(curl, "-q", "--silent", "-X", "POST", "--data-binary", "@"+f, s.base+"/feed")
		}},
	}
	for _, c := range cases {
		out, err := c.cmd(withHost(c.host)).CombinedOutput()
		if err != nil || !okEnd.Match(out) {
			t.Errorf("%s: %v, answer %q: the Perl client wants it to end in OK", c.host, err, out)
			continue
		}
		if h := s.host(t, c.host); h.Host.Packages != 147 {
			t.Errorf("%s: %d packages stored, want 147", c.host, h.Host.Packages)
		}
	}
	// --mode store-and-report goes in the query string with the protocol.
	out, err := exec.Command(curl, "-q", "--silent", "-X", "POST", "--data-binary", "@"+withHost("perl-report.example.org"),
		s.base+"/feed/?mode=store-and-report&protocol=5").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "OK\n") {
		t.Errorf("store-and-report: %v %q", err, out)
	}
}
