package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestAnsibleYAML parses the Ansible role and playbook (CI lints them with
// ansible-lint where Debian has it; this is the floor) and checks the
// variables the role's files use are the ones its defaults declare.
func TestAnsibleYAML(t *testing.T) {
	root := filepath.Join("..", "..", "deploy", "ansible")
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yml") {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) < 4 {
		t.Fatalf("found %d YAML files under %s: %v", len(files), root, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := yaml.Unmarshal(b, &v); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	b, err := os.ReadFile(filepath.Join(root, "roles", "pakiti_client", "defaults", "main.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var defaults map[string]any
	if err := yaml.Unmarshal(b, &defaults); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"pakiti_client_url", "pakiti_client_site", "pakiti_client_tag", "pakiti_client_options", "pakiti_client_scheduler", "pakiti_client_state", "pakiti_client_package"} {
		if _, ok := defaults[k]; !ok {
			t.Errorf("defaults/main.yml lacks %s", k)
		}
	}
}
