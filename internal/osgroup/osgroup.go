// Package osgroup maps what hosts report about their OS (the system
// string, os-release ID and VERSION_ID) to the OS group a set of security
// data applies to, such as debian:12. Rules are regular expressions tried
// in order; the built-in ones cover every supported distro, and admins can
// put their own in front.
package osgroup

import (
	"fmt"
	"regexp"
	"strings"
)

// Facts are what a report says about a host's OS.
type Facts struct {
	System      string // the report's system: line, e.g. "Debian GNU/Linux 12"
	OSID        string // os-release ID (protocol 6), e.g. "debian"
	OSVersionID string // os-release VERSION_ID (protocol 6), e.g. "12"
}

// Rule turns matching facts into a group. Match is tried against the
// System string, or, when it starts with "id:", against "ID VERSION_ID".
// Group may refer to submatches as $1, ${name}.
type Rule struct {
	Match string `json:"match"`
	Group string `json:"group"`
	re    *regexp.Regexp
	onID  bool
}

// Rules is an ordered rule list; the first match wins.
type Rules []Rule

// Compile checks and prepares rules.
func Compile(rules []Rule) (Rules, error) {
	out := make(Rules, len(rules))
	for i, r := range rules {
		expr := r.Match
		if strings.HasPrefix(expr, "id:") {
			expr, r.onID = strings.TrimPrefix(expr, "id:"), true
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("OS group rule %d (%q): %w", i+1, r.Match, err)
		}
		if r.Group == "" {
			return nil, fmt.Errorf("OS group rule %d (%q) has no group", i+1, r.Match)
		}
		r.re = re
		out[i] = r
	}
	return out, nil
}

// Group returns the OS group of facts, or "" when no rule matches. Rules
// on os-release facts are tried first when the host sent them.
func (rs Rules) Group(f Facts) string {
	id := strings.TrimSpace(strings.ToLower(f.OSID) + " " + f.OSVersionID)
	if f.OSID != "" {
		for _, r := range rs {
			if r.onID {
				if g := r.apply(id); g != "" {
					return g
				}
			}
		}
	}
	sys := strings.TrimSpace(f.System)
	for _, r := range rs {
		if !r.onID {
			if g := r.apply(sys); g != "" {
				return g
			}
		}
	}
	return ""
}

func (r Rule) apply(s string) string {
	m := r.re.FindStringSubmatchIndex(s)
	if m == nil {
		return ""
	}
	return string(r.re.ExpandString(nil, r.Group, s, m))
}

// Builtin are the default rules. The Debian family: Debian's own strings,
// Raspbian (Debian rebuilt for ARM, same versions) and os-release facts.
// RPM distributions: a group per major release (rhel:9, alma:9, centos:7,
// scientific:7), Red Hat CoreOS by its 4.x release (rhcos:4.2).
var Builtin = mustCompile([]Rule{
	{Match: `id:^(?:debian|raspbian) (\d+)$`, Group: "debian:$1"},
	{Match: `^(?:Debian GNU/Linux|Debian|Raspbian GNU/Linux) (\d+)(?:\.\d+)*(?:\s|$)`, Group: "debian:$1"},
	{Match: `^Debian GNU/Linux (?:bookworm|12)/sid`, Group: "debian:sid"},
	{Match: `id:^ubuntu (\d+\.\d+)$`, Group: "ubuntu:$1"},
	{Match: `^Ubuntu (\d+\.\d+)`, Group: "ubuntu:$1"},
	{Match: `id:^alpine (\d+\.\d+)`, Group: "alpine:$1"},
	{Match: `^Alpine Linux (?:v)?(\d+\.\d+)`, Group: "alpine:$1"},
	// Red Hat CoreOS (RHEL 8 or 9 based, by its own 4.x release: the
	// redhat-rebuilds driver maps it) before RHEL, whose rule it matches.
	{Match: `id:^rhcos (\d+\.\d+)`, Group: "rhcos:$1"},
	{Match: `^Red Hat Enterprise Linux CoreOS release (\d+\.\d+)`, Group: "rhcos:$1"},
	{Match: `id:^rhel (\d+)`, Group: "rhel:$1"},
	{Match: `^Red Hat Enterprise Linux.* release (\d+)`, Group: "rhel:$1"},
	{Match: `id:^almalinux (\d+)`, Group: "alma:$1"},
	{Match: `^AlmaLinux(?: release)? (\d+)`, Group: "alma:$1"},
	{Match: `id:^rocky (\d+)`, Group: "rocky:$1"},
	{Match: `^Rocky Linux(?: release)? (\d+)`, Group: "rocky:$1"},
	{Match: `id:^centos (\d+)`, Group: "centos:$1"},
	{Match: `^CentOS(?: Linux| Stream)? release (\d+)`, Group: "centos:$1"},
	{Match: `id:^scientific (\d+)`, Group: "scientific:$1"},
	{Match: `^Scientific Linux(?: CERN SLC| Fermi)? release (\d+)`, Group: "scientific:$1"},
	{Match: `id:^sles (\d+)`, Group: "sles:$1"},
	{Match: `^SUSE Linux Enterprise Server (\d+)`, Group: "sles:$1"},
	{Match: `id:^opensuse-leap (\d+\.\d+)`, Group: "opensuse-leap:$1"},
	{Match: `^openSUSE Leap (\d+\.\d+)`, Group: "opensuse-leap:$1"},
})

func mustCompile(r []Rule) Rules {
	rs, err := Compile(r)
	if err != nil {
		panic(err)
	}
	return rs
}
