package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestPhaseProfiles: -phase-profiles writes one CPU profile per phase
// run (a pprof file: gzip-compressed, not empty), none for a phase not run.
func TestPhaseProfiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "prof")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"-n", "20", "-c", "2", "-only", "unchanged", "-packages", "50",
		"-inventory", inventory, "-phase-profiles", dir, "-json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit status %d\n%s\n%s", code, out.String(), errb.String())
	}
	for _, phase := range []string{"known-set", "unchanged"} {
		f, err := os.Open(filepath.Join(dir, phase+".pprof"))
		if err != nil {
			t.Fatal(err)
		}
		z, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", phase, err)
		}
		if b, err := io.ReadAll(z); err != nil || len(b) == 0 {
			t.Errorf("%s: %d bytes, %v", phase, len(b), err)
		}
		f.Close()
	}
	if _, err := os.Stat(filepath.Join(dir, "new-set.pprof")); !os.IsNotExist(err) {
		t.Errorf("new-set did not run, yet its profile: %v", err)
	}
}
