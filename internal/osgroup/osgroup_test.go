package osgroup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuiltin(t *testing.T) {
	tests := []struct {
		f    Facts
		want string
	}{
		// system: lines of the real inventories (shared/data/inventories/*/*.pakiti5.txt)
		{Facts{System: "Debian GNU/Linux 12"}, "debian:12"},
		{Facts{System: "Debian GNU/Linux 11"}, "debian:11"},
		{Facts{System: "Ubuntu 22.04"}, "ubuntu:22.04"},
		{Facts{System: "Ubuntu 18.04"}, "ubuntu:18.04"},
		{Facts{System: "Alpine Linux 3.20.2"}, "alpine:3.20"},
		{Facts{System: "AlmaLinux release 9.0 (Emerald Puma)"}, "alma:9"},
		{Facts{System: "CentOS Linux release 7.9.2009 (Core)"}, "centos:7"},
		{Facts{System: "Red Hat Enterprise Linux release 8.0 (Ootpa)"}, "rhel:8"},
		{Facts{System: "Rocky Linux release 9.4 (Blue Onyx)"}, "rocky:9"},
		// other spellings hosts send
		{Facts{System: "Debian GNU/Linux 12 (bookworm)"}, "debian:12"},
		{Facts{System: "Debian GNU/Linux 10.13"}, "debian:10"},
		{Facts{System: "Raspbian GNU/Linux 11"}, "debian:11"},
		{Facts{System: "Debian GNU/Linux 120"}, "debian:120"},
		{Facts{System: "Debian GNU/Linux bookworm/sid"}, "debian:sid"},
		// os-release facts win over the system string
		{Facts{System: "Debian GNU/Linux 12", OSID: "debian", OSVersionID: "12"}, "debian:12"},
		{Facts{System: "something custom", OSID: "debian", OSVersionID: "11"}, "debian:11"},
		{Facts{System: "Raspbian", OSID: "raspbian", OSVersionID: "12"}, "debian:12"},
		// RPM distributions, their other spellings and os-release facts
		{Facts{System: "AlmaLinux 9.4"}, "alma:9"},
		{Facts{System: "AlmaLinux release 9.4 (Seafoam Ocelot)"}, "alma:9"},
		{Facts{System: "Rocky Linux release 9.4"}, "rocky:9"},
		{Facts{System: "CentOS Stream release 9"}, "centos:9"},
		{Facts{System: "Scientific Linux release 7.9 (Nitrogen)"}, "scientific:7"},
		{Facts{System: "Scientific Linux CERN SLC release 6.5 (Carbon)"}, "scientific:6"},
		{Facts{System: "Red Hat Enterprise Linux CoreOS release 4.2"}, "rhcos:4.2"},
		{Facts{System: "Red Hat Enterprise Linux CoreOS release 4.14"}, "rhcos:4.14"},
		{Facts{System: "Red Hat Enterprise Linux Server release 7.3 (Maipo)"}, "rhel:7"},
		{Facts{System: "Red Hat Enterprise Linux CoreOS 412.86", OSID: "rhcos", OSVersionID: "4.12"}, "rhcos:4.12"},
		{Facts{System: "AlmaLinux release 9.4", OSID: "almalinux", OSVersionID: "9.4"}, "alma:9"},
		{Facts{System: "Rocky Linux release 8.9", OSID: "rocky", OSVersionID: "8.9"}, "rocky:8"},
		{Facts{System: "CentOS Linux release 7.9.2009 (Core)", OSID: "centos", OSVersionID: "7"}, "centos:7"},
		{Facts{System: "Scientific Linux release 7.9", OSID: "scientific", OSVersionID: "7.9"}, "scientific:7"},
		{Facts{System: "Red Hat Enterprise Linux release 8.8 (Ootpa)", OSID: "rhel", OSVersionID: "8.8"}, "rhel:8"},
		// os-release decides when present: a renamed system string
		{Facts{System: "Custom Build 1", OSID: "almalinux", OSVersionID: "8.9"}, "alma:8"},
		// SUSE, with the service pack (inventories sles-15: "SLES 15.3";
		// /etc/SuSE-release and os-release spellings)
		{Facts{System: "SLES 15.3"}, "sles:15.3"},
		{Facts{System: "SLES 15"}, "sles:15.0"},
		{Facts{System: "SUSE Linux Enterprise Server 15 SP3"}, "sles:15.3"},
		{Facts{System: "SUSE Linux Enterprise Server 12 (x86_64)"}, "sles:12.0"},
		{Facts{System: "x", OSID: "sles", OSVersionID: "15.3"}, "sles:15.3"},
		{Facts{System: "x", OSID: "sles_sap", OSVersionID: "12.5"}, "sles:12.5"},
		{Facts{System: "openSUSE Leap 15.3"}, "opensuse-leap:15.3"},
		// Oracle Linux
		{Facts{System: "Oracle Linux Server release 8.9"}, "oracle:8"},
		{Facts{System: "x", OSID: "ol", OSVersionID: "9.3"}, "oracle:9"},
		// a group with no data yet: stored, shown as not evaluated
		{Facts{System: "Common Base Linux Mariner 2.0"}, "cbl-mariner:2.0"},
		{Facts{System: "x", OSID: "mariner", OSVersionID: "2.0"}, "cbl-mariner:2.0"},
		// unknown: no group, never a guess
		{Facts{System: "Debian"}, ""},
		{Facts{}, ""},
	}
	for _, tt := range tests {
		if got := Builtin.Group(tt.f); got != tt.want {
			t.Errorf("Group(%+v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	if _, err := Compile([]Rule{{Match: "(", Group: "x"}}); err == nil {
		t.Error("bad regexp accepted")
	}
	if _, err := Compile([]Rule{{Match: "x"}}); err == nil {
		t.Error("rule without group accepted")
	}
	rs, err := Compile([]Rule{{Match: `^MyOS (?P<v>\d+)`, Group: "debian:${v}"}})
	if err != nil {
		t.Fatal(err)
	}
	if g := rs.Group(Facts{System: "MyOS 12"}); g != "debian:12" {
		t.Errorf("custom rule: %q", g)
	}
}

func TestParse(t *testing.T) {
	text := "# site rules\n\n^MyOS (\\d+) => debian:$1\nid:^myos (\\d+) => debian:$1\n  ^A => B => c:1  \n"
	rs, err := Parse(strings.NewReader(text), "site.rules")
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{{Match: `^MyOS (\d+)`, Group: "debian:$1"}, {Match: `id:^myos (\d+)`, Group: "debian:$1"}, {Match: "^A => B", Group: "c:1"}}
	if len(rs) != len(want) {
		t.Fatalf("%d rules, want %d", len(rs), len(want))
	}
	for i := range want {
		if rs[i].Match != want[i].Match || rs[i].Group != want[i].Group {
			t.Errorf("rule %d = %q => %q, want %q => %q", i, rs[i].Match, rs[i].Group, want[i].Match, want[i].Group)
		}
	}
	var b strings.Builder
	if err := Format(&b, rs); err != nil {
		t.Fatal(err)
	}
	again, err := Parse(strings.NewReader(b.String()), "formatted")
	if err != nil || len(again) != len(rs) {
		t.Fatalf("formatted rules do not parse back: %v\n%s", err, b.String())
	}
	for _, tc := range []struct{ text, wantErr string }{
		{"^x debian:1\n", "site.rules:1: \"^x debian:1\" is not REGEXP => GROUP"},
		{"# c\n^(x => debian:1\n", `site.rules:2: "^(x": error parsing regexp`},
		{"^x => \n", "site.rules:1: "},
	} {
		if _, err := Parse(strings.NewReader(tc.text), "site.rules"); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("Parse(%q) = %v, want %q", tc.text, err, tc.wantErr)
		}
	}
}

// TestLoad: a rule file's rules come before the built-in ones, which
// still apply to what it does not name.
func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "site.rules")
	// A site whose CentOS 7 hosts are really Scientific Linux rebuilds.
	if err := os.WriteFile(path, []byte("^CentOS Linux release 7\\. => scientific:7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for sys, want := range map[string]string{"CentOS Linux release 7.7.1908 (Core)": "scientific:7", "CentOS Linux release 8.5.2111": "centos:8", "Debian GNU/Linux 12": "debian:12"} {
		if got := rs.Group(Facts{System: sys}); got != want {
			t.Errorf("Group(%q) = %q, want %q", sys, got, want)
		}
	}
	if got := Builtin.Group(Facts{System: "CentOS Linux release 7.7.1908 (Core)"}); got != "centos:7" {
		t.Errorf("Load changed the built-in rules: %q", got)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing rule file was accepted")
	}
	if rs, err := Load(""); err != nil || len(rs) != len(Builtin) {
		t.Errorf("Load(\"\") = %d rules, %v", len(rs), err)
	}
}
