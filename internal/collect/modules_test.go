package collect

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
)

// alma8ModuleQA is rpm -qa output in RPMQueryFormat for four real
// packages of inventory alma-8/vuls-alma8 (vulsio/integration
// data/results/alma_8.json @a612a99): the NEVRAs are real; the SOURCERPM
// and MODULARITYLABEL columns are constructed (the inventory's
// modularitylabel fields are empty: no inventory we have carries one),
// with the streams those module builds belong to.
const alma8ModuleQA = "bash\t(none):4.4.20-4.el8_6\tx86_64\tbash-4.4.20-4.el8_6.src.rpm\t(none)\n" +
	"perl-IO-Socket-SSL\t(none):2.066-4.module_el8.6.0+2811+fe6c84b0\tnoarch\tperl-IO-Socket-SSL-2.066-4.module_el8.6.0+2811+fe6c84b0.src.rpm\tperl-IO-Socket-SSL:2.066:8060020220606085419:d5f2b4a1\n" +
	"perl-Net-SSLeay\t(none):1.88-2.module_el8.6.0+2811+fe6c84b0\tx86_64\tperl-Net-SSLeay-1.88-2.module_el8.6.0+2811+fe6c84b0.src.rpm\tperl-IO-Socket-SSL:2.066:8060020220606085419:d5f2b4a1\n" +
	"perl-Mozilla-CA\t(none):20160104-7.module_el8.5.0+2812+ed912d05\tnoarch\tperl-Mozilla-CA-20160104-7.module_el8.5.0+2812+ed912d05.src.rpm\tperl-libwww-perl:6.34:8050020211116110541:b967a9a2\n"

