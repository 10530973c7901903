package osgroup

import (
	"strings"
	"testing"
)

// TestCompileTemplate: a group template naming a submatch the regular
// expression lacks is refused (regexp.Expand would put nothing there and
// every host would land in a group like "debian:"); valid templates pass.
func TestCompileTemplate(t *testing.T) {
	tests := []struct {
		match, group string
		err          string // substring of the error; "" for none
	}{
		{`^Debian GNU/Linux (\d+)`, "debian:$1", ""},
		{`^Debian GNU/Linux (\d+)`, "debian:${1}", ""},
		{`^(?P<name>\w+) (?P<ver>\d+)`, "${name}:${ver}", ""},
		{`^(?P<name>\w+) (?P<ver>\d+)`, "$name:$ver", ""},
		{`^Debian`, "debian:12", ""},
		{`^Debian`, "cost$$:1", ""},
		{`id:^rhel (\d+)`, "rhel:$1", ""},
		{`^Debian GNU/Linux (\d+)`, "debian:$2", "names submatch $2, the regular expression has 1"},
		{`^Debian`, "debian:$1", "names submatch $1, the regular expression has 0"},
		{`^(\d+)`, "x:${ver}", "no group of that name"},
		{`^(\d+)`, "x:$1x", "write ${1}..."},
		{`^(\d+)`, "x:${1", "unclosed ${"},
		{`^(\d+)`, "x:$", "a lone $"},
		{`^(\d+)`, "x:$-", "a lone $"},
		{`^(\d+`, "x:$1", "missing closing )"},
		{`^x`, "", "has no group"},
	}
	for _, tc := range tests {
		_, err := Compile([]Rule{{Match: tc.match, Group: tc.group}})
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s => %s: %v", tc.match, tc.group, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s => %s: error %v, want one with %q", tc.match, tc.group, err, tc.err)
		}
	}
}

// TestMatchIndex: Match names the rule that decided, os-release rules
// first; -1 when none matches.
func TestMatchIndex(t *testing.T) {
	rs, err := Compile([]Rule{{Match: "^Debian GNU/Linux (\\d+)", Group: "debian:$1"}, {Match: "id:^debian (\\d+)$", Group: "deb-id:$1"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f     Facts
		group string
		rule  int
	}{
		{Facts{System: "Debian GNU/Linux 12"}, "debian:12", 0},
		{Facts{System: "Debian GNU/Linux 12", OSID: "debian", OSVersionID: "12"}, "deb-id:12", 1},
		{Facts{System: "Ubuntu 22.04"}, "", -1},
	} {
		if g, i := rs.Match(tc.f); g != tc.group || i != tc.rule {
			t.Errorf("Match(%+v) = %q, %d; want %q, %d", tc.f, g, i, tc.group, tc.rule)
		}
	}
}
