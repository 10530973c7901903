package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestListMatchesCode: every snippet of the list occurs exactly once in its
// file, so a change to the code that breaks a mutant shows in go test ./...
// and not only in the CI step.
func TestListMatchesCode(t *testing.T) {
	tmp := t.TempDir()
	if _, err := selectMutants(mutants, ""); err != nil {
		t.Fatal(err)
	}
	for i, m := range mutants {
		if _, err := writeOverlay(filepath.Join("..", ".."), tmp, i, m); err != nil {
			t.Error(err)
		}
		if m.Kill == "" {
			t.Errorf("%s: no Kill (name the tests that kill it: go run ./tools/mutants -only %s -full)", m.Name, m.Name)
		}
		if _, err := killerPackages(filepath.Join("..", ".."), m); err != nil {
			t.Error(err)
		}
	}
}

func TestWriteOverlay(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "a.go"), []byte("x := 1\ny := 2\ny := 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		orig    string
		wantErr string
	}{
		{"x := 1", ""},
		{"y := 2", "occurs 2 times"},
		{"z := 3", "occurs 0 times"},
	}
	for i, tt := range tests {
		m := mutant{Name: "m", File: "a.go", Orig: tt.orig, Repl: "x := 0", Pkgs: []string{"./"}}
		overlay, err := writeOverlay(root, t.TempDir(), i, m)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: err = %v, want %q", tt.orig, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(overlay)
		if err != nil {
			t.Fatal(err)
		}
		var o struct{ Replace map[string]string }
		if err := json.Unmarshal(data, &o); err != nil {
			t.Fatal(err)
		}
		mutated, err := os.ReadFile(o.Replace[filepath.Join(root, "a.go")])
		if err != nil {
			t.Fatalf("overlay %s: %v", data, err)
		}
		if got, want := string(mutated), "x := 0\ny := 2\ny := 2\n"; got != want {
			t.Errorf("mutated file %q, want %q", got, want)
		}
	}
}

func TestKillerPackages(t *testing.T) {
	root := t.TempDir()
	for dir, src := range map[string]string{
		"a": "package a\n\nfunc TestOne(t *testing.T) {}\n\nfunc TestOneMore(t *testing.T) {}\n",
		"b": "package b\n\nfunc TestTwo(t *testing.T) {}\n",
		"c": "package c\n\nfunc helper(t *testing.T) { TestOne(t) }\n",
	} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, dir, "x_test.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pkgs := []string{"./a", "./b", "./c"}
	tests := []struct {
		kill    string
		want    string
		wantErr string
	}{
		{kill: "TestOne", want: "./a"},
		{kill: "TestTwo|TestOne", want: "./a ./b"},
		{kill: "TestOn", wantErr: "Kill names TestOn"},
		{kill: "TestOne|TestGone", wantErr: "Kill names TestGone"},
		{kill: "", want: ""},
	}
	for _, tt := range tests {
		got, err := killerPackages(root, mutant{Name: "m", Pkgs: pkgs, Kill: tt.kill})
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Kill %q: err = %v, want %q", tt.kill, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Kill %q: %v", tt.kill, err)
			continue
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("Kill %q: packages %q, want %q", tt.kill, got, tt.want)
		}
	}
}

func TestFirstFailingTest(t *testing.T) {
	out := "=== RUN   TestA\n--- PASS: TestA (0.00s)\n    --- FAIL: TestB/sub (0.01s)\n--- FAIL: TestB (0.01s)\nFAIL\n"
	if f := failLine.FindStringSubmatch(out); f == nil || f[1] != "TestB/sub" {
		t.Errorf("first failing test = %v, want TestB/sub", f)
	}
	if !buildFail.MatchString("# github.com/x/y\n./a.go:1:1: undefined: z\nFAIL\tgithub.com/x/y [build failed]\n") {
		t.Error("a build failure is not recognised")
	}
	if buildFail.MatchString(out) {
		t.Error("a test failure taken for a build failure")
	}
}