// fakeRPMRoot lays a root directory with an rpm database file, the
// redhat-release of inventory alma-8 and the given dnf module files, and
// a fake rpm: script is its shell body ($qa is the file of qa).
func fakeRPMRoot(t *testing.T, qa, script string, modules map[string]string) (root, rpm string) {
	t.Helper()
	root = t.TempDir()
	for name, data := range map[string]string{
		"var/lib/rpm/Packages": "",
		"etc/redhat-release":   "AlmaLinux release 8.9 (Midnight Oncilla)\n",
		"etc/hostname":         "alma8.example.org\n",
	} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if modules != nil {
		dir := filepath.Join(root, "etc/dnf/modules.d")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range modules {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	bin := t.TempDir()
	qaFile := filepath.Join(bin, "qa")
	if err := os.WriteFile(qaFile, []byte(qa), 0o644); err != nil {
		t.Fatal(err)
	}
	rpm = filepath.Join(bin, "rpm")
	if err := os.WriteFile(rpm, []byte("#!/bin/sh\nqa='"+qaFile+"'\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return root, rpm
}

// TestCollectModules: module labels become the packages' module streams
// and the enabled streams of /etc/dnf/modules.d (under --root) the
// modules: header; a host without modules.d says nothing.
func TestCollectModules(t *testing.T) {
	modules := map[string]string{
		// as dnf writes them (dnf module enable perl-IO-Socket-SSL:2.066)
		"perl-IO-Socket-SSL.module": "[perl-IO-Socket-SSL]\nname=perl-IO-Socket-SSL\nstream=2.066\nprofiles=\nstate=enabled\n",
		"perl-libwww-perl.module":   "[perl-libwww-perl]\nname=perl-libwww-perl\nstream=6.34\nprofiles=\nstate=enabled\n",
		// reset, and disabled: not enabled streams
		"nodejs.module":     "[nodejs]\nname=nodejs\nstream=\nprofiles=\nstate=\n",
		"postgresql.module": "[postgresql]\nname=postgresql\nstream=10\nprofiles=\nstate=disabled\n",
		"README":            "[x]\nstream=1\nstate=enabled\n",
	}
	wantPkgs := []model.Package{
		{Name: "bash", Version: "0:4.4.20-4.el8_6", Arch: "x86_64", SourceName: "bash", SourceVersion: "0:4.4.20-4.el8_6"},
		{Name: "perl-IO-Socket-SSL", Version: "0:2.066-4.module_el8.6.0+2811+fe6c84b0", Arch: "noarch", SourceName: "perl-IO-Socket-SSL",
			SourceVersion: "0:2.066-4.module_el8.6.0+2811+fe6c84b0", Module: "perl-IO-Socket-SSL:2.066"},
		{Name: "perl-Mozilla-CA", Version: "0:20160104-7.module_el8.5.0+2812+ed912d05", Arch: "noarch", SourceName: "perl-Mozilla-CA",
			SourceVersion: "0:20160104-7.module_el8.5.0+2812+ed912d05", Module: "perl-libwww-perl:6.34"},
		{Name: "perl-Net-SSLeay", Version: "0:1.88-2.module_el8.6.0+2811+fe6c84b0", Arch: "x86_64", SourceName: "perl-Net-SSLeay",
			SourceVersion: "0:1.88-2.module_el8.6.0+2811+fe6c84b0", Module: "perl-IO-Socket-SSL:2.066"},
	}
	for _, tc := range []struct {
		name        string
		modules     map[string]string
		wantModules string
	}{
		{"enabled streams", modules, "perl-IO-Socket-SSL:2.066 perl-libwww-perl:6.34"},
		{"modules.d without an enabled stream", map[string]string{"nodejs.module": modules["nodejs.module"]}, report.ModulesNone},
		{"no modules.d", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, rpm := fakeRPMRoot(t, alma8ModuleQA, "exec cat \"$qa\"\n", tc.modules)
			r, err := Collect(context.Background(), Options{Root: root, RPM: rpm})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantPkgs, r.Packages); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			if r.Header.Modules != tc.wantModules {
				t.Errorf("modules header = %q, want %q", r.Header.Modules, tc.wantModules)
			}
			// Protocol 6 carries them; protocol 5 (the Perl client's) not.
			p6, p5 := string(report.Format(r, report.Protocol6)), string(report.Format(r, report.Protocol5))
			line := "perl-Net-SSLeay\t0:1.88-2.module_el8.6.0+2811+fe6c84b0\tx86_64\tperl-Net-SSLeay\t0:1.88-2.module_el8.6.0+2811+fe6c84b0\tperl-IO-Socket-SSL:2.066\n"
			if !strings.Contains(p6, line) || strings.Contains(p5, "perl-IO-Socket-SSL:2.066") {
				t.Errorf("protocol 6 lacks %q or protocol 5 has the module:\n%s\n%s", line, p6, p5)
			}
			if tc.wantModules != "" && (!strings.Contains(p6, "\nmodules: "+tc.wantModules+"\n") || strings.Contains(p5, "modules:")) {
				t.Errorf("modules header misplaced:\n%s\n%s", p6, p5)
			}
		})
	}
}

// TestCollectOldRPM: an rpm that does not know MODULARITYLABEL (before
// 4.14) prints an error and nothing (rpm 4.18 does so and exits 0, as
// run here with %{NOSUCHTAG}); the client asks again without the tag.
func TestCollectOldRPM(t *testing.T) {
	qa := "bash\t(none):4.2.46-34.el7\tx86_64\tbash-4.2.46-34.el7.src.rpm\n"
	script := `case "$*" in *MODULARITYLABEL*) echo 'error: incorrect format: unknown tag: "MODULARITYLABEL"' >&2; exit 0;; esac
exec cat "$qa"
`
	root, rpm := fakeRPMRoot(t, qa, script, nil)
	r, err := Collect(context.Background(), Options{Root: root, RPM: rpm})
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Package{{Name: "bash", Version: "0:4.2.46-34.el7", Arch: "x86_64", SourceName: "bash", SourceVersion: "0:4.2.46-34.el7"}}
	if diff := cmp.Diff(want, r.Packages); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

func TestParseModuleFile(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"[nodejs]\nname=nodejs\nstream=12\nprofiles=default\nstate=enabled\n", []string{"nodejs:12"}},
		{"[nodejs]\nstream = 12\nstate = enabled\n", []string{"nodejs:12"}}, // no name=: the section's
		{"[nodejs]\nname=nodejs\nstream=12\nstate=disabled\n", nil},
		{"[nodejs]\nname=nodejs\nstream=\nstate=enabled\n", nil},
		{"# comment\n[a]\nstream=1\nstate=enabled\n[b]\nstream=2\nstate=enabled\n", []string{"a:1", "b:2"}},
		{"stream=1\nstate=enabled\n", nil}, // no section
	} {
		if got := parseModuleFile([]byte(tc.in)); !cmp.Equal(got, tc.want) {
			t.Errorf("parseModuleFile(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
