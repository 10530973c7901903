package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestSkipFailsInCI runs a skipping test in a child process with and
// without CI=true: skipped without, failed with.
func TestSkipFailsInCI(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") == "1" {
		Skip(t, "nothing here")
		return
	}
	for _, tc := range []struct {
		ci       string
		wantFail bool
		want     string
	}{
		{"", false, "--- SKIP: TestSkipFailsInCI"},
		{"false", false, "--- SKIP: TestSkipFailsInCI"},
		{"true", true, "--- FAIL: TestSkipFailsInCI"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestSkipFailsInCI$", "-test.v")
		cmd.Env = append(os.Environ(), "TESTENV_CHILD=1", "CI="+tc.ci)
		out, err := cmd.CombinedOutput()
		if (err != nil) != tc.wantFail || !strings.Contains(string(out), tc.want) ||
			!strings.Contains(string(out), "nothing here") {
			t.Errorf("CI=%q: err %v, output:\n%s", tc.ci, err, out)
		}
	}
}

// TestSharedDir finds the shared data through PAKITI_SHARED, and reports a
// folder without data/ as missing.
func TestSharedDir(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PAKITI_SHARED", dir)
	if _, err := sharedDir(); err == nil {
		t.Errorf("%s has no data/ folder: no error", dir)
	}
	if err := os.Mkdir(dir+"/data", 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := sharedDir(); err != nil || got != dir {
		t.Errorf("sharedDir() = %q, %v; want %q", got, err, dir)
	}
}
