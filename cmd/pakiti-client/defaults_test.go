package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestMain keeps the machine's /etc/pakiti/client.conf (installed by the
// package) out of the tests; TestDefaultConfig sets its own.
func TestMain(m *testing.M) {
	defaultConfig = ""
	os.Exit(m.Run())
}

func TestVersion(t *testing.T) {
	code, out, errs := runCLI(t, "", "--version", "--mode", "bogus")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	// A test binary carries no -X values: the honest development line.
	if !regexp.MustCompile(`^pakiti-client devel \(commit [0-9a-f]+(\+dirty)?\)\n$|^pakiti-client devel \(commit unknown\)\n$`).MatchString(out) {
		t.Errorf("--version printed %q", out)
	}
}

func TestDefaultConfig(t *testing.T) {
	root := testRoot(t)
	dir := t.TempDir()
	def := filepath.Join(dir, "client.conf")
	if err := os.WriteFile(def, []byte("# as the package installs it, with a site set\nsite = FROM-DEFAULT\ntag = deftag\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.conf")
	if err := os.WriteFile(other, []byte("site = FROM-OTHER\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		def     string
		args    []string
		want    []string
		notWant []string
	}{
		{"default read when it exists", def, nil, []string{"site: FROM-DEFAULT\n", "tag: deftag\n"}, nil},
		{"command line over the default", def, []string{"--site", "CLI"}, []string{"site: CLI\n", "tag: deftag\n"}, []string{"FROM-DEFAULT"}},
		{"--config replaces the default", def, []string{"--config", other}, []string{"site: FROM-OTHER\n"}, []string{"deftag"}},
		{"--conf replaces the default", def, []string{"--conf", other}, []string{"site: FROM-OTHER\n"}, []string{"deftag"}},
		{"--config= reads none", def, []string{"--config="}, nil, []string{"site:", "tag:"}},
		{"missing default is no error", filepath.Join(dir, "absent.conf"), nil, []string{"host: h\n"}, []string{"site:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defaultConfig = tt.def
			t.Cleanup(func() { defaultConfig = "" })
			code, out, errs := runCLI(t, "", append([]string{"--root", root, "--host", "h"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("stdout has %q:\n%s", w, out)
				}
			}
		})
	}
}
