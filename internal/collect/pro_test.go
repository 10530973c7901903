package collect

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

// TestParseProStatus: the enabled services of real status.json files
// (testdata/pro, ubuntu-advantage-tools 27.6): esm-infra "enabled" in
// one, "disabled" in the other; cc-eal and cis are "disabled", fips,
// fips-updates and livepatch "n/a" in both.
func TestParseProStatus(t *testing.T) {
	for _, tt := range []struct {
		file string
		want []string
	}{
		{"esm_enabled_status.json", []string{"esm-infra"}},
		{"esm_disabled_status.json", nil},
	} {
		data, err := os.ReadFile(filepath.Join("testdata/pro", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseProStatus(data)
		if err != nil || !cmp.Equal(got, tt.want) {
			t.Errorf("%s: %q, %v; want %q", tt.file, got, err, tt.want)
		}
	}
	// Constructed: the same shape, detached (attached false, as `pro
	// detach` leaves it), then two services enabled and one whose name
	// the header cannot carry.
	for in, want := range map[string][]string{
		`{"attached": false, "services": [{"name": "esm-infra", "status": "enabled"}]}`:                                                       nil,
		`{"attached": true, "services": [{"name": "esm-infra", "status": "enabled"}, {"name": "esm-apps", "status": "enabled"}]}`:             {"esm-apps", "esm-infra"},
		`{"attached": true, "services": [{"name": "Bad Name", "status": "enabled"}, {"name": "none", "status": "enabled"}, {"name": "ros"}]}`: nil,
	} {
		got, err := parseProStatus([]byte(in))
		if err != nil || !cmp.Equal(got, want) {
			t.Errorf("%s: %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := parseProStatus([]byte(`{"attached": tru`)); err == nil {
		t.Error("a truncated status.json reads")
	}
}

// TestCollectPro: the pro: header of a real Ubuntu 22.04 system
// (inventory ubuntu-22.04/linux-check-diff: its dpkg status and
// os-release) under --root, by what /var/lib/ubuntu-advantage holds;
// protocol 5 never carries it.
func TestCollectPro(t *testing.T) {
	inv := filepath.Join(testenv.SharedDir(t), "data", "inventories", "ubuntu-22.04", "linux-check-diff")
	if _, err := os.Stat(filepath.Join(inv, "status")); err != nil {
		testenv.Skipf(t, "inventory ubuntu-22.04/linux-check-diff: %v", err)
	}
	enabled, err := os.ReadFile("testdata/pro/esm_enabled_status.json")
	if err != nil {
		t.Fatal(err)
	}
	disabled, err := os.ReadFile("testdata/pro/esm_disabled_status.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		files    map[string][]byte // under var/lib/ubuntu-advantage
		noOS     bool              // without os-release: not known to be Ubuntu
		want     string
		warnings int
	}{
		{"esm-infra enabled", map[string][]byte{"status.json": enabled}, false, "esm-infra", 0},
		{"attached, esm-infra disabled", map[string][]byte{"status.json": disabled}, false, report.ProNone, 0},
		{"no Pro files: not attached", nil, false, report.ProNone, 0},
		{"machine token, no status yet", map[string][]byte{"private/machine-token.json": []byte("{}")}, false, "", 0},
		{"unreadable status", map[string][]byte{"status.json": []byte("{\"attached\": tru")}, false, "", 1},
		{"no os-release, no Pro files", nil, true, "", 0},
		{"no os-release, status.json", map[string][]byte{"status.json": enabled}, true, "esm-infra", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			copyFile(t, filepath.Join(inv, "status"), filepath.Join(root, "var/lib/dpkg/status"))
			if !tt.noOS {
				copyFile(t, filepath.Join(inv, "os-release"), filepath.Join(root, "etc/os-release"))
			}
			for name, data := range tt.files {
				p := filepath.Join(root, "var/lib/ubuntu-advantage", name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var warnings []string
			r, err := Collect(context.Background(), Options{Root: root, Host: "u2204.example.org",
				Warnf: func(f string, a ...any) { warnings = append(warnings, f) }})
			if err != nil {
				t.Fatal(err)
			}
			if r.Header.Pro != tt.want {
				t.Errorf("pro header = %q, want %q", r.Header.Pro, tt.want)
			}
			if n := len(warnings); n != tt.warnings && !(tt.noOS && n <= 1) {
				t.Errorf("warnings %q, want %d", warnings, tt.warnings)
			}
			p6, p5 := string(report.Format(r, report.Protocol6)), string(report.Format(r, report.Protocol5))
			if tt.want != "" && !strings.Contains(p6, "\npro: "+tt.want+"\n") || strings.Contains(p5, "pro:") {
				t.Errorf("pro header misplaced:\n%.300s\n%.300s", p6, p5)
			}
		})
	}
}

// FuzzParseProStatus: any status.json gives services the pro: header
// carries and reads back, seeded with the real files.
func FuzzParseProStatus(f *testing.F) {
	for _, name := range []string{"esm_enabled_status.json", "esm_disabled_status.json"} {
		data, err := os.ReadFile(filepath.Join("testdata/pro", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		services, err := parseProStatus(data)
		if err != nil {
			return
		}
		back, known, err := report.ParsePro(report.FormatPro(services))
		if err != nil || !known || !cmp.Equal(back, services) {
			t.Fatalf("services %q do not survive the header: %q, %v, %v", services, back, known, err)
		}
	})
}
