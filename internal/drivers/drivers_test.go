package drivers

import "testing"

// TestRegistry: each OS group of the inventories is served by its
// family's driver (or by none: not evaluated).
func TestRegistry(t *testing.T) {
	r := Registry()
	for group, want := range map[string]string{
		"debian:11": "debian", "ubuntu:22.04": "ubuntu", "alpine:3.20": "alpine",
		"rhel:8": "redhat", "rhel:9.2-eus": "redhat",
		"centos:7": "redhat-rebuilds", "scientific:7": "redhat-rebuilds", "rhcos:4.2": "redhat-rebuilds",
		"alma:9": "alma", "rocky:8": "rocky", "sles:15.3": "suse", "opensuse-leap:15.3": "suse", "oracle:8": "oracle", "": "",
	} {
		d, ok := r.For(group)
		got := ""
		if ok {
			got = d.Name()
		}
		if got != want {
			t.Errorf("For(%q) = %q, want %q", group, got, want)
		}
	}
}
