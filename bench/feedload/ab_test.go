package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseAB(t *testing.T) {
	dir := t.TempDir()
	old, cur := filepath.Join(dir, "old"), filepath.Join(dir, "new")
	for _, f := range []string{old, cur} {
		if err := os.WriteFile(f, nil, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	got, err := parseAB("old=" + old + ", new=" + cur + "?synchronous=normal")
	if err != nil {
		t.Fatal(err)
	}
	want := []abBinary{{Label: "old", Binary: old}, {Label: "new", Binary: cur, DBQuery: "synchronous=normal"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseAB (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", "old", "=" + old, "old=" + filepath.Join(dir, "missing")} {
		if _, err := parseAB(bad); err == nil {
			t.Errorf("parseAB(%q): no error", bad)
		}
	}
}

// TestProcCPU reads this process's CPU time from /proc and compares it
// with getrusage's, after burning some.
func TestProcCPU(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	rusage := func() float64 {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			t.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	// Burn CPU time (not wall time: the machine may be busy).
	for x := 0; rusage() < 0.3; x++ {
	}
	got, err := procCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	want := rusage()
	if got < 0.2 || got > want+0.05 || got < want-0.1 {
		t.Errorf("procCPU = %.3f s, getrusage %.3f s", got, want)
	}
}

// TestLastLines checks what an -ab-import failure quotes of the import's
// output.
func TestLastLines(t *testing.T) {
	for _, c := range []struct {
		out  string
		n    int
		want string
	}{
		{"", 5, ""},
		{"one\n", 5, "one"},
		{"a\nb\nc\nd\n", 2, "c\nd"},
		{"a\nb", 5, "a\nb"},
	} {
		if got := lastLines([]byte(c.out), c.n); got != c.want {
			t.Errorf("lastLines(%q, %d) = %q, want %q", c.out, c.n, got, c.want)
		}
	}
}
