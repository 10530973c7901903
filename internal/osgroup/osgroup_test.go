package osgroup

import "testing"

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
		// no data: no group, never a guess
		{Facts{System: "Common Base Linux Mariner 2.0"}, ""},
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
